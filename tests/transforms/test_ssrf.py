"""SSRF guard decisions. Name resolution is always stubbed: nothing here connects."""
from __future__ import annotations

import pytest

from transforms.http_client import BlockedURL, FetchError, guard_url
from transforms.ssrf import blocked_reason, ip_literal


def resolver(table: dict):
    calls = []

    def resolve(host, port):
        calls.append(host)
        if host not in table:
            raise OSError(f"stub: unknown host {host}")
        return list(table[host])
    resolve.calls = calls
    return resolve


NOWHERE = resolver({})


@pytest.mark.parametrize("url", [
    "http://169.254.169.254/latest/meta-data/",
    "http://10.0.0.5/", "http://10.255.255.255:8080/x",
    "http://172.16.0.1/", "http://172.31.255.254/",
    "http://192.168.1.1/admin",
    "http://127.0.0.1/", "http://127.8.9.10:5000/",
    "http://[::1]/", "http://[fe80::1]/", "http://[fc00::1]/",
    "http://224.0.0.1/", "http://[ff02::1]/",
    "http://240.0.0.1/", "http://0.0.0.0/", "http://[::]/",
    "http://100.64.0.1/",                          # carrier-grade NAT
    "http://[::ffff:169.254.169.254]/", "http://[::ffff:127.0.0.1]/", "http://[::ffff:10.1.2.3]/",
    "http://[64:ff9b::a9fe:a9fe]/",                # NAT64 form of 169.254.169.254
    "http://[2002:7f00:1::]/",                     # 6to4 form of 127.0.0.1
    "http://2130706433/", "http://0x7f000001/", "http://0177.0.0.1/", "http://0x7f.1/", "http://127.1/",
    "http://2852039166/",                          # decimal 169.254.169.254
    "http://[fd00:ec2::254]/",
])
def test_private_and_special_addresses_are_refused(url):
    with pytest.raises(BlockedURL) as err:
        guard_url(url, allow_private=False, resolve=NOWHERE)
    assert err.value.error_type == "blocked_private_address"
    assert NOWHERE.calls == []          # literals are decided without resolving


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.ma/x", "gopher://example.ma:70/",
                                 "javascript:alert(1)", "data:text/html,hi", "//example.ma/x", "example.ma/x"])
def test_only_http_and_https(url):
    with pytest.raises(BlockedURL) as err:
        guard_url(url, allow_private=True, resolve=NOWHERE)
    assert err.value.error_type == "blocked_scheme"


@pytest.mark.parametrize("addresses", [["10.1.1.1"], ["169.254.169.254"], ["127.0.0.1"], ["::1"],
                                       ["93.184.216.34", "192.168.0.10"]])  # one bad answer is enough
def test_hostnames_are_judged_by_what_they_resolve_to(addresses):
    resolve = resolver({"news.example.ma": addresses})
    with pytest.raises(BlockedURL):
        guard_url("https://news.example.ma/a", allow_private=False, resolve=resolve)
    assert resolve.calls == ["news.example.ma"]


def test_public_addresses_pass():
    resolve = resolver({"news.example.ma": ["93.184.216.34", "2606:2800:220:1::1"]})
    assert guard_url("https://News.Example.ma./a?b=1", allow_private=False, resolve=resolve) == \
        ["93.184.216.34", "2606:2800:220:1::1"]
    assert guard_url("http://8.8.8.8/", allow_private=False, resolve=NOWHERE) == ["8.8.8.8"]


def test_allow_private_opens_loopback_and_private_but_never_metadata_or_multicast():
    for url in ("http://127.0.0.1:8000/", "http://10.0.0.2/", "http://192.168.1.2/", "http://[::1]/"):
        guard_url(url, allow_private=True, resolve=NOWHERE)
    for url in ("http://169.254.169.254/", "http://[fe80::1]/", "http://224.0.0.1/", "http://0.0.0.0/",
                "http://[::ffff:169.254.169.254]/"):
        with pytest.raises(BlockedURL):
            guard_url(url, allow_private=True, resolve=NOWHERE)


def test_allowlist_exempts_named_hosts_only():
    resolve = resolver({"intranet.test": ["10.0.0.9"], "other.test": ["10.0.0.9"]})
    guard_url("http://intranet.test/feed", allow_private=False, resolve=resolve, allowlist=("intranet.test",))
    guard_url("http://intranet.test/feed", allow_private=False, resolve=resolve,
              allowlist=("http://intranet.test:8080",))
    with pytest.raises(BlockedURL):
        guard_url("http://other.test/feed", allow_private=False, resolve=resolve, allowlist=("intranet.test",))


def test_unresolvable_host_is_a_dns_error_not_a_pass():
    with pytest.raises(FetchError) as err:
        guard_url("http://nowhere.test/", allow_private=False, resolve=NOWHERE)
    assert err.value.error_type == "dns_error" and not isinstance(err.value, BlockedURL)


def test_ip_literal_parsing_and_reasons():
    assert str(ip_literal("0x7f.0.0.1")) == "127.0.0.1"
    assert str(ip_literal("017700000001")) == "127.0.0.1"
    assert ip_literal("cafe") is None and ip_literal("news.example.ma") is None
    assert "link-local" in blocked_reason("169.254.169.254", allow_private=True)
    assert blocked_reason("8.8.8.8", allow_private=False) is None
