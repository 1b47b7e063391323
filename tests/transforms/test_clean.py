import datetime as dt

import pytest

from transforms.clean import clean_article, clean_text, load_rules
from transforms.core.records import Article
from transforms.source_boilerplate import line_key

RULES = load_rules()
NOW = dt.datetime(2025, 11, 1, tzinfo=dt.timezone.utc)

# Body paragraphs written for these tests (fictional events).
P1 = ("أوقفت عناصر الشرطة القضائية بمدينة وجدة، مساء أمس، شخصين يشتبه في تورطهما في سرقة محلات تجارية "
      "باستعمال العنف، وذلك بعد أبحاث وتحريات ميدانية دامت عدة أيام وشملت عددا من الأحياء.")
P2 = ("وأسفرت عملية التفتيش عن حجز مبالغ مالية وهواتف محمولة مسروقة، فيما تم وضع المشتبه فيهما تحت "
      "تدبير الحراسة النظرية رهن إشارة البحث الذي تشرف عليه النيابة العامة المختصة.")
P3 = ("ويأتي هذا التدخل في إطار الحملات التي تقوم بها المصالح الأمنية لمحاربة الجريمة بمختلف أشكالها "
      "وتعزيز الإحساس بالأمن لدى المواطنين.")


def body(*extra_head, tail=()):
    return "\n".join([*extra_head, P1, P2, P3, *tail])


def kept(res):
    return res.text.split("\n")


@pytest.mark.parametrize("line, rule", [
    ("اترك تعليقاً", "comment_form"),
    ("اترك رد", "comment_form"),
    ("لن يتم نشر عنوان بريدك الإلكتروني. الحقول الإلزامية مشار إليها بـ *", "comment_form"),
    ("Leave a Reply", "comment_form"),
    ("Your email address will not be published. Required fields are marked *", "comment_form"),
    ("Laisser un commentaire", "comment_form"),
    ("Votre adresse e-mail ne sera pas publiée.", "comment_form"),
    ("Get breaking alerts on your phone, subscribe now.", "subscribe_prompt"),
    ("Abonnez-vous à notre newsletter", "subscribe_prompt"),
    ("اشترك الآن في النشرة البريدية", "subscribe_prompt"),
    ("فعل الإشعارات ليصلك كل جديد", "subscribe_prompt"),
    ("شارك المقال", "share_follow"),
    ("Facebook Twitter WhatsApp", "share_follow"),
    ("تابعونا على فيسبوك وتويتر", "share_follow"),
    ("Suivez-nous sur Instagram", "share_follow"),
    ("جميع الحقوق محفوظـة © 2023", "copyright"),
    ("© 2024 Example Media. All rights reserved.", "copyright"),
    ("Tous droits réservés", "copyright"),
    ("مقالات ذات صلة", "related_articles"),
    ("À lire aussi", "related_articles"),
    ("Related posts", "related_articles"),
    ("اقرأ أيضا: توقيف مروج مخدرات بسلا", "related_inline"),
    ("زر الذهاب إلى الأعلى", "back_to_top"),
    ("Back to top", "back_to_top"),
    ("الواجهةمجتمع", "breadcrumb"),
    ("الرئيسية » حوادث", "breadcrumb"),
    ("Accueil › Société", "breadcrumb"),
    ("------", "separator"),
    ("________________", "separator"),
    (".....", "separator"),
    ("*", "separator"),
    ("![]()", "empty_media"),
    ("![صورة](https://example.ma/a.jpg)", "empty_media"),
    ("صورة أرشيفية", "empty_media"),
    ("الوسوم: أمن، مخدرات، وجدة", "tags"),
    ("إعلان", "advertisement"),
    ("We use cookies to improve your experience", "cookie_notice"),
    ("حجم الخط", "page_widget"),
    ("3 دقائق للقراءة", "page_widget"),
    ("swiss replica watches", "spam"),
    ("buy cheap rolex replica watches online", "spam"),
])
def test_generic_rule_removes_line_and_records_rule(line, rule):
    res = clean_text(body(tail=(line,)), title="", rules=RULES, now=NOW)
    assert line not in kept(res)
    assert res.removed.get(rule, 0) >= 1, res.removed
    assert kept(res) == [P1, P2, P3]


@pytest.mark.parametrize("paragraph", [
    # Arabic paragraph quoting English names and acronyms
    "وقال مسؤول في منظمة Interpol إن التعاون مع المكتب المركزي للأبحاث القضائية BCIJ مكن من تفكيك "
    "الشبكة، مشيرا إلى أن المتهمين استعملوا تطبيق WhatsApp وشركة وهمية تحمل اسم Swiss Trade Group.",
    # mentions comments in passing
    "وأوضح المحققون أن عددا من الضحايا نشروا شهاداتهم في التعليقات على صفحات التواصل الاجتماعي، "
    "وهو ما ساعد على تحديد هوية الحسابات المستعملة في عمليات النصب.",
    # mentions copyright in passing
    "واتهم الدفاع الشركة بانتهاك حقوق المؤلف ونسخ صور محمية، مطالبا بتعويض عن الضرر الذي لحق بموكله "
    "منذ نشر الإعلانات المزيفة.",
    # a short real paragraph
    "وقضت المحكمة بخمس سنوات حبسا.",
    # a short subheading between paragraphs
    "خاتمة",
    # a paragraph that starts like a related-articles link but is prose
    "وأضاف المصدر أن قراءة أيضا للتقارير السابقة تبين تراجع عدد الجرائم خلال السنة الماضية بشكل ملحوظ في مختلف الأحياء.",
])
def test_real_paragraphs_are_never_removed(paragraph):
    text = "\n".join([P1, paragraph, P2, P3])
    res = clean_text(text, rules=RULES, now=NOW, title="عنوان لا علاقة له بالنص")
    assert kept(res) == [P1, paragraph, P2, P3]
    assert res.removed == {}


def test_english_quote_line_between_paragraphs_is_kept_and_counted():
    text = "\n".join([P1, "We will not give up", P2, P3])
    res = clean_text(text, rules=RULES, now=NOW)
    assert "We will not give up" in kept(res)
    assert res.suspect == {"latin_line_kept": 1}


def test_foreign_latin_line_at_the_edge_of_arabic_story_goes():
    res = clean_text(body(tail=("Top stories this week",)), rules=RULES, now=NOW, title="x y z")
    assert kept(res) == [P1, P2, P3]
    assert res.removed == {"foreign_line": 1}


def test_latin_line_kept_in_french_story():
    fr = "La police a arrêté deux suspects à Oujda.\nTop stories this week"
    res = clean_text(fr, rules=RULES, language="fr", now=NOW)
    assert "Top stories this week" in kept(res)


def test_title_repeats_with_site_name_and_caption_are_removed():
    title = "توقيف شخصين متورطين في سرقة محلات تجارية بوجدة"
    text = body(title, f"{title} – جريدة الشرق", f"{title} صورة من مكان الحادث")
    res = clean_text(text, title=title, site_name="جريدة الشرق", rules=RULES, now=NOW)
    assert kept(res) == [P1, P2, P3]
    assert res.removed == {"title_repeat": 3}


def test_paragraph_that_starts_with_the_title_is_kept():
    title = "توقيف شخصين بوجدة"
    para = title + " " + P2
    res = clean_text("\n".join([P1, para]), title=title, rules=RULES, now=NOW)
    assert kept(res) == [P1, para]


def test_title_found_when_none_given_and_nav_above_it_removed():
    title = "توقيف شخصين متورطين في سرقة محلات تجارية بوجدة"
    text = "\n".join(["آخر الأخبار", "الشرق نيوز", "", title, "", title, P1, P2, P3])
    res = clean_text(text, rules=RULES, now=NOW)
    assert res.title == title
    assert kept(res) == [P1, P2, P3]
    assert res.removed == {"related_articles": 1, "header_nav": 1, "meta_title": 1, "title_repeat": 1}


def test_title_plus_section_name_prefers_the_bare_title():
    title = "توقيف شخصين متورطين في سرقة محلات تجارية بوجدة"
    res = clean_text("\n".join([f"{title} – حوادث", title, P1, P2]), rules=RULES, now=NOW)
    assert res.title == title
    assert kept(res) == [P1, P2]


def test_no_title_invented_for_a_story_that_starts_with_a_paragraph():
    res = clean_text(body(), rules=RULES, now=NOW)
    assert res.title is None and kept(res) == [P1, P2, P3]


def test_date_line_is_routed_to_date():
    res = clean_text(body("23 / 10 / 2017"), rules=RULES, now=NOW)
    assert res.date is not None and res.date.date() == dt.date(2017, 10, 23)
    assert res.removed == {"meta_date": 1}
    res = clean_text(body("نشر في: السبت 03 أكتوبر 2020 - 07:50"), rules=RULES, now=NOW)
    assert res.date == dt.datetime(2020, 10, 3, 6, 50, tzinfo=dt.timezone.utc)


def test_date_inside_a_paragraph_is_not_a_date_line():
    res = clean_text(P1 + " يوم 9 يناير 2019.", rules=RULES, now=NOW)
    assert res.date is None and res.removed == {}


@pytest.mark.parametrize("line, author", [
    ('"صدى الشرق"سعيد بناني', "سعيد بناني"),
    ("بقلم: نادية العلوي", "نادية العلوي"),
    ("Par Karim Bennani", "Karim Bennani"),
    ("سعيد بناني - «جريدة الشرق»", "سعيد بناني"),
])
def test_byline_at_tail_is_routed_to_author(line, author):
    res = clean_text(body(tail=(line,)), rules=RULES, now=NOW, title="x y z")
    assert res.author == author
    assert kept(res) == [P1, P2, P3]
    assert res.removed == {"meta_byline": 1}


@pytest.mark.parametrize("line", ["جريدة الشرق من وجدة", "الرباط - و م ع", "وجدة – جريدة الشرق"])
def test_dateline_at_head_is_routed(line):
    res = clean_text(body(line), rules=RULES, now=NOW, title="x y z")
    assert res.dateline == line
    assert kept(res) == [P1, P2, P3]


def test_dateline_like_subheading_between_paragraphs_is_kept():
    sub = "الأمن الوطني من الداخل"
    res = clean_text("\n".join([P1, sub, P2]), rules=RULES, now=NOW, title="x y z")
    assert sub in kept(res)


def test_related_block_list_under_header_is_removed_but_next_paragraph_kept():
    text = "\n".join([P1, P2, "مقالات ذات صلة", "توقيف مروج مخدرات بسلا", "حجز أطنان من الشيرا بالعرائش", P3])
    res = clean_text(text, rules=RULES, now=NOW, title="x y z")
    assert kept(res) == [P1, P2, P3]
    assert res.removed == {"related_articles": 1, "related_list": 2}


def test_learned_lines_removed_only_at_edges_and_counted():
    slogan = "تابعوا آخر المستجدات على قناتنا"
    learned = frozenset({line_key(slogan)})
    res = clean_text(body(tail=(slogan,)), rules=RULES, learned=learned, now=NOW, title="x y z")
    assert kept(res) == [P1, P2, P3]
    assert res.removed == {"learned_source_line": 1}
    inner = clean_text("\n".join([P1, slogan, P2]), rules=RULES, learned=learned, now=NOW, title="x y z")
    assert slogan in kept(inner)


def test_duplicate_paragraph_is_removed_once():
    res = clean_text("\n".join([P1, P2, P2]), rules=RULES, now=NOW)
    assert kept(res) == [P1, P2] and res.removed == {"duplicate_line": 1}


def test_site_name_line_removed():
    res = clean_text(body(tail=("جريدة الشرق",)), site_name="جريدة الشرق", rules=RULES, now=NOW, title="x y z")
    assert res.removed == {"site_name": 1}


def _article(**kw):
    base = dict(url="https://e.ma/a/1", canonical_url="https://e.ma/a/1", source="e", feed_url="https://e.ma/feed")
    base.update(kw)
    return Article(**base)


def test_clean_article_routes_fields_and_counts():
    text = "\n".join(["23 / 10 / 2017", "عنوان الخبر عن توقيف شخصين بوجدة", P1, P2, "بقلم: نادية العلوي", "اترك تعليقاً"])
    art = clean_article(_article(text=text, field_sources={"title": "none", "published_at": "none"}), RULES, now=NOW)
    assert art.title == "عنوان الخبر عن توقيف شخصين بوجدة"
    assert art.author == "نادية العلوي"
    assert art.published_at.date() == dt.date(2017, 10, 23)
    assert art.field_sources["title"] == "text" and art.field_sources["published_at"] == "text"
    assert art.field_sources["author"] == "text"
    assert art.text == "\n".join([P1, P2])
    assert art.removed == {"meta_date": 1, "meta_title": 1, "meta_byline": 1, "comment_form": 1}


def test_clean_article_keeps_page_date_over_text_date():
    page_date = dt.datetime(2017, 10, 24, 9, 0, tzinfo=dt.timezone.utc)
    art = clean_article(_article(text=body("23 / 10 / 2017"), title="x y z", published_at=page_date,
                                 field_sources={"published_at": "page"}), RULES, now=NOW)
    assert art.published_at == page_date and art.field_sources["published_at"] == "page"


def test_clean_article_text_date_beats_a_feed_date_of_another_day():
    feed_date = dt.datetime(2017, 11, 2, 9, 0, tzinfo=dt.timezone.utc)
    art = clean_article(_article(text=body("23 / 10 / 2017"), title="x y z", published_at=feed_date,
                                 field_sources={"published_at": "feed"}), RULES, now=NOW)
    assert art.published_at.date() == dt.date(2017, 10, 23) and art.field_sources["published_at"] == "text"
    same_day = dt.datetime(2017, 10, 23, 9, 12, tzinfo=dt.timezone.utc)
    art = clean_article(_article(text=body("23 / 10 / 2017"), title="x y z", published_at=same_day,
                                 field_sources={"published_at": "feed"}), RULES, now=NOW)
    assert art.published_at == same_day   # the feed's time is more precise


def test_load_rules_rejects_bad_match_kind(tmp_path):
    p = tmp_path / "r.yaml"
    p.write_text("rules:\n  - name: x\n    match: fuzzy\n    patterns: ['a']\n", encoding="utf-8")
    with pytest.raises(ValueError):
        load_rules(p)


def test_custom_rules_file_is_data(tmp_path):
    p = tmp_path / "r.yaml"
    p.write_text("rules:\n  - name: house_slogan\n    match: line\n    patterns: ['صوت الشرق الحر']\n", encoding="utf-8")
    res = clean_text(body(tail=("صوت الشرق الحر",)), rules=load_rules(p), now=NOW, title="x y z")
    assert res.removed == {"house_slogan": 1}
