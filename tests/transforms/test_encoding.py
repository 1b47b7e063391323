"""Charset decisions (transforms/encoding.py): header, <meta> and XML declaration disagreeing both ways."""
import pytest
from hypothesis import given, settings, strategies as st

from transforms.encoding import decode_body

AR = "أوقفت عناصر الشرطة في مدينة فاس شخصا يشتبه في تورطه في سرقة دراجات نارية من أحد الأحياء."
FR = "Le préfet a annoncé l'arrestation de deux suspects à Fès, où la police enquête depuis août."


def html(text, meta=""):
    m = f'<meta charset="{meta}">' if meta else ""
    return f"<html><head>{m}<title>t</title></head><body><p>{text}</p></body></html>"


def xml(text, decl=""):
    d = f' encoding="{decl}"' if decl else ""
    return f'<?xml version="1.0"{d}?><rss><channel><item><title>{text}</title></item></channel></rss>'


CASES = [
    # (body text, document builder, declared inside, bytes codec, header charset, expected codec)
    ("page: header 1256, meta utf-8, bytes utf-8", html, "utf-8", "utf-8", "windows-1256", "utf-8"),
    ("feed: header 1256, xml utf-8, bytes utf-8", xml, "utf-8", "utf-8", "windows-1256", "utf-8"),
    ("page: header utf-8, meta 1256, bytes 1256", html, "windows-1256", "cp1256", "utf-8", "cp1256"),
    ("feed: header utf-8, xml 1256, bytes 1256", xml, "windows-1256", "cp1256", "utf-8", "cp1256"),
    ("page: header utf-8, meta 1256, bytes utf-8", html, "windows-1256", "utf-8", "utf-8", "utf-8"),
    ("page: header latin-1, meta 1256, bytes 1256", html, "windows-1256", "cp1256", "ISO-8859-1", "cp1256"),
    ("feed: header latin-1, xml 1256, bytes 1256", xml, "windows-1256", "cp1256", "iso-8859-1", "cp1256"),
    ("page: header 1256, meta latin-1, bytes 1256", html, "iso-8859-1", "cp1256", "windows-1256", "cp1256"),
    ("feed: no header, xml iso-8859-6, bytes utf-8", xml, "iso-8859-6", "utf-8", "", "utf-8"),
    ("page: no header, meta 1256, bytes 1256", html, "windows-1256", "cp1256", "", "cp1256"),
    ("page: no header, nothing declared, bytes 1256", html, "", "cp1256", "", "cp1256"),
    ("page: header iso-8859-6, bytes iso-8859-6", html, "", "iso8859-6", "ISO-8859-6", "iso8859-6"),
    ("page: header utf-16 without BOM, bytes utf-8", html, "utf-8", "utf-8", "utf-16", "utf-8"),
]


@pytest.mark.parametrize("name,build,decl,codec,header,want", CASES, ids=[c[0] for c in CASES])
def test_header_meta_and_xml_declaration_disagreements(name, build, decl, codec, header, want):
    body = build(AR, decl).encode(codec)
    text, enc = decode_body(body, f"text/html; charset={header}" if header else "text/html")
    assert enc == want and AR in text


def test_french_windows_1252_page_under_a_latin1_header():
    text, enc = decode_body(html(FR).encode("cp1252"), "text/html; charset=iso-8859-1")
    assert enc == "cp1252" and FR in text


def test_a_bom_wins_over_every_label():
    text, enc = decode_body(b"\xef\xbb\xbf" + xml(AR).encode(), "application/rss+xml; charset=windows-1256")
    assert enc == "utf-8" and AR in text


def test_utf8_with_a_few_broken_bytes_stays_utf8_under_a_legacy_header():
    body = html(AR * 5, "utf-8").encode().replace("<p>".encode(), b"<p>\xff", 1)
    text, enc = decode_body(body, "text/html; charset=windows-1256")
    assert enc == "utf-8+replace" and AR in text


def test_control_characters_and_ansi_escapes_are_gone_after_decoding():
    text, _ = decode_body(html("a\x00b\x1b[31mc\x1b[0m\x07").encode(), "text/html")
    assert "<p>abc</p>" in text


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=1500), st.sampled_from(["", "text/html", "text/html; charset=utf-8",
                                                 "text/xml; charset=windows-1256", "text/html; charset=bogus",
                                                 "text/html; charset=utf-16", 'text/html; charset="', ";;="]))
def test_decode_never_raises_and_gives_clean_text(body, ctype):
    text, enc = decode_body(body, ctype)
    text.encode("utf-8")
    assert enc and "\x00" not in text and "\x1b" not in text
