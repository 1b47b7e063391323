"""Feed shapes as real sites publish them, served by the hostile server under ``/shapes/``.

Each :class:`Shape` is one kind of input that went wrong in issues 13 and 14
(Atom ``urn:``/``tag:`` ids, a 301 with relative links, dates feedparser
misreads, charset lies, one story under two spellings, arabizi, hostile
entries). ``SHAPES`` is the table that ``docs/feed-shapes.md`` mirrors; the
expected values are what the tests assert (``tests/transforms/test_feed_shapes.py``
on ``parse_feed``, ``tests/e2e/test_feed_shapes_e2e.py`` on the warehouse).
All text is written for these tests, in our own words.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import quote, unquote

# Our own Arabic story (not from any site) and titles.
STORY = (
    "أوقفت عناصر الدرك الملكي بضواحي مدينة الخميسات شابين يشتبه في تورطهما في ترويج المخدرات، "
    "بعد تفتيش سيارة كانا على متنها عند سد قضائي. وحجزت العناصر كمية من مخدر الشيرا ومبلغا ماليا. "
    "وقد وضع الموقوفان رهن الحراسة النظرية بتعليمات من النيابة العامة المختصة لتعميق البحث."
)
DARIJA = (
    "Lbare7 f Casa, lbolis chddo jouj drari kaybi3o l7chich 9dam lmadrasa dyal l7ay. "
    "Nass dyal l7ouma galo bli had chi kan kaydour mn ch7al hadi, w daba l9adiya 3nd nniyaba. "
    "Wa7ed mn ljiran gal lina: 7na bghina ghir l2aman l wladna, machi bzaf 3lina."
)
SPANISH = (
    "La policía de Tánger detuvo ayer a dos jóvenes sospechosos de vender droga cerca de un instituto. "
    "Según fuentes locales, los agentes encontraron varias dosis de hachís y una suma de dinero en su coche. "
    "Ambos quedaron a disposición de la fiscalía, que ha abierto una investigación."
)
ARABIC_SLUG = "/shapes/خبر/توقيف-مروج-مخدرات"
T = {   # titles, one per story: the row's title must read like this
    "urn-1": "توقيف مروجين للمخدرات بالخميسات", "urn-2": "حجز كمية من الشيرا بضواحي الخميسات",
    "tag-1": "تفكيك شبكة للسرقة بفاس", "tag-2": "توقيف مبحوث عنه بمكناس", "tag-3": "حجز أقراص مهلوسة بسلا",
    "guid-1": "سرقة دراجات نارية بوجدة", "guid-2": "إيقاف سائق في حالة سكر بطنجة",
    "r1": "مداهمة وكر للمخدرات بتطوان", "r2": "اعتقال لص المنازل بالجديدة",
    "b1": "توقيف نشال بالرباط", "b2": "حجز سيارة مسروقة بالقنيطرة",
    "lie-feed": "توقيف مروج للمخدرات قرب مؤسسة تعليمية", "lie-page": "حجز مخدرات في ميناء طنجة المتوسط",
    "rev-feed": "اعتقال عصابة سرقة المواشي ببني ملال", "l1-feed": "توقيف مزور للوثائق بأكادير",
    "bom-feed": "إحباط محاولة تهريب بالناظور", "iso6-feed": "توقيف متهم بالنصب بمراكش",
    "slug": "توقيف مروج مخدرات بحي شعبي",
}


@dataclass(frozen=True)
class Shape:
    """One feed shape: where it is served, what it covers, what must come out."""

    id: str
    kind: str                      # links, dates, encoding, one story, language, hostile entries, canonical
    feed: str                      # path on the hostile server
    what: str                      # the shape, in one line (docs/feed-shapes.md)
    expect: str                    # the right outcome, in one line
    links: tuple = ()              # expected entry links (paths), in feed order
    dates: dict = field(default_factory=dict)      # link path -> ISO UTC instant, or "NULL:<reason word>"
    titles: dict = field(default_factory=dict)     # link path -> title the row must have
    errors: tuple = ()             # (error_type, url fragment) the feed's entries must give


def _pages(*slugs: str) -> tuple:
    return tuple(f"/shapes/p/{s}" for s in slugs)


SHAPES = (
    Shape("atom-urn-id", "links", "/shapes/atom-urn.xml",
          "Atom, `urn:uuid:` ids, `rel=alternate` link (one after a `rel=self`, one beside an enclosure)",
          "both entries kept with their alternate link", links=_pages("urn-1", "urn-2")),
    Shape("atom-tag-id", "links", "/shapes/atom-tag.xml",
          "Atom, `tag:`, numeric and bare-uuid ids, root-relative `<link>` without `rel`",
          "every entry kept, links resolved against the feed URL", links=_pages("tag-1", "tag-2", "tag-3")),
    Shape("rss-guid", "links", "/shapes/rss-guid.xml",
          "RSS: guid permalink without `<link>`; `isPermaLink=false` guid with a `<link>`; numeric guid "
          "alone; `isPermaLink=false` http guid alone",
          "guid taken only when it is an http(s) permalink and there is no link; the other two are "
          "`entry_without_link` rows", links=_pages("guid-1", "guid-2"),
          errors=(("entry_without_link", ""), ("entry_without_link", ""))),
    Shape("redirect-relative", "links", "/shapes/old/feed.xml",
          "feed behind a 301 (`/shapes/old/feed.xml` -> `/shapes/new/feed.xml`) with relative item links",
          "links resolve against the final URL (pages exist only under `/shapes/new/`)",
          links=("/shapes/new/story-r1.html", "/shapes/new/story-r2.html")),
    Shape("xml-base", "links", "/shapes/xmlbase.xml",
          "Atom with a relative `xml:base` on the feed and another on an entry",
          "links resolve through both bases", links=("/shapes/based/b1.html", "/shapes/based/sub/b2.html")),
    Shape("dates-numeric", "dates", "/shapes/dates-numeric.xml",
          "pubDate `2026/11/28 15:07:41`, `28-11-2026 15:07`, `28.11.2026`, ISO without zone",
          "read as Morocco local time (UTC+1 in November), date-only at 12:00 local; never the 1st",
          links=_pages("dn-1", "dn-2", "dn-3", "dn-4"),
          dates={"/shapes/p/dn-1": "2026-11-28T14:07:41+00:00", "/shapes/p/dn-2": "2026-11-28T14:07:00+00:00",
                 "/shapes/p/dn-3": "2026-11-28T11:00:00+00:00", "/shapes/p/dn-4": "2026-11-28T14:07:41+00:00"}),
    Shape("dates-arabic", "dates", "/shapes/dates-arabic.xml",
          "pubDate with Moroccan (`نونبر`), Mashriq (`تشرين الثاني`), Algerian/Tunisian (`جويلية`) month "
          "names and Arabic-Indic digits",
          "the right UTC instant", links=_pages("da-1", "da-2", "da-3", "da-4"),
          dates={"/shapes/p/da-1": "2026-11-27T09:15:00+00:00", "/shapes/p/da-2": "2026-11-27T09:15:00+00:00",
                 "/shapes/p/da-3": "2026-07-12T07:00:00+00:00", "/shapes/p/da-4": "2026-11-27T09:15:00+00:00"}),
    Shape("dates-french", "dates", "/shapes/dates-french.xml",
          "pubDate `ven., 20 nov. 2026 09:30:00 +0100`, `vendredi 20 novembre 2026 à 09h30`, "
          "`20 novembre 2026 09:30:00 +0000`",
          "the right UTC instant; a written offset is applied", links=_pages("df-1", "df-2", "df-3"),
          dates={"/shapes/p/df-1": "2026-11-20T08:30:00+00:00", "/shapes/p/df-2": "2026-11-20T08:30:00+00:00",
                 "/shapes/p/df-3": "2026-11-20T09:30:00+00:00"}),
    Shape("dates-bad", "dates", "/shapes/dates-bad.xml",
          "pubDate `2026-11` (no day), `hier à 10h`, a date in 2036, a date in 1970",
          "NULL with the reason in `date_rejected` (unreadable, future, implausible)",
          links=_pages("db-1", "db-2", "db-3", "db-4"),
          dates={"/shapes/p/db-1": "NULL:unreadable", "/shapes/p/db-2": "NULL:unreadable",
                 "/shapes/p/db-3": "NULL:future", "/shapes/p/db-4": "NULL:implausible"}),
    Shape("charset-lie-feed", "encoding", "/shapes/enc/lie.xml",
          "UTF-8 feed declaring UTF-8, header `charset=windows-1256`; its page UTF-8 with `<meta charset=utf-8>`, "
          "header windows-1256",
          "readable Arabic title (from the feed) and text", links=("/shapes/enc/lie-page-notitle",),
          titles={"/shapes/enc/lie-page-notitle": T["lie-feed"]}),
    Shape("charset-lie-page", "encoding", "/shapes/enc/plain.xml",
          "UTF-8 page with `<meta charset=utf-8>` served with header `charset=windows-1256`",
          "readable Arabic title and text", links=("/shapes/enc/lie-page",),
          titles={"/shapes/enc/lie-page": T["lie-page"]}),
    Shape("charset-reverse", "encoding", "/shapes/enc/reverse.xml",
          "windows-1256 feed and page declaring windows-1256 (XML declaration, `<meta>`), header says UTF-8",
          "readable Arabic", links=("/shapes/enc/reverse-page",),
          titles={"/shapes/enc/reverse-page": T["rev-feed"]}),
    Shape("charset-latin1-header", "encoding", "/shapes/enc/latin1.xml",
          "windows-1256 feed declaring windows-1256, header `charset=ISO-8859-1`",
          "readable Arabic (charset-normalizer arbitrates between the two declarations)",
          links=("/shapes/enc/latin1-page",), titles={"/shapes/enc/latin1-page": T["l1-feed"]}),
    Shape("charset-bom", "encoding", "/shapes/enc/bom.xml",
          "UTF-8 feed with a BOM and no declared encoding, header windows-1256",
          "readable Arabic (the BOM decides)", links=("/shapes/enc/bom-page",),
          titles={"/shapes/enc/bom-page": T["bom-feed"]}),
    Shape("charset-xml-iso6", "encoding", "/shapes/enc/iso6.xml",
          "UTF-8 bytes whose XML declaration says ISO-8859-6, no header charset",
          "readable Arabic (valid UTF-8 bytes are UTF-8)", links=("/shapes/enc/iso6-page",),
          titles={"/shapes/enc/iso6-page": T["iso6-feed"]}),
    Shape("same-story-iri", "one story", "/shapes/same-a.xml",
          "a story linked with its raw Arabic slug (IRI) and `utm_source`", "one row, one fetch",
          links=(ARABIC_SLUG,)),
    Shape("same-story-uri", "one story", "/shapes/same-b.xml",
          "the same story percent-encoded in lower-case hex, scheme in capitals, a trailing dot on the "
          "host, `fbclid` and a fragment", "the same row as `same-story-iri`", links=(ARABIC_SLUG,)),
    Shape("darija-latin", "language", "/shapes/lang.xml",
          "a story in Moroccan Arabic written in Latin letters (arabizi), one in Spanish",
          "`und` for arabizi (never Somali), `es` for Spanish; both stored",
          links=_pages("darija", "spanish")),
    Shape("bad-links", "hostile entries", "/shapes/bad-links.xml",
          "entries linking to `http://127.0.0.1:99999/x`, `http://127.0.0.1:abc/x`, `http://[::1/x`, "
          "port 0, beside a good one", "the good entry lands; one `bad_link` row per bad entry, with its URL",
          links=_pages("good-1"),
          errors=(("bad_link", ":99999/x"), ("bad_link", ":abc/x"), ("bad_link", "[::1/x"), ("bad_link", ":0/x"))),
    Shape("bad-text", "hostile entries", "/shapes/bad-text.xml",
          "titles with `&#xD800;`, raw NUL bytes, ANSI escapes, a bidi override, and a 4 MB title (2 M Arabic letters)",
          "every entry kept; titles cleaned and capped at 10,000 characters", links=_pages(
              "notitle-surrogate", "notitle-nul", "notitle-ansi", "notitle-bidi", "notitle-huge")),
    Shape("credentials", "hostile entries", "/shapes/creds.xml",
          "links with `editor:s3cret@` (one fetchable, one with a bad port)",
          "no row or errors row holds the credentials", links=_pages("creds-1"),
          errors=(("bad_link", ":abc/creds"),)),
    Shape("foreign-canonical", "canonical", "/shapes/canonical.xml",
          "a page on another host (127.0.0.2) whose `rel=canonical` names this site's story; two pages "
          "whose canonical is `javascript:`", "the foreign claim and the `javascript:` canonicals are "
          "ignored with the reason in `canonical_rejected`; four rows, the claimed story unchanged",
          links=_pages("canon-a", "canon-foreign", "canon-js-1", "canon-js-2")),
)
BY_ID = {s.id: s for s in SHAPES}


def page_html(title: str, body: str = STORY, *, meta_charset: str = "utf-8", extra_head: str = "",
              lang: str = "ar", with_title: bool = True) -> str:
    head_title = f"<title>{title}</title>" if with_title else ""
    h1 = f"<h1>{title}</h1>" if with_title else ""
    meta = f'<meta charset="{meta_charset}">' if meta_charset else ""
    return (f'<!DOCTYPE html><html lang="{lang}"><head>{meta}{head_title}{extra_head}</head><body><article>'
            f"{h1}<p>{body}</p><p>{body}</p></article></body></html>")


def _rss(items: list[str], decl: str = "utf-8") -> str:
    return (f'<?xml version="1.0" encoding="{decl}"?><rss version="2.0"><channel><title>شكل</title>'
            "<link>http://example.invalid/</link><description>t</description>" + "".join(items)
            + "</channel></rss>")


def _item(title: str = "t", link: str | None = None, guid: str | None = None, date: str | None = None,
          permalink: str | None = None) -> str:
    out = f"<item><title>{title}</title>"
    if link is not None:
        out += f"<link>{link}</link>"
    if guid is not None:
        attr = f' isPermaLink="{permalink}"' if permalink else ""
        out += f"<guid{attr}>{guid}</guid>"
    if date is not None:
        out += f"<pubDate>{date}</pubDate>"
    return out + "</item>"


def _atom(entries: str, base_attr: str = "") -> str:
    return (f'<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"{base_attr}>'
            "<title>شكل</title><id>urn:uuid:60a76c80-d399-11d9-b93C-0003939e0af6</id>"
            "<updated>2026-11-28T10:00:00Z</updated>" + entries + "</feed>")


def _entry(eid: str, title: str, links: str, base_attr: str = "") -> str:
    return (f"<entry{base_attr}><id>{eid}</id><title>{title}</title>{links}"
            "<updated>2026-11-28T10:00:00Z</updated></entry>")


def feed_body(path: str, base: str, other_base: str = "") -> tuple[bytes, str] | None:
    """``(body, content type)`` of a shape feed, or None for an unknown path."""
    rss_ct = "application/rss+xml; charset=utf-8"
    if path == "/shapes/atom-urn.xml":
        return _atom(
            _entry("urn:uuid:1225c695-cfb8-4ebb-aaaa-80da344efa6a", T["urn-1"],
                   f'<link rel="alternate" type="text/html" href="{base}/shapes/p/urn-1"/>'
                   f'<link rel="enclosure" type="image/png" href="{base}/img.png"/>')
            + _entry("urn:uuid:7c9e6679-7425-40de-944b-e07fc1f90ae7", T["urn-2"],
                     f'<link rel="self" href="{base}/api/urn-2"/><link rel="alternate" href="{base}/shapes/p/urn-2"/>')
        ).encode(), "application/atom+xml; charset=utf-8"
    if path == "/shapes/atom-tag.xml":
        return _atom(
            _entry("tag:example.invalid,2026-11-28:/story/1", T["tag-1"], '<link href="/shapes/p/tag-1"/>')
            + _entry("4711", T["tag-2"], '<link href="/shapes/p/tag-2"/>')
            + _entry("550e8400-e29b-41d4-a716-446655440000", T["tag-3"], '<link href="/shapes/p/tag-3"/>')
        ).encode(), "application/atom+xml"
    if path == "/shapes/rss-guid.xml":
        return _rss([_item(T["guid-1"], guid=f"{base}/shapes/p/guid-1"),
                     _item(T["guid-2"], link=f"{base}/shapes/p/guid-2", guid="urn:story:2", permalink="false"),
                     _item("رقم فقط", guid="123456"),
                     _item("ليس رابطا دائما", guid=f"{base}/shapes/p/guid-4", permalink="false")]).encode(), rss_ct
    if path == "/shapes/new/feed.xml":
        return _rss([_item(T["r1"], link="story-r1.html"), _item(T["r2"], link="../new/story-r2.html")]).encode(), rss_ct
    if path == "/shapes/xmlbase.xml":
        return _atom(_entry("tag:x,2026:b1", T["b1"], '<link href="b1.html"/>')
                     + _entry("tag:x,2026:b2", T["b2"], '<link href="b2.html"/>', base_attr=' xml:base="sub/"'),
                     base_attr=' xml:base="/shapes/based/"').encode(), "application/atom+xml"
    if path == "/shapes/dates-numeric.xml":
        d = ["2026/11/28 15:07:41", "28-11-2026 15:07", "28.11.2026", "2026-11-28T15:07:41"]
        return _rss([_item(f"dn {i}", link=f"{base}/shapes/p/dn-{i}", date=x) for i, x in enumerate(d, 1)]).encode(), rss_ct
    if path == "/shapes/dates-arabic.xml":
        d = ["الجمعة 27 نونبر 2026 - 10:15", "27 تشرين الثاني 2026 10:15", "الأحد 12 جويلية 2026 08:00",
             "٢٧/١١/٢٠٢٦ ١٠:١٥"]
        return _rss([_item(f"da {i}", link=f"{base}/shapes/p/da-{i}", date=x) for i, x in enumerate(d, 1)]).encode(), rss_ct
    if path == "/shapes/dates-french.xml":
        d = ["ven., 20 nov. 2026 09:30:00 +0100", "vendredi 20 novembre 2026 à 09h30",
             "20 novembre 2026 09:30:00 +0000"]
        return _rss([_item(f"df {i}", link=f"{base}/shapes/p/df-{i}", date=x) for i, x in enumerate(d, 1)]).encode(), rss_ct
    if path == "/shapes/dates-bad.xml":
        d = ["2026-11", "hier à 10h", "Tue, 01 Jan 2036 10:00:00 GMT", "Thu, 01 Jan 1970 00:00:00 GMT"]
        return _rss([_item(f"db {i}", link=f"{base}/shapes/p/db-{i}", date=x) for i, x in enumerate(d, 1)]).encode(), rss_ct
    if path == "/shapes/enc/lie.xml":
        return (_rss([_item(T["lie-feed"], link=f"{base}/shapes/enc/lie-page-notitle")]).encode("utf-8"),
                "application/rss+xml; charset=windows-1256")
    if path == "/shapes/enc/plain.xml":
        return _rss([_item("x", link=f"{base}/shapes/enc/lie-page")]).encode(), rss_ct
    if path == "/shapes/enc/reverse.xml":
        return (_rss([_item(T["rev-feed"], link=f"{base}/shapes/enc/reverse-page")], decl="windows-1256")
                .encode("cp1256"), "application/rss+xml; charset=utf-8")
    if path == "/shapes/enc/latin1.xml":
        return (_rss([_item(T["l1-feed"], link=f"{base}/shapes/enc/latin1-page")], decl="windows-1256")
                .encode("cp1256"), "application/rss+xml; charset=ISO-8859-1")
    if path == "/shapes/enc/bom.xml":
        body = _rss([_item(T["bom-feed"], link=f"{base}/shapes/enc/bom-page")]).replace(' encoding="utf-8"', "")
        return b"\xef\xbb\xbf" + body.encode(), "application/rss+xml; charset=windows-1256"
    if path == "/shapes/enc/iso6.xml":
        return (_rss([_item(T["iso6-feed"], link=f"{base}/shapes/enc/iso6-page")], decl="iso-8859-6").encode(),
                "application/rss+xml")
    if path == "/shapes/same-a.xml":
        return _rss([_item("a", link=f"{base}{ARABIC_SLUG}?utm_source=rss")]).encode(), rss_ct
    if path == "/shapes/same-b.xml":
        port = base.rsplit(":", 1)[-1]
        return _rss([_item("b", link=f"HTTP://127.0.0.1.:{port}{quote(ARABIC_SLUG).lower()}?fbclid=z#comments")]
                    ).encode(), rss_ct
    if path == "/shapes/lang.xml":
        return _rss([_item("darija", link=f"{base}/shapes/p/darija"),
                     _item("spanish", link=f"{base}/shapes/p/spanish")]).encode(), rss_ct
    if path == "/shapes/bad-links.xml":
        return _rss([_item("port", link="http://127.0.0.1:99999/x"), _item("abc", link="http://127.0.0.1:abc/x"),
                     _item("v6", link="http://[::1/x"), _item("zero", link="http://127.0.0.1:0/x"),
                     _item("good", link=f"{base}/shapes/p/good-1")]).encode(), rss_ct
    if path == "/shapes/bad-text.xml":
        items = [_item("خبر &#xD800; عاجل من فاس", link=f"{base}/shapes/p/notitle-surrogate"),
                 _item("خبر\x00 فيه\x00 أصفار", link=f"{base}/shapes/p/notitle-nul"),
                 _item("\x1b[31mخبر ملون\x1b[0m\x1b]0;x\x07", link=f"{base}/shapes/p/notitle-ansi"),
                 _item("\u202eخبر مقلوب\u202c", link=f"{base}/shapes/p/notitle-bidi"),
                 _item("ع" * 2_000_000, link=f"{base}/shapes/p/notitle-huge")]
        return _rss(items).encode("utf-8"), rss_ct
    if path == "/shapes/creds.xml":
        auth = base.replace("http://", "http://editor:s3cret@")
        return _rss([_item("creds", link=f"{auth}/shapes/p/creds-1"),
                     _item("creds bad", link=auth.rsplit(":", 1)[0] + ":abc/creds")]).encode(), rss_ct
    if path == "/shapes/canonical.xml":
        return _rss([_item("a", link=f"{base}/shapes/p/canon-a"),
                     _item("b", link=f"{other_base or base}/shapes/p/canon-foreign"),
                     _item("js1", link=f"{base}/shapes/p/canon-js-1"),
                     _item("js2", link=f"{base}/shapes/p/canon-js-2")]).encode(), rss_ct
    return None


TITLE_OF_PAGE = {"canon-a": "قصة الموقع الأصلي عن توقيف لص", "canon-foreign": "صفحة دخيلة تدعي قصة غيرها",
                 "canon-js-1": "أول صفحة برابط جافاسكريبت", "canon-js-2": "ثاني صفحة برابط جافاسكريبت",
                 "good-1": "خبر سليم بين روابط معطوبة", "creds-1": "خبر برابط فيه كلمة سر",
                 "darija": "Lbolis chddo jouj drari f Casa", "spanish": "Detenidos dos jóvenes en Tánger"}


def page_body(path: str, base: str, canonical_target: str = "") -> tuple[int, bytes, str] | None:
    """``(status, body, content type)`` of a shape page, or None for an unknown path."""
    html = "text/html; charset=utf-8"
    path = unquote(path)
    if path == ARABIC_SLUG:
        return 200, page_html(T["slug"]).encode(), html
    if path.startswith("/shapes/new/story-"):
        key = path.rsplit("-", 1)[-1].removesuffix(".html")
        return 200, page_html(T[key]).encode(), html
    if path.startswith("/shapes/based/"):
        key = path.rsplit("/", 1)[-1].removesuffix(".html")
        return 200, page_html(T[key]).encode(), html
    if path == "/shapes/enc/lie-page-notitle":
        return 200, page_html("", with_title=False).encode("utf-8"), "text/html; charset=windows-1256"
    if path == "/shapes/enc/lie-page":
        return 200, page_html(T["lie-page"]).encode("utf-8"), "text/html; charset=windows-1256"
    if path == "/shapes/enc/reverse-page":
        return 200, page_html(T["rev-feed"], meta_charset="windows-1256").encode("cp1256"), html
    if path == "/shapes/enc/latin1-page":
        return (200, page_html(T["l1-feed"], meta_charset="windows-1256").encode("cp1256"),
                "text/html; charset=ISO-8859-1")
    if path == "/shapes/enc/bom-page":
        return 200, b"\xef\xbb\xbf" + page_html(T["bom-feed"], meta_charset="").encode(), "text/html; charset=windows-1256"
    if path == "/shapes/enc/iso6-page":
        return 200, page_html(T["iso6-feed"], meta_charset="iso-8859-6").encode(), "text/html"
    if not path.startswith("/shapes/p/"):
        return None
    slug = path.removeprefix("/shapes/p/")
    if slug.startswith("notitle-"):
        return 200, page_html("", with_title=False).encode(), html
    title = TITLE_OF_PAGE.get(slug) or T.get(slug) or f"خبر رقم {slug}"
    extra = ""
    if slug == "canon-foreign":
        extra = f'<link rel="canonical" href="{canonical_target or base}/shapes/p/canon-a">'
    elif slug.startswith("canon-js"):
        extra = '<link rel="canonical" href="javascript:void(0)">'
    if slug == "darija":
        return 200, page_html(title, DARIJA, lang="").encode(), html
    if slug == "spanish":
        return 200, page_html(title, SPANISH, lang="es").encode(), html
    return 200, page_html(title, extra_head=extra).encode(), html
