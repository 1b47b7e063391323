"""Three news-site templates for the benchmark corpus.

The sites are fictional but built like real Moroccan outlets: a national
portal (``alyawm``), a WordPress regional site (``chamal``) and a bilingual
French/Arabic portal (``maghrebinfo``). Each page carries the full
boilerplate of such sites (navigation, breadcrumbs, share bars, inline ads,
"read also" links between paragraphs, related posts, most-read widget,
comments and comment form, newsletter, cookie banner, footer) and inline
CSS/JS bundles so that pages weigh 60-120 KB, like the real ones.

``render(site, story, page) -> str`` returns one page; ``{{BASE}}`` in it
is replaced by the server's base URL when served.
"""
from __future__ import annotations

import functools
import random
from dataclasses import dataclass, field

from benchmarks import boilerplate as bp
from benchmarks.boilerplate import esc

BASE = "{{BASE}}"


@dataclass(frozen=True)
class Story:
    id: str
    title: str
    paragraphs: tuple
    author: str
    date_text: str          # as the outlet prints it
    iso_date: str           # ISO 8601 with offset
    topic: str


@dataclass
class PageContext:
    url: str                # absolute, with {{BASE}}
    section: str
    related: list = field(default_factory=list)   # (title, url, date_text)
    target_bytes: int = 90_000
    seed: int = 0


@dataclass(frozen=True)
class Site:
    key: str
    name: str
    source: str
    sections: tuple          # (slug, label) pairs used for feeds and breadcrumbs


SITES = {
    "alyawm": Site("alyawm", "اليوم بريس", "alyawm",
                   (("politique", "سياسة"), ("economie", "اقتصاد"), ("societe", "مجتمع"),
                    ("faits-divers", "حوادث"), ("regions", "جهات"), ("sport", "رياضة"), ("une", "الرئيسية"))),
    "chamal": Site("chamal", "شمال بوست 24", "chamal24",
                   (("akhbar", "أخبار الجهة"), ("mujtama", "مجتمع"), ("hawadith", "حوادث"),
                    ("iqtisad", "اقتصاد"), ("riyada", "رياضة"), ("main", "الرئيسية"))),
    "maghrebinfo": Site("maghrebinfo", "المغرب أنفو", "maghrebinfo",
                        (("national", "وطني"), ("economie", "اقتصاد"), ("societe", "مجتمع"),
                         ("faits-divers", "حوادث"), ("sport", "رياضة"), ("regions", "جهات"),
                         ("monde", "دولي"))),
}


def _head(site: Site, story: Story, page: PageContext, css_class: str) -> str:
    desc = esc(" ".join(story.paragraphs)[:160])
    return (
        f'<!DOCTYPE html><html lang="ar" dir="rtl"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>{esc(story.title)} | {esc(site.name)}</title>'
        f'<link rel="canonical" href="{page.url}"><meta name="description" content="{desc}">'
        f'<meta property="og:type" content="article"><meta property="og:title" content="{esc(story.title)}">'
        f'<meta property="og:url" content="{page.url}"><meta property="og:site_name" content="{esc(site.name)}">'
        f'<meta property="og:image" content="{BASE}/static/og/{story.id[:8]}.jpg">'
        f'<meta property="article:published_time" content="{story.iso_date}">'
        f'<meta property="article:section" content="{esc(page.section)}">'
        f'<meta name="twitter:card" content="summary_large_image">'
        f'<link rel="alternate" type="application/rss+xml" href="{BASE}/{site.key}/feeds/main.xml">'
        f'<link rel="preload" as="font" href="{BASE}/static/fonts/tajawal.woff2" crossorigin>'
        f'<style id="{css_class}-critical"><!--CSS--></style>'
        f'<script>window.dataLayer=window.dataLayer||[];dataLayer.push({{"section":"{esc(page.section)}",'
        f'"articleId":"{story.id}","type":"article"}});</script>'
        f'<script async src="https://securepubads.example/tag/js/gpt.js"></script>'
        f'<script>var googletag=googletag||{{cmd:[]}};</script>'
        + bp.json_ld(story.title, page.url, story.iso_date, story.author, site.name)
        + "</head>")


def _body_with_inserts(paragraphs, rng: random.Random, related, read_also: str, p_cls: str = "") -> str:
    out = []
    cls = f' class="{p_cls}"' if p_cls else ""
    for i, para in enumerate(paragraphs):
        out.append(f"<p{cls}>{esc(para)}</p>")
        if i == 1 and related:
            t, u, _ = related[0]
            out.append(f'<div class="read-also"><strong>{esc(read_also)}</strong> <a href="{esc(u)}">{esc(t)}</a></div>')
        if i in (2, 6) and len(paragraphs) > i + 1:
            out.append(bp.ad_slot(rng))
    return "".join(out)


def _alyawm(site: Site, story: Story, page: PageContext, rng: random.Random) -> str:
    rel = page.related
    nav = bp.links(bp.SECTIONS_AR, f"{BASE}/{site.key}/section/", "menu-item")
    return (
        _head(site, story, page, "ay") +
        '<body class="single-post">' + bp.cookie_banner() +
        f'<div class="top-bar"><span class="date">{esc(story.date_text.split("-")[0])}</span>'
        f'<span class="weather">{esc(rng.choice(bp.CITIES))} 24°</span>'
        f'<a href="{BASE}/{site.key}/fr/">Français</a><a href="{BASE}/{site.key}/en/">English</a></div>'
        f'<header class="site-header"><a class="logo" href="{BASE}/{site.key}/">{esc(site.name)}</a>'
        f'<nav class="main-nav"><ul>{nav}</ul></nav><form class="search" action="{BASE}/{site.key}/search">'
        '<input name="q" placeholder="ابحث في الموقع"><button>بحث</button></form></header>'
        f'<div class="breaking"><span>عاجل</span><marquee>{" • ".join(esc(t) for t, _, _ in rel[:4])}</marquee></div>'
        f'<main class="container"><div class="col-main"><nav class="breadcrumb"><a href="{BASE}/{site.key}/">'
        f'الرئيسية</a> › <a href="{BASE}/{site.key}/{page.section}/">{esc(page.section)}</a> › '
        f'<span>{esc(story.title[:40])}</span></nav><article class="post">'
        f'<h1 class="post-title">{esc(story.title)}</h1><div class="post-meta">'
        f'<span class="author">{esc(story.author)}</span><time datetime="{story.iso_date}">'
        f'{esc(story.date_text)}</time><span class="views">{rng.randint(200, 90000)} مشاهدة</span></div>'
        + bp.share_bar(page.url, story.title) +
        f'<figure class="featured"><img src="{BASE}/static/img/{story.id[:10]}.jpg" width="820" height="460" '
        f'alt="{esc(story.title)}"><figcaption>صورة: أرشيف {esc(site.name)}</figcaption></figure>'
        '<div class="article-content">'
        + _body_with_inserts(story.paragraphs, rng, rel, "اقرأ أيضا:") +
        '</div><div class="tags"><span>الوسوم:</span>'
        + "".join(f'<a href="{BASE}/{site.key}/tag/{i}">{esc(c)}</a>' for i, c in enumerate(rng.sample(bp.CITIES, 3)))
        + "</div>" + bp.share_bar(page.url, story.title, "share-bottom") + "</article>"
        + bp.related_cards(rel[1:7], "related", "مقالات ذات صلة")
        + bp.comment_block(rng, f"{BASE}/{site.key}/comment")
        + '</div><aside class="sidebar">' + bp.ad_slot(rng) + bp.most_read(rel[7:15])
        + bp.newsletter(f"{BASE}/{site.key}/newsletter") + bp.most_read(rel[15:20], "آخر الأخبار")
        + '</aside></main><footer class="site-footer"><div class="footer-links">'
        + bp.links(bp.FOOTER_AR, f"{BASE}/{site.key}/page/", "f-item", "span")
        + f'</div><p class="copyright">جميع الحقوق محفوظة © {esc(site.name)} 2024</p></footer>'
        '<a href="#top" class="back-to-top">↑ العودة للأعلى</a><script><!--JS--></script></body></html>')


def _chamal(site: Site, story: Story, page: PageContext, rng: random.Random) -> str:
    rel = page.related
    nav = bp.links([s[1] for s in site.sections] + bp.SECTIONS_AR[8:13], f"{BASE}/{site.key}/category/",
                   "menu-item menu-item-type-taxonomy")
    prev_t, prev_u, _ = rel[-1] if rel else ("", "#", "")
    return (
        _head(site, story, page, "wp") +
        f'<body class="post-template-default single single-post postid-{rng.randint(1000, 99999)} rtl">'
        '<div id="page" class="site"><a class="skip-link screen-reader-text" href="#content">انتقل إلى المحتوى</a>'
        f'<header id="masthead" class="site-header"><div class="site-branding"><p class="site-title">'
        f'<a href="{BASE}/{site.key}/" rel="home">{esc(site.name)}</a></p><p class="site-description">'
        'أخبار جهة طنجة تطوان الحسيمة على مدار الساعة</p></div>'
        f'<nav id="site-navigation" class="main-navigation"><button class="menu-toggle">القائمة</button>'
        f'<ul id="primary-menu" class="menu">{nav}</ul></nav>'
        '<div class="header-social">' + "".join(bp.svg_icon(i) for i in range(6)) + '</div></header>'
        f'<div id="content" class="site-content"><div id="primary" class="content-area"><main id="main" class="site-main">'
        f'<article id="post-{story.id[:6]}" class="post type-post status-publish format-standard has-post-thumbnail">'
        f'<header class="entry-header"><div class="cat-links"><a href="{BASE}/{site.key}/category/{page.section}/" '
        f'rel="category tag">{esc(page.section)}</a></div><h1 class="entry-title">{esc(story.title)}</h1>'
        f'<div class="entry-meta"><span class="byline">بقلم <span class="author vcard">{esc(story.author)}</span></span>'
        f'<span class="posted-on"><time class="entry-date published" datetime="{story.iso_date}">'
        f'{esc(story.date_text)}</time></span><span class="comments-link"><a href="#comments">'
        f'{rng.randint(0, 40)} تعليق</a></span></div></header>'
        f'<div class="post-thumbnail"><img width="1024" height="576" src="{BASE}/wp-content/uploads/{story.id[:8]}.jpg" '
        'class="attachment-post-thumbnail wp-post-image" alt=""></div>'
        '<div class="entry-content">'
        + _body_with_inserts(story.paragraphs, rng, rel, "مواضيع ذات صلة:", "has-text-align-right") +
        '</div><footer class="entry-footer"><span class="tags-links">وسوم: '
        + ", ".join(f'<a href="{BASE}/{site.key}/tag/{i}" rel="tag">{esc(c)}</a>' for i, c in enumerate(rng.sample(bp.CITIES, 4)))
        + "</span></footer>" + bp.share_bar(page.url, story.title, "sharedaddy") +
        f'<div class="author-box"><img src="{BASE}/avatar/{rng.randint(1, 50)}.png" width="80" alt="">'
        f'<h4>{esc(story.author)}</h4><p>صحفي بموقع {esc(site.name)}، يهتم بقضايا الجهة والشأن المحلي.</p></div>'
        '</article><nav class="navigation post-navigation"><h2 class="screen-reader-text">تصفح المقالات</h2>'
        f'<div class="nav-previous"><a href="{esc(prev_u)}" rel="prev">المقال السابق: {esc(prev_t)}</a></div></nav>'
        + bp.related_cards(rel[:6], "jp-relatedposts", "ذات صلة", with_img=False)
        + bp.comment_block(rng, f"{BASE}/wp-comments-post.php")
        + '</main></div><aside id="secondary" class="widget-area">'
        + bp.most_read(rel[6:14], "الأكثر مشاهدة") + bp.ad_slot(rng)
        + '<section class="widget widget_categories"><h2 class="widget-title">التصنيفات</h2><ul>'
        + bp.links([s[1] for s in site.sections], f"{BASE}/{site.key}/category/", "cat-item")
        + "</ul></section>" + bp.most_read(rel[14:20], "مقالات حديثة") +
        '</aside></div><footer id="colophon" class="site-footer"><div class="site-info">'
        + bp.links(bp.FOOTER_AR[:6], f"{BASE}/{site.key}/", "", "span")
        + f'<p>© 2024 {esc(site.name)} - جميع الحقوق محفوظة | يعمل بواسطة ووردبريس</p></div></footer></div>'
        f'<script id="wp-emoji"><!--JS--></script></body></html>')


def _maghrebinfo(site: Site, story: Story, page: PageContext, rng: random.Random) -> str:
    rel = page.related
    nav_fr = bp.links(bp.SECTIONS_FR, f"{BASE}/{site.key}/fr/rubrique/", "nav__item")
    nav_ar = bp.links(bp.SECTIONS_AR[:10], f"{BASE}/{site.key}/ar/", "nav__item")
    return (
        _head(site, story, page, "mi") +
        '<body class="page-article lang-ar"><div class="app">' + bp.cookie_banner() +
        f'<div class="lang-switch"><a href="{BASE}/{site.key}/fr/">FR</a><a class="is-active" '
        f'href="{BASE}/{site.key}/">عربي</a><a href="{BASE}/{site.key}/amz/">ⵜⴰⵎⴰⵣⵉⵖⵜ</a></div>'
        f'<header class="header"><div class="header__logo"><a href="{BASE}/{site.key}/">{esc(site.name)}'
        f'</a><span>Maghreb Info</span></div><nav class="nav nav--fr"><ul>{nav_fr}</ul></nav>'
        f'<nav class="nav nav--ar"><ul>{nav_ar}</ul></nav><a class="btn-live" href="{BASE}/{site.key}/direct">'
        'مباشر</a></header><div class="ticker"><b>À la une</b>'
        + "".join(f'<a href="{esc(u)}">{esc(t)}</a>' for t, u, _ in rel[:5]) +
        f'</div><main class="layout"><div class="layout__main"><ol class="crumbs" itemscope '
        f'itemtype="https://schema.org/BreadcrumbList"><li><a href="{BASE}/{site.key}/">الرئيسية</a></li>'
        f'<li><a href="{BASE}/{site.key}/{page.section}/">{esc(page.section)}</a></li></ol>'
        '<article class="article" itemscope itemtype="https://schema.org/NewsArticle">'
        f'<h1 class="article__title" itemprop="headline">{esc(story.title)}</h1>'
        f'<div class="article__meta"><span itemprop="author">{esc(story.author)}</span> | '
        f'<time itemprop="datePublished" datetime="{story.iso_date}">{esc(story.date_text)}</time>'
        f'<span class="reading-time">مدة القراءة: {max(1, len(story.paragraphs) // 2)} دقائق</span></div>'
        + bp.share_bar(page.url, story.title, "social") +
        f'<div class="video-embed"><iframe src="https://video.example/embed/{story.id[:7]}" '
        'allowfullscreen></iframe><p class="video-caption">Vidéo: لمشاهدة الفيديو فعّل JavaScript</p></div>'
        '<div class="article__body" itemprop="articleBody">'
        + _body_with_inserts(story.paragraphs, rng, rel, "Lire aussi / اقرأ أيضا:") +
        '</div><div class="article__source">المصدر: المغرب أنفو</div></article>'
        + bp.newsletter(f"{BASE}/{site.key}/newsletter")
        + bp.related_cards(rel[1:9], "more", "Sur le même sujet - في نفس الموضوع")
        + bp.comment_block(rng, f"{BASE}/{site.key}/comments")
        + '</div><aside class="layout__side">' + bp.ad_slot(rng, "Publicité")
        + bp.most_read(rel[9:17], "Les plus lus - الأكثر قراءة") + bp.ad_slot(rng, "Publicité")
        + '</aside></main><footer class="footer"><div class="footer__cols">'
        + bp.links(bp.FOOTER_FR, f"{BASE}/{site.key}/fr/", "footer__link", "span")
        + bp.links(bp.FOOTER_AR, f"{BASE}/{site.key}/", "footer__link", "span")
        + f'</div><p>© 2024 Maghreb Info - {esc(site.name)}. Tous droits réservés.</p></footer></div>'
        '<script src="https://cdn.example/vendor.js" defer></script><script><!--JS--></script></body></html>')


_RENDER = {"alyawm": _alyawm, "chamal": _chamal, "maghrebinfo": _maghrebinfo}


@functools.lru_cache(maxsize=None)
def _bundles(site: str) -> tuple[str, str]:
    return bp.css_bundle("css-" + site, 140_000), bp.js_bundle("js-" + site, 140_000)


def _cut(text: str, n: int, end: str) -> str:
    if n <= 0:
        return ""
    cut = text.rfind(end, 0, n)
    return text[: cut + 1] if cut >= 0 else ""


def render(site: str, story: Story, page: PageContext) -> str:
    """One full article page of about ``page.target_bytes`` bytes (never less than the markup)."""
    rng = random.Random(page.seed)
    doc = _RENDER[site](SITES[site], story, page, rng)
    missing = page.target_bytes - len(doc.encode("utf-8"))
    css, js = _bundles(site)
    css_part = _cut(css, int(missing * 0.55), "}")
    js_part = _cut(js, missing - len(css_part), ";")
    return doc.replace("<!--CSS-->", css_part, 1).replace("<!--JS-->", js_part, 1)
