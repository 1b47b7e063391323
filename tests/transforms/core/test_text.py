"""The one text sanitiser (transforms/core/text.py): examples and properties."""
from hypothesis import given, settings, strategies as st

from transforms.core.text import (MAX_TITLE_CHARS, redact_credentials, safe_author, safe_text,
                                  safe_title)

ANY_TEXT = st.text(alphabet=st.characters(codec=None, min_codepoint=0, max_codepoint=0x10FFFF), max_size=300)


def test_surrogates_controls_and_ansi_are_removed():
    assert safe_text("خبر \ud800 عاجل") == "خبر \ufffd عاجل"
    assert safe_text("a\ud83d\ude00b") == "a\U0001F600b"          # a well-formed pair joins up
    assert safe_text("a\x00b\x07c\x1b[1;31md\x1b[0m\x1b]0;title\x07e") == "abcde"
    assert safe_text("line\r\nnext\rthird\tcol") == "line\nnext\nthird\tcol"


def test_titles_lose_bidi_controls_and_newlines_and_are_capped():
    assert safe_title("\u202eخبر\u202c\n  مقلوب \u2066x\u2069") == "خبر مقلوب x"
    capped = safe_title("ع" * 4_000_000)
    assert len(capped) == MAX_TITLE_CHARS and capped.endswith("\u2026")
    assert len(safe_author("a" * 1000)) == 200


def test_credentials_are_redacted_from_any_text():
    assert redact_credentials("GET http://bob:pw@x.ma/a then https://tok@y.ma/b") == "GET http://x.ma/a then https://y.ma/b"
    assert redact_credentials("mail me at bob@x.ma") == "mail me at bob@x.ma"


@settings(max_examples=300, deadline=None)
@given(ANY_TEXT, st.booleans(), st.one_of(st.none(), st.integers(min_value=0, max_value=50)))
def test_safe_text_is_safe_idempotent_and_bounded(s, title, cap):
    out = safe_text(s, title=title, max_chars=cap)
    out.encode("utf-8")                                   # no lone surrogate left
    assert not any(ord(c) < 0x20 and c not in "\n\t" for c in out)
    assert "\x1b" not in out and not any(0x7F <= ord(c) <= 0x9F for c in out)
    if title:
        assert "\n" not in out and not any(c in out for c in "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
    if cap is not None:
        assert len(out) <= cap
    assert safe_text(out, title=title, max_chars=cap) == out


@settings(max_examples=200, deadline=None)
@given(st.binary(max_size=300))
def test_safe_text_takes_any_bytes(b):
    safe_text(b).encode("utf-8")
