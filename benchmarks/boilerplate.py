"""Shared pieces of the benchmark's news-site templates.

Everything here is text written for this project (menus, share bars,
comment forms, reader comments, footers) or generated (CSS/JS bundles,
SVG icons). The article text itself comes from ``../shared`` at run time.
"""
from __future__ import annotations

import html
import random

SECTIONS_AR = ["الرئيسية", "سياسة", "اقتصاد", "مجتمع", "جهات", "حوادث", "رياضة", "فن وثقافة",
               "دولية", "رأي", "فيديو", "تكنولوجيا", "صحة", "مغاربة العالم", "كتاب وآراء"]
SECTIONS_FR = ["Accueil", "Politique", "Economie", "Société", "Régions", "Faits divers", "Sport",
               "Culture", "Monde", "Opinions", "Vidéos", "Médias"]
CITIES = ["الرباط", "الدار البيضاء", "فاس", "مراكش", "طنجة", "أكادير", "وجدة", "مكناس", "تطوان",
          "العيون", "الناظور", "بني ملال", "القنيطرة", "آسفي", "الحسيمة", "الداخلة", "خريبكة", "تازة"]
# Reader comments written for the benchmark (short, generic, no real person).
COMMENTS = [
    "الله يحفظ بلادنا من كل سوء، شكرا على المتابعة.",
    "خبر مهم، نتمنى أن تتحرك الجهات المسؤولة بسرعة.",
    "المقال واضح ولكن نريد تفاصيل أكثر عن الموضوع.",
    "هذا ما كنا ننتظره منذ سنوات في مدينتنا.",
    "تحية للطاقم الصحفي على العمل الجاد.",
    "أين هي المراقبة؟ المواطن البسيط هو من يدفع الثمن دائما.",
    "نتمنى التوفيق للجميع وأن تعم الفائدة.",
    "لا تعليق، الصورة تتكلم وحدها.",
]
READER_NAMES = ["مواطن غيور", "ابن الجهة", "قارئ وفي", "سعيد", "فاطمة", "يوسف", "متتبع", "مغربي حر"]
SHARE = ["فيسبوك", "تويتر", "واتساب", "تلغرام", "لينكدإن", "نسخ الرابط"]
FOOTER_AR = ["من نحن", "اتصل بنا", "هيئة التحرير", "سياسة الخصوصية", "شروط الاستخدام", "أعلن معنا",
             "خريطة الموقع", "الأرشيف", "النشرة البريدية", "وظائف"]
FOOTER_FR = ["Qui sommes-nous", "Contact", "Mentions légales", "Publicité", "Plan du site", "Archives",
             "Newsletter", "Charte des commentaires"]


def esc(text: str) -> str:
    return html.escape(text or "", quote=True)


def links(items, href_prefix: str, cls: str = "", tag: str = "li") -> str:
    out = []
    for i, name in enumerate(items):
        out.append(f'<{tag} class="{cls}"><a href="{href_prefix}{i}/" title="{esc(name)}">{esc(name)}</a></{tag}>')
    return "".join(out)


def share_bar(url: str, title: str, cls: str = "share") -> str:
    items = "".join(
        f'<a class="{cls}__btn {cls}__btn--{i}" rel="nofollow noopener" target="_blank" '
        f'href="https://share.example/{i}?u={esc(url)}&amp;t={esc(title[:40])}">{svg_icon(i)}'
        f'<span>{esc(name)}</span></a>'
        for i, name in enumerate(SHARE))
    return f'<div class="{cls}"><span class="{cls}__label">شارك المقال</span>{items}</div>'


def comment_block(rng: random.Random, form_action: str) -> str:
    n = rng.randint(0, 6)
    comments = []
    for i in range(n):
        comments.append(
            f'<li class="comment" id="comment-{rng.randint(10000, 99999)}"><div class="comment-meta">'
            f'<span class="num">{i + 1}</span><b class="author">{esc(rng.choice(READER_NAMES))}</b>'
            f'<time>منذ {rng.randint(1, 23)} ساعة</time></div>'
            f'<p class="comment-body">{esc(rng.choice(COMMENTS))}</p>'
            f'<div class="comment-votes"><button>👍 {rng.randint(0, 90)}</button>'
            f'<button>👎 {rng.randint(0, 30)}</button><a href="#respond">رد</a></div></li>')
    return (
        f'<section id="comments" class="comments"><h3 class="comments-title">التعليقات ({n})</h3>'
        f'<ol class="comment-list">{"".join(comments)}</ol>'
        f'<div id="respond"><h3>أضف تعليقك</h3><form method="post" action="{form_action}">'
        '<p class="comment-notes">بريدك الإلكتروني لن يتم نشره. الحقول الإلزامية مشار إليها بـ *</p>'
        '<label>الاسم *<input name="author" required></label>'
        '<label>البريد الإلكتروني *<input name="email" type="email" required></label>'
        '<label>التعليق<textarea name="comment" rows="6"></textarea></label>'
        '<p class="rules">المرجو احترام قواعد النشر: لن يتم نشر أي تعليق يتضمن السب أو التحريض.</p>'
        '<button type="submit">إرسال التعليق</button></form></div></section>')


def related_cards(related, cls: str, heading: str, with_img: bool = True) -> str:
    cards = []
    for title, url, when in related:
        img = (f'<img loading="lazy" src="/static/img/{abs(hash(url)) % 9999}.jpg" width="300" height="170" '
               f'alt="{esc(title)}">') if with_img else ""
        cards.append(f'<div class="{cls}__item"><a href="{esc(url)}">{img}<h4>{esc(title)}</h4></a>'
                     f'<span class="{cls}__date">{esc(when)}</span></div>')
    return f'<section class="{cls}"><h3 class="{cls}__title">{esc(heading)}</h3>{"".join(cards)}</section>'


def most_read(related, heading: str = "الأكثر قراءة") -> str:
    items = "".join(f'<li><span class="rank">{i + 1}</span><a href="{esc(u)}">{esc(t)}</a></li>'
                    for i, (t, u, _) in enumerate(related))
    return f'<div class="widget widget-most-read"><h3>{esc(heading)}</h3><ol>{items}</ol></div>'


def ad_slot(rng: random.Random, label: str = "إعلان") -> str:
    slot = rng.randint(100000, 999999)
    return (f'<div class="ad-slot" data-slot="/2190/{slot}" style="min-height:250px">'
            f'<span class="ad-label">{label}</span><div id="div-gpt-ad-{slot}-0"></div>'
            f'<script>googletag.cmd.push(function(){{googletag.display("div-gpt-ad-{slot}-0");}});</script></div>')


def newsletter(action: str) -> str:
    return (f'<div class="newsletter"><h4>اشترك في النشرة البريدية</h4><p>توصل بأهم الأخبار كل صباح في '
            f'بريدك الإلكتروني.</p><form action="{action}"><input type="email" placeholder="بريدك الإلكتروني">'
            '<button>اشتراك</button></form></div>')


def cookie_banner() -> str:
    return ('<div id="cookie-consent" class="cookie-consent" role="dialog"><p>يستخدم هذا الموقع ملفات تعريف '
            'الارتباط لتحسين تجربتك. باستمرارك في التصفح فإنك توافق على ذلك.</p>'
            '<button data-accept="1">موافق</button><a href="/privacy">اعرف المزيد</a></div>')


def svg_icon(seed: int) -> str:
    rng = random.Random(seed)
    pts = " ".join(f"{rng.randint(0, 24)}.{rng.randint(0, 99)},{rng.randint(0, 24)}.{rng.randint(0, 99)}"
                   for _ in range(14))
    return (f'<svg class="icon" viewBox="0 0 24 24" width="18" height="18" aria-hidden="true">'
            f'<path d="M{pts}Z" fill="currentColor"/></svg>')


# -- generated bundles --------------------------------------------------------

_PROPS = ["margin", "padding", "color", "background", "border", "font-size", "line-height", "display",
          "position", "top", "left", "right", "width", "max-width", "height", "z-index", "opacity",
          "transition", "transform", "box-shadow", "border-radius", "flex", "gap", "grid-template-columns"]
_VALS = ["0", "auto", "1rem", "12px", "100%", "#1a1a1a", "#c4161c", "rgba(0,0,0,.08)", "flex", "none",
         "block", "absolute", "relative", "all .2s ease", "translateY(-2px)", "0 2px 6px rgba(0,0,0,.1)",
         "4px", "1 1 auto", "repeat(3,1fr)", "1.6", "inherit", "solid 1px #eee"]


def css_bundle(seed: str, size: int) -> str:
    """A minified-looking stylesheet of about ``size`` bytes (deterministic per seed)."""
    rng = random.Random(seed)
    parts, total = [], 0
    while total < size:
        sel = ".{}-{}{}".format(rng.choice(["c", "o", "u", "js", "wp", "td", "jeg", "elementor"]),
                                rng.choice(["header", "nav", "card", "post", "grid", "btn", "media", "block"]),
                                rng.choice(["", "__item", "__title", "--active", ":hover", " a", ">li"]))
        body = ";".join(f"{rng.choice(_PROPS)}:{rng.choice(_VALS)}" for _ in range(rng.randint(2, 7)))
        rule = sel + "{" + body + "}"
        if rng.random() < 0.05:
            rule = "@media (max-width:%dpx){%s}" % (rng.choice([480, 768, 1024]), rule)
        parts.append(rule)
        total += len(rule)
    return "".join(parts)


_JS_WORDS = ["init", "render", "track", "lazy", "slider", "menu", "sticky", "consent", "ads", "player",
             "observer", "queue", "push", "config", "event", "load", "scroll", "resize"]


def js_bundle(seed: str, size: int) -> str:
    """A minified-looking script of about ``size`` bytes (deterministic per seed)."""
    rng = random.Random(seed)
    parts, total = ["!function(w,d){\"use strict\";"], 0
    while total < size:
        a, b = rng.choice(_JS_WORDS), rng.choice(_JS_WORDS)
        n = rng.randint(0, 9999)
        chunk = (f"var {a}{n}=function(e,t){{var n=d.querySelectorAll(\".{b}-{n % 97}\");"
                 f"for(var r=0;r<n.length;r++){{n[r].addEventListener(\"{rng.choice(['click', 'scroll', 'load'])}\","
                 f"function(){{w.{a}Q=w.{a}Q||[];w.{a}Q.push([e,t,{n}])}})}}return n.length}};")
        parts.append(chunk)
        total += len(chunk)
    parts.append("}(window,document);")
    return "".join(parts)


def json_ld(title: str, url: str, iso_date: str, author: str, publisher: str) -> str:
    import json

    data = {"@context": "https://schema.org", "@type": "NewsArticle", "headline": title,
            "mainEntityOfPage": url, "datePublished": iso_date, "dateModified": iso_date,
            "author": {"@type": "Person", "name": author},
            "publisher": {"@type": "Organization", "name": publisher,
                          "logo": {"@type": "ImageObject", "url": "/".join(url.split("/", 3)[:3]) + "/logo.png"}}}
    return '<script type="application/ld+json">' + json.dumps(data, ensure_ascii=False) + "</script>"
