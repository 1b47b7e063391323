"""URL hygiene: one canonical form per story, the story key and its article id.

The same story reaches us through several section feeds, with tracking
parameters, fragments, a different percent-encoding of its Arabic slug or a
host in capitals. Three functions fold those variants:

* :func:`canonicalize_url` -> the canonical URL (a working URL, stored in
  ``canonical_url``). Normalisation is w3lib's ``canonicalize_url`` (Scrapy's,
  RFC 3986 section 6): the IRI form and every percent-encoding of a path
  become one URI form (UTF-8, upper-case hex, unreserved characters decoded),
  the host is IDNA-encoded, dot segments are removed, the query is sorted
  and the fragment dropped. Around it, what w3lib leaves: host case, a
  trailing dot on the host, the scheme's default port, ``user:password@``
  (never stored) and tracking parameters (:data:`TRACKING_PARAMS`).
* :func:`story_key` -> the canonical URL with ``https`` for ``http`` and
  without a leading ``www.``: one outlet's path under either scheme or
  either host spelling is one story (the rule in the README, "One story,
  one row").
* :func:`article_id` -> sha1 of the story key: the warehouse's upsert key.

None of them raises: a link that cannot be parsed (a port of ``99999`` or
``abc``, ``http://[::1/x``) comes back as given (credentials removed), and
:func:`url_problem` says why it is unusable, so that the feed stage turns it
into one ``bad_link`` errors row instead of a crash.

:func:`check_canonical` is the one rule for a page's ``rel=canonical``: it is
used only when it is http(s) and on the page's own registrable domain
(public-suffix list of the ``tld`` package, bundled, no network), else it is
ignored with a reason; a page cannot claim another site's story.
"""
from __future__ import annotations

import hashlib
import ipaddress
import re
import unicodedata
from typing import Optional
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

from transforms.core.text import redact_credentials

# Tracking parameters (ClearURLs' and Firefox's query-stripping lists, the
# ones seen on Moroccan and French outlets' feeds); ``utm_*``, ``itm_*`` and
# ``mc_*`` by prefix.
TRACKING_PARAMS = frozenset({
    "fbclid", "gclid", "dclid", "msclkid", "yclid", "twclid", "ttclid", "wbraid", "gbraid", "igshid",
    "mc_cid", "mc_eid", "_ga", "_gl", "ref_src", "amp", "xtor", "ocid", "cmpid", "_hsenc", "_hsmi", "mkt_tok",
})
_TRACKING_PREFIXES = ("utm_", "itm_")
_DEFAULT_PORTS = {"http": 80, "https": 443}
WEB_SCHEMES = ("http", "https")
_SPACE = re.compile(r"\s")


def _is_tracking(key: str) -> bool:
    k = key.lower()
    return k.startswith(_TRACKING_PREFIXES) or k in TRACKING_PARAMS


def _host_ascii(host: str) -> str:
    """Lower case, no trailing dot, IDNA (punycode) for a non-ASCII name."""
    host = host.lower().rstrip(".")
    if host.isascii():
        return host
    try:
        return host.encode("idna").decode("ascii")
    except UnicodeError:
        return host


_HIDDEN_CATEGORIES = frozenset(("Cc", "Cf", "Co", "Cs", "Zl", "Zp"))   # controls, bidi/format, private, surrogates


def url_problem(url: str) -> Optional[str]:
    """Why ``url`` cannot be used as an http(s) link, or None when it can.

    Only parse failures are reported here (bad port, broken IPv6 literal,
    no host, whitespace inside, an invisible or control character anywhere:
    Unicode categories Cc, Cf, Co, Cs, Zl, Zp); a well-formed URL of another scheme is
    left to the SSRF guard, which refuses it as ``blocked_scheme``.
    """
    if not url or not url.strip():
        return "empty link"
    url = url.strip()
    hidden = next((c for c in url if unicodedata.category(c) in _HIDDEN_CATEGORIES), None)
    if hidden is not None:
        # never "repair" such a link by dropping the character: exa<U+202E>mple.com is not example.com
        return f"invisible or control character U+{ord(hidden):04X} in the link"
    try:
        parts = urlsplit(url)
    except ValueError as exc:
        return f"unparsable URL: {exc}"
    scheme = parts.scheme.lower()
    if scheme not in WEB_SCHEMES:
        return None if scheme else "relative link with no base"
    try:
        port = parts.port
    except ValueError as exc:
        return f"bad port: {exc}"
    if port == 0:
        return "bad port: 0"
    if not parts.hostname:
        return "no host"
    if _SPACE.search(parts.netloc):
        return "whitespace in the host"
    return None


def _rebuild(scheme: str, host: str, port: Optional[int], path: str, query: str) -> str:
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != _DEFAULT_PORTS.get(scheme):
        netloc = f"{netloc}:{port}"
    query = urlencode([(k, v) for k, v in parse_qsl(query, keep_blank_values=True) if not _is_tracking(k)])
    return urlunsplit((scheme, netloc, path or "/", query, ""))


def canonicalize_url(url: str) -> str:
    """The canonical form of ``url`` (see the module docstring); never raises.

    >>> canonicalize_url("HTTPS://WWW.Example.MA.:443/A/b?utm_source=rss&id=3#top")
    'https://www.example.ma/A/b?id=3'
    >>> canonicalize_url("https://x.ma/خبر") == canonicalize_url("https://x.ma/%d8%ae%d8%a8%d8%b1")
    True

    An unusable link (see :func:`url_problem`) or one of another scheme comes
    back stripped of surrounding whitespace and credentials, otherwise as given.
    """
    url = (url or "").strip()
    if url_problem(url) is not None:
        redacted = redact_credentials(url)
        # The problem may sit in the credentials alone ('http://\x1b@host'): once they are
        # gone the link is a usable one, canonicalised as such, so the result is a fixed point.
        if redacted != url and url_problem(redacted) is None:
            return canonicalize_url(redacted)
        return redacted
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    if scheme not in WEB_SCHEMES:
        return redact_credentials(url)
    host = _host_ascii(parts.hostname or "")
    rebuilt = _rebuild(scheme, host, parts.port, parts.path, parts.query)
    try:
        from w3lib.url import canonicalize_url as w3_canonicalize

        out = w3_canonicalize(rebuilt, keep_blank_values=True, keep_fragments=False)
    except Exception:  # noqa: BLE001 - w3lib refused (an odd IDNA label): keep our own normalisation
        return rebuilt
    # w3lib may re-add what we removed (it does not strip default ports): one more pass is a no-op
    # when it changed nothing of the host; a changed host is re-normalised.
    again = urlsplit(out)
    try:
        port = again.port
    except ValueError:
        return rebuilt
    return urlunsplit((again.scheme, _netloc(again.hostname or host, port, again.scheme),
                       again.path or "/", again.query, ""))


def _netloc(host: str, port: Optional[int], scheme: str) -> str:
    host = _host_ascii(host)
    netloc = f"[{host}]" if ":" in host else host
    if port is not None and port != _DEFAULT_PORTS.get(scheme):
        netloc = f"{netloc}:{port}"
    return netloc


def story_key(url: str) -> str:
    """The canonical URL with ``https`` for ``http`` and no leading ``www.``.

    Only used as the key (:func:`article_id`); never fetched.
    """
    canonical = canonicalize_url(url)
    try:
        parts = urlsplit(canonical)
    except ValueError:
        return canonical
    if parts.scheme not in WEB_SCHEMES or not parts.netloc:
        return canonical
    return urlunsplit(("https", parts.netloc.removeprefix("www."), parts.path, parts.query, ""))


def article_id(url: str) -> str:
    """Stable id of a story: sha1 (hex, 40 chars) of :func:`story_key` of ``url``."""
    return hashlib.sha1(story_key(url).encode("utf-8", "surrogatepass")).hexdigest()


def host_of(url: str) -> str:
    """Lower-case host of ``url`` without a trailing dot; ``""`` when there is none or it cannot be parsed."""
    try:
        return (urlsplit((url or "").strip()).hostname or "").lower().rstrip(".")
    except ValueError:
        return ""


def registrable_domain(host: str) -> str:
    """The registrable domain ("eTLD+1") of ``host``: ``www.hespress.com`` ->
    ``hespress.com``, ``ar.le360.ma`` -> ``le360.ma``, ``news.gov.ma`` ->
    ``news.gov.ma``'s ``gov.ma`` rule from the public-suffix list. An IP
    address or a single-label name is its own registrable domain."""
    host = _host_ascii((host or "").strip("[]"))
    if not host:
        return ""
    try:
        ipaddress.ip_address(host)
        return host
    except ValueError:
        pass
    if "." not in host:
        return host
    from tld import get_fld

    fld = get_fld(host, fix_protocol=True, fail_silently=True)
    return (fld or host).lower()


def same_site(url_a: str, url_b: str) -> bool:
    """Both URLs are on one registrable domain (and neither is empty)."""
    a, b = registrable_domain(host_of(url_a)), registrable_domain(host_of(url_b))
    return bool(a) and a == b


def resolve_link(base: str, href: str) -> str:
    """``href`` resolved against ``base`` (RFC 3986 section 5); never raises
    (a broken ``base`` or ``href`` gives ``href`` as it is)."""
    href = (href or "").strip()
    try:
        return urljoin(base or "", href)
    except ValueError:
        return href


# Paths of listing pages (the same rule as transforms.extract_meta's listing check).
_LISTING_PATH = re.compile(r"/(tag|tags|category|categorie|categories|author|auteur|page|search|archives?)(/|$)",
                           re.IGNORECASE)


def check_canonical(href: Optional[str], page_url: str) -> tuple[str, Optional[str]]:
    """``(canonical URL, reason it was ignored)`` for a page's ``rel=canonical``.

    The canonical is used when it is an http(s) URL on the page's own
    registrable domain (``www.site.ma`` and ``site.ma``, ``ar.site.ma`` and
    ``fr.site.ma`` are one site) that names a story, not the site's home page
    or a listing (tag, category, author, page, search: CMSs that set every
    page's canonical to the home page would otherwise fold every story into
    one row); otherwise the page URL is the canonical and the reason says
    why, e.g. ``canonical on another site: evil.test``.
    Both are canonicalised. Never raises.
    """
    page = canonicalize_url(page_url)
    if not href or not href.strip():
        return page, None
    target = resolve_link(page_url, href)
    scheme = target.split(":", 1)[0].lower() if ":" in target else ""
    if scheme not in WEB_SCHEMES:
        return page, f"canonical ignored: scheme {scheme or '(none)'!r} is not http(s)"
    problem = url_problem(target)
    if problem:
        return page, f"canonical ignored: {problem}"
    if not same_site(target, page_url):
        return page, f"canonical ignored: on another site ({host_of(target)})"
    target_path = urlsplit(target).path or "/"
    if target_path == "/" and (urlsplit(page_url).path or "/") != "/":
        return page, "canonical ignored: it names the site's home page, not this story"
    if _LISTING_PATH.search(target_path) and not _LISTING_PATH.search(urlsplit(page_url).path or "/"):
        return page, f"canonical ignored: it names a listing page ({target_path}), not this story"
    return canonicalize_url(target), None


_CANONICAL_TAG = re.compile(r"<link\b[^>]*>", re.I)
_ATTR = re.compile(r"""([a-zA-Z-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""")


def canonical_href(html: str) -> Optional[str]:
    """The ``href`` of the first ``<link rel=canonical>`` in the page's first 100,000 characters."""
    head = (html or "")[:100_000]
    for tag in _CANONICAL_TAG.findall(head):
        attrs = {m.group(1).lower(): next(g for g in m.groups()[1:] if g is not None) for m in _ATTR.finditer(tag)}
        if "canonical" in attrs.get("rel", "").lower().split() and attrs.get("href"):
            return attrs["href"].strip()
    return None


def canonical_from_html(html: str, page_url: str) -> str:
    """The canonical URL of a page (:func:`check_canonical` of its first ``rel=canonical``)."""
    return check_canonical(canonical_href(html), page_url)[0]
