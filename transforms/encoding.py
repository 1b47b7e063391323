"""Turning response bytes into text as a browser would, but trusting the bytes
over a label that they contradict. One function, :func:`decode_body`, for
feeds and pages alike.

Order of evidence (WHATWG Encoding "decode" and HTML "determining the
character encoding", sections 2.1-2.3, with one deliberate difference):

1. a byte-order mark (UTF-8, UTF-16 LE/BE) decides, whatever any label says;
2. **bytes that are valid UTF-8 and not plain ASCII are UTF-8.** Windows-1256,
   ISO-8859-6 and Windows-1252 text is practically never valid UTF-8 (Arabic
   letters in Windows-1256 are bytes 0xC1-0xFE, and two of them in a row are
   not a UTF-8 sequence), so a header that says ``windows-1256`` over a
   document that declares UTF-8 in its XML declaration or ``<meta>`` and is
   valid UTF-8 means UTF-8 (issue 14). Browsers follow the header there and
   show mojibake; we do not. The same holds in the other direction (a header
   saying UTF-8 over a document declaring a legacy charset, bytes valid UTF-8);
3. bytes that are UTF-8 but for a few broken sequences (at most 1 in 200
   characters, and at least ten well-formed multi-byte characters per
   broken one) are UTF-8 with those bytes replaced;
4. otherwise the declared charsets the bytes satisfy (the Content-Type
   header's ``charset``; the XML declaration's ``encoding``; a ``<meta
   charset>`` or ``<meta http-equiv>``), and when two of them disagree,
   charset-normalizer picks the one whose decoding reads best (least
   "chaos", most coherent), the header winning a tie;
5. nothing declared that fits: charset-normalizer's guess among the
   encodings our sources use (:data:`DETECT_CANDIDATES`);
6. last resort: the most trusted declaration (or UTF-8) with replacement.

Labels are mapped the way browsers do (WHATWG): ``iso-8859-1``/``ascii`` mean
windows-1252, and Arabic sites' ``windows-1256`` and ``iso-8859-6`` are
supported. A UTF-16 label without a BOM on ASCII-compatible bytes is ignored
(WHATWG: a document that could be read to find its ``<meta>`` is not UTF-16).

The decoded text then goes through :func:`transforms.core.text.safe_text`'s
control-character rules (no NUL, C0/C1 controls or ANSI escapes; newlines and
tabs kept; surrounding whitespace trimmed), once, here, for every feed and
page. Decoding never raises.
"""
from __future__ import annotations

import codecs
import re
from email.message import Message
from typing import Optional

from charset_normalizer import from_bytes

from transforms.core.text import safe_text

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
DETECT_CANDIDATES = ["utf_8", "cp1256", "iso8859_6", "cp1252", "utf_16"]
_DETECT_CANDIDATES = DETECT_CANDIDATES
NEAR_UTF8_ERROR_SHARE = 1 / 200     # rule 3: broken sequences per character, at most
NEAR_UTF8_GOOD_PER_BAD = 10         # rule 3: well-formed multi-byte characters per broken one, at least


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
    """The codec named by a Content-Type header's ``charset`` parameter, or None."""
    if not content_type:
        return None
    msg = Message()
    try:
        msg["content-type"] = content_type
        return normalise_label(msg.get_param("charset"))
    except Exception:  # noqa: BLE001 - a header email.message cannot parse names no charset
        return None


def _declared(body: bytes, pattern: re.Pattern) -> Optional[str]:
    m = pattern.search(body[:_SNIFF_BYTES])
    if not m:
        return None
    label = normalise_label(m.group(1).decode("ascii", "replace"))
    if label and label.startswith("utf-16"):      # an ASCII-readable declaration cannot be UTF-16
        return None
    return label


def xml_declared_charset(body: bytes) -> Optional[str]:
    """The XML declaration's ``encoding``, or None."""
    return _declared(body, _XML_DECL)


def meta_declared_charset(body: bytes) -> Optional[str]:
    """A ``<meta charset>`` / ``<meta http-equiv=Content-Type>`` charset, or None."""
    return _declared(body, _META_CHARSET)


def declared_charset(body: bytes) -> Optional[str]:
    """Charset declared inside the document (XML declaration first, then a meta tag)."""
    return xml_declared_charset(body) or meta_declared_charset(body)


def _try(body: bytes, encoding: Optional[str]) -> Optional[str]:
    if not encoding:
        return None
    try:
        return body.decode(encoding)
    except (UnicodeDecodeError, LookupError):
        return None


def detect_charset(body: bytes, candidates: Optional[list] = None) -> Optional[str]:
    """charset-normalizer's best guess among ``candidates`` (default: the encodings our sources use)."""
    try:
        match = from_bytes(body[:200_000], cp_isolation=list(candidates or DETECT_CANDIDATES)).best()
    except Exception:  # noqa: BLE001 - the detector must never stop a decode
        return None
    return normalise_label(match.encoding) if match else None


def _near_utf8(body: bytes) -> Optional[str]:
    """Rule 3: the lenient UTF-8 decoding when only a few sequences are broken."""
    lenient = body.decode("utf-8", "replace")
    bad = lenient.count("\ufffd")
    good = sum(1 for ch in lenient if ord(ch) > 0x7F) - bad
    if bad <= max(2, len(lenient) * NEAR_UTF8_ERROR_SHARE) and good >= NEAR_UTF8_GOOD_PER_BAD * bad:
        return lenient
    return None


def choose_encoding(body: bytes, content_type: Optional[str] = None) -> tuple[str, str]:
    """``(text, encoding)`` by the rules of the module docstring, before control-character cleaning."""
    if not body:
        return "", header_charset(content_type) or "utf-8"
    for bom, enc in _BOMS:
        if body.startswith(bom):
            return body[len(bom):].decode(enc, "replace"), enc
    header = header_charset(content_type)
    if header and header.startswith(("utf-16", "utf-32")):
        header = None                                   # no BOM: these bytes are not UTF-16
    inside = [c for c in (xml_declared_charset(body), meta_declared_charset(body)) if c]
    declared = [c for c in [header, *inside] if c]
    strict = _try(body, "utf-8")
    if strict is not None:
        if strict.isascii():
            return strict, declared[0] if declared else "utf-8"
        return strict, "utf-8"
    near = _near_utf8(body)
    if near is not None:
        return near, "utf-8+replace"
    fits: list[str] = []
    for enc in declared:
        if enc != "utf-8" and enc not in fits and _try(body, enc) is not None:
            fits.append(enc)
    if len(fits) == 1:
        return body.decode(fits[0]), fits[0]
    if len(fits) > 1:
        best = detect_charset(body, fits)
        enc = best if best in fits else fits[0]
        return body.decode(enc), enc
    guess = detect_charset(body)
    text = _try(body, guess)
    if text is not None:
        return text, guess
    fallback = declared[0] if declared else "utf-8"
    return body.decode(fallback, "replace"), f"{fallback}+replace"


def decode_body(body: bytes, content_type: Optional[str] = None) -> tuple[str, str]:
    """``(text, encoding)`` for ``body``; never raises.

    ``encoding`` names the codec used, with ``+replace`` appended when
    invalid bytes had to be replaced. ``text`` has no NUL, C0/C1 control
    (but newline and tab) or ANSI escape sequence, and no lone surrogate.
    """
    text, encoding = choose_encoding(body or b"", content_type)
    return safe_text(text), encoding
