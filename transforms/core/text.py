"""Text made safe once, in one place: every text field that enters the pipeline
from outside (feed titles, summaries, authors, page text and titles, URLs in
rows and logs) goes through these functions.

:func:`safe_text` guarantees, for any ``str`` (or ``bytes``, decoded as UTF-8
with replacement) given to it:

* no lone surrogates (U+D800..U+DFFF): each becomes U+FFFD (a well-formed
  pair becomes its character), so the string always encodes to UTF-8
  (feedparser turns ``&#xD800;`` into a lone surrogate);
* no ANSI escape sequences (CSI ``ESC [ ... final``, OSC ``ESC ] ... BEL/ST``,
  and two-character ``ESC x`` forms; ECMA-48 section 5), nor their 8-bit C1
  forms (U+0080..U+009F, which no web text legitimately carries);
* no NUL and no other C0 control but newline and tab; a carriage return
  becomes a newline (``\\r\\n`` one newline);
* for titles (``title=True``) and other one-line fields (``one_line=True``):
  no bidirectional embedding/override/isolate controls (U+202A..U+202E,
  U+2066..U+2069; the "Trojan Source" characters, CVE-2021-42574), and
  whitespace runs folded to one space. Arabic needs none of them: the
  Unicode bidi algorithm orders it from the letters themselves;
* at most ``max_chars`` characters (an ellipsis marks the cut).

It is idempotent (``safe_text(safe_text(s)) == safe_text(s)``) and never
raises. ``MAX_TITLE_CHARS`` is the cap trafilatura already applies to page
titles (10,000 characters), used for feed titles too, so that a 4 MB feed
title is cut instead of making its row too big for the warehouse.

:func:`redact_credentials` removes ``user:password@`` from every URL inside a
string (RFC 3986 section 3.2.1 deprecates passwords in URLs; they must never
reach a row or a log).
"""
from __future__ import annotations

import re
from typing import Optional, Union

MAX_TITLE_CHARS = 10_000      # trafilatura's own cap on page titles
MAX_AUTHOR_CHARS = 200
MAX_SUMMARY_CHARS = 200_000   # = schema.MAX_TEXT_CHARS: a feed summary can become the story text
ELLIPSIS = "\u2026"

# ECMA-48: CSI = ESC [ params intermediates final; OSC = ESC ] ... (BEL | ESC \\);
# other escape sequences are ESC, intermediates, one final byte.
_ANSI = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]?"          # CSI (a truncated one too)
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?"  # OSC
    r"|\x1b[PX^_][^\x1b]*(?:\x1b\\)?"    # DCS, SOS, PM, APC strings
    r"|\x1b[ -/]*[0-~]?"                 # two-character forms (and a lone ESC)
    r"|\x9b[0-?]*[ -/]*[@-~]?"           # 8-bit CSI
)
_SURROGATE = re.compile(r"[\ud800-\udfff]")
# C0 but tab and newline, DEL, C1; CR handled before.
_CONTROLS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_BIDI = re.compile(r"[\u202a-\u202e\u2066-\u2069]")
_SPACES = re.compile(r"\s+")
# userinfo runs to the last "@" of the authority (RFC 3986 section 3.2, as urlsplit reads it)
_CREDENTIALS = re.compile(r"(?i)\b([a-z][a-z0-9+.\-]*://)[^\s/?#]*@")


def safe_text(value: Union[str, bytes, None], *, max_chars: Optional[int] = None, title: bool = False,
              one_line: bool = False) -> str:
    """``value`` with the guarantees of the module docstring; ``""`` for None.

    ``title=True`` implies ``one_line``. ``max_chars`` counts characters
    after cleaning; a cut string ends with an ellipsis and is exactly
    ``max_chars`` long. Leading and trailing whitespace is stripped.
    """
    if value is None:
        return ""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    elif not isinstance(value, str):
        value = str(value)
    s = value
    if _SURROGATE.search(s):
        # a valid pair written as two code points joins up; a lone half becomes U+FFFD
        s = s.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    if "\x1b" in s or "\x9b" in s:
        s = _ANSI.sub("", s)
    s = s.replace("\r\n", "\n").replace("\r", "\n")
    s = _CONTROLS.sub("", s)
    if title or one_line:
        s = _BIDI.sub("", s)
        s = _SPACES.sub(" ", s)
    s = s.strip()
    if max_chars is not None and len(s) > max_chars:
        s = s[: max(0, max_chars - 1)].rstrip() + ELLIPSIS if max_chars > 0 else ""
    return s


def safe_title(value, max_chars: int = MAX_TITLE_CHARS) -> str:
    """A title: one line, no bidi controls, at most ``MAX_TITLE_CHARS``."""
    return safe_text(value, max_chars=max_chars, title=True)


def safe_author(value) -> str:
    """An author name: one line, no bidi controls, at most ``MAX_AUTHOR_CHARS``."""
    return safe_text(value, max_chars=MAX_AUTHOR_CHARS, title=True)


def redact_credentials(text: Optional[str]) -> str:
    """``text`` with the userinfo (``user:password@``) of every URL in it removed.

    >>> redact_credentials("fetch http://bob:s3cret@feeds.example.ma/rss failed")
    'fetch http://feeds.example.ma/rss failed'
    """
    if not text:
        return text or ""
    if "@" not in text:
        return text
    return _CREDENTIALS.sub(r"\1", text)
