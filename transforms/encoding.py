"""Turning response bytes into text, whatever the site says about its charset.

Order of evidence, most trusted first:

1. a byte-order mark;
2. the ``charset`` of the Content-Type header;
3. a ``<meta charset>`` / ``<meta http-equiv>`` tag (HTML) or the XML
   declaration's ``encoding`` (feeds), in the first few KB;
4. strict UTF-8, when the bytes decode cleanly as UTF-8;
5. detection with charset-normalizer.

Labels are mapped the way browsers do (WHATWG): ``iso-8859-1``/``ascii`` mean
windows-1252, and Arabic sites' ``windows-1256`` and ``iso-8859-6`` are
supported. A declared charset that does not fit the bytes (a site that says
UTF-8 and serves windows-1256) falls through to the next kind of evidence.
Decoding never raises: the last resort replaces invalid bytes with U+FFFD.
"""
from __future__ import annotations

import codecs
import re
from email.message import Message
from typing import Optional

from charset_normalizer import from_bytes

_SNIFF_BYTES = 4096
_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.I)
_XML_DECL = re.compile(rb"""^\s*<\?xml[^>]*encoding\s*=\s*["']([A-Za-z0-9_.:-]+)["']""", re.I)
_BOMS = (
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
# WHATWG label aliases that differ from Python's codec names.
_ALIASES = {
    "iso-8859-1": "cp1252", "iso8859-1": "cp1252", "latin1": "cp1252", "latin-1": "cp1252",
    "us-ascii": "cp1252", "ascii": "cp1252", "windows-1256": "cp1256", "x-user-defined": "cp1252",
    "iso-8859-6-i": "iso8859-6", "iso-8859-6-e": "iso8859-6", "arabic": "iso8859-6",
}
# What charset-normalizer may answer for an undeclared page; Arabic and
# Western single-byte encodings are the only ones our sources use.
_DETECT_CANDIDATES = ["utf_8", "cp1256", "iso8859_6", "cp1252", "utf_16"]


def normalise_label(label: Optional[str]) -> Optional[str]:
    """A Python codec name for a charset label, or None when unknown."""
    if not label:
        return None
    label = label.strip().strip("\"'").lower()
    label = _ALIASES.get(label, label)
    try:
        return codecs.lookup(label).name
    except LookupError:
        return None


def header_charset(content_type: Optional[str]) -> Optional[str]:
    if not content_type:
        return None
    msg = Message()
    msg["content-type"] = content_type
    return normalise_label(msg.get_param("charset"))


def declared_charset(body: bytes) -> Optional[str]:
    """Charset declared inside the document (meta tag or XML declaration)."""
    head = body[:_SNIFF_BYTES]
    for pattern in (_XML_DECL, _META_CHARSET):
        m = pattern.search(head)
        if m:
            label = normalise_label(m.group(1).decode("ascii", "replace"))
            if label and not label.startswith("utf-16"):   # an ASCII-readable tag cannot be UTF-16
                return label
    return None


def _try(body: bytes, encoding: Optional[str]) -> Optional[str]:
    if not encoding:
        return None
    try:
        return body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def detect_charset(body: bytes) -> Optional[str]:
    """charset-normalizer's best guess among the encodings our sources use."""
    match = from_bytes(body[:200_000], cp_isolation=_DETECT_CANDIDATES).best()
    return normalise_label(match.encoding) if match else None


def decode_body(body: bytes, content_type: Optional[str] = None) -> tuple[str, str]:
    """``(text, encoding)`` for ``body``; never raises.

    ``encoding`` names the codec used, with ``+replace`` appended when
    invalid bytes had to be replaced.
    """
    if not body:
        return "", header_charset(content_type) or "utf-8"
    for bom, enc in _BOMS:
        if body.startswith(bom):
            return body[len(bom):].decode(enc, "replace"), enc
    candidates = [header_charset(content_type), declared_charset(body)]
    for enc in candidates:
        text = _try(body, enc)
        if text is not None:
            return text, enc
    text = _try(body, "utf-8")
    if text is not None:
        return text, "utf-8"
    # A UTF-8 page with a few broken bytes stays UTF-8 (replacing only those);
    # single-byte Arabic text read as UTF-8 breaks on almost every letter.
    lenient = body.decode("utf-8", "replace")
    if lenient.count("\ufffd") <= max(2, len(lenient) // 200):
        return lenient, "utf-8+replace"
    guess = detect_charset(body)
    text = _try(body, guess)
    if text is not None:
        return text, guess
    # Nothing fits cleanly: keep the most trusted declaration, replace the bad bytes.
    fallback = next((c for c in candidates if c), "utf-8")
    return body.decode(fallback, "replace"), f"{fallback}+replace"
