"""URL hygiene: one canonical form per story, and the stable article id.

The same story often reaches us through several section feeds, with tracking
parameters or fragments attached. ``canonicalize_url`` folds those variants
onto one URL, and ``article_id`` hashes it into the warehouse's upsert key.
"""
from __future__ import annotations

import hashlib
import re
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

_TRACKING_EXACT = {
    "fbclid", "gclid", "dclid", "msclkid", "yclid", "mc_cid", "mc_eid",
    "igshid", "_ga", "ref_src", "amp",
}
_DEFAULT_PORTS = {"http": "80", "https": "443"}


def _is_tracking(key: str) -> bool:
    k = key.lower()
    return k.startswith("utm_") or k in _TRACKING_EXACT


def canonicalize_url(url: str) -> str:
    """Lower-case scheme and host, drop default ports, tracking parameters and
    the fragment; keep path and the remaining query (sorted) as given.

    >>> canonicalize_url("HTTPS://WWW.Example.ma:443/a/b?utm_source=rss&id=3#top")
    'https://www.example.ma/a/b?id=3'
    """
    url = (url or "").strip()
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower().rstrip(".")
    if not scheme or not host:
        return url
    port = parts.port
    netloc = host if ":" not in host else f"[{host}]"
    if port is not None and str(port) != _DEFAULT_PORTS.get(scheme):
        netloc = f"{netloc}:{port}"
    if parts.username:
        # Credentials never belong in a stored URL.
        pass
    query = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if not _is_tracking(k)]
    query.sort()
    path = parts.path or "/"
    return urlunsplit((scheme, netloc, path, urlencode(query, doseq=True), ""))


def article_id(canonical_url: str) -> str:
    """Stable id of a story: sha1 of its canonical URL (hex, 40 chars)."""
    return hashlib.sha1(canonicalize_url(canonical_url).encode("utf-8")).hexdigest()


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


_CANONICAL_TAG = re.compile(r"<link\b[^>]*>", re.I)
_ATTR = re.compile(r"""([a-zA-Z-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""")


def canonical_from_html(html: str, page_url: str) -> str:
    """The canonical URL of a page: its ``<link rel=canonical>`` when it names
    an http(s) URL on the same site (``www.`` aside), else the page URL; both
    canonicalised. A page cannot claim another site's story as its own."""
    head = (html or "")[:100_000]
    for tag in _CANONICAL_TAG.findall(head):
        attrs = {m.group(1).lower(): next(g for g in m.groups()[1:] if g is not None) for m in _ATTR.finditer(tag)}
        if "canonical" not in attrs.get("rel", "").lower().split() or not attrs.get("href"):
            continue
        target = urljoin(page_url, attrs["href"].strip())
        if urlsplit(target).scheme in ("http", "https") and \
                host_of(target).removeprefix("www.") == host_of(page_url).removeprefix("www."):
            return canonicalize_url(target)
        break
    return canonicalize_url(page_url)
