"""A syndication test site: the same incidents published by three fictional outlets.

Every text here was written for these tests (no real outlet's copy). The
outlets (``atlas``, ``sada``, ``nabd``) each have an RSS feed and article
pages with their own navigation and footer. In the week of Monday
2026-11-16, in Casablanca:

* ``A``: 2.4 tonnes of chira in a vegetable truck; published by all three
  outlets (sada: another headline, a dateline, house lines, other
  spellings; nabd: its own lead, the last paragraph cut, two paragraphs
  swapped), and once more by nabd five days later (the second run);
* ``B``: ecstasy pills near a school (another drug seizure, same city, same
  week, same formulaic sentence about custody); atlas and nabd;
* ``C``: an armed robbery of a phone shop; all three outlets;
* ``D``: cocaine at the port (a third drug seizure): sada only;
* ``N``: a city council session on the tramway (not security): atlas only;
* ``E``: (second run only) a car-theft ring dismantled: atlas only.

:func:`write_site` writes the site for run 1 or 2; :data:`EXPECTED` says
which incident each story belongs to.
"""
from __future__ import annotations

from html import escape
from pathlib import Path

A = [
    "أحبطت عناصر الشرطة القضائية بالدار البيضاء، مساء الثلاثاء، محاولة لتهريب كمية كبيرة من مخدر الشيرا كانت مخبأة داخل شاحنة لنقل الخضر والفواكه بالقرب من المحطة الطرقية أولاد زيان، وأوقفت سائق الشاحنة ومرافقه.",
    "وأفاد مصدر أمني أن عملية التفتيش أسفرت عن حجز طنين وأربعمائة كيلوغرام من الشيرا موزعة على ستين رزمة، كانت مدسوسة بعناية تحت صناديق الطماطم لتفادي المراقبة.",
    "وبينت الأبحاث الأولية أن الشحنة انطلقت من إحدى ضواحي مدينة القنيطرة، وكان من المنتظر أن تسلم لشبكة تنشط في توزيع المخدرات بأحياء عين السبع والحي المحمدي.",
    "وقد تم وضع الموقوفين، البالغين من العمر اثنين وثلاثين وسبعة وأربعين عاما، تحت تدبير الحراسة النظرية رهن إشارة البحث القضائي الذي تشرف عليه النيابة العامة المختصة، فيما تتواصل التحريات لتوقيف باقي المتورطين.",
    "وتأتي هذه العملية في إطار الجهود المتواصلة التي تبذلها المصالح الأمنية لمكافحة الاتجار في المخدرات، بعد أسابيع من حجز كميات مماثلة بمنطقة سيدي البرنوصي.",
]
B = [
    "تمكنت فرقة مكافحة المخدرات بمنطقة الفداء مرس السلطان بالدار البيضاء، صباح الخميس، من توقيف ثلاثة أشخاص يشتبه في تورطهم في ترويج الأقراص المهلوسة بمحيط مؤسسة تعليمية إعدادية.",
    "وجاء توقيف المشتبه فيهم بعد عملية ترصد دامت أياما، إثر شكايات تقدم بها أولياء أمور التلاميذ بشأن تحركات مريبة قرب باب المؤسسة في أوقات الدخول والخروج.",
    "وأسفرت عملية التفتيش عن حجز ألف ومائتي قرص مهلوس من نوع إكستازي، إلى جانب مبلغ مالي يشتبه في كونه من متحصلات هذا النشاط، ودراجة نارية كانت تستعمل في التنقل.",
    "وقد تم وضع الموقوفين تحت تدبير الحراسة النظرية رهن إشارة البحث القضائي الذي تشرف عليه النيابة العامة المختصة، للكشف عن مصدر هذه الأقراص وباقي الارتباطات المحتملة.",
]
C = [
    "اهتزت منطقة المعاريف بالدار البيضاء، ليلة الأربعاء، على وقع عملية سطو مسلح استهدفت محلا لبيع الهواتف المحمولة، نفذها شخصان ملثمان كانا يحملان سيوفا.",
    "وحسب شهود عيان، فقد اقتحم المعتديان المحل قبيل إغلاقه وهددا صاحبه ومستخدما شابا، قبل أن يستوليا على عدد من الهواتف الذكية ومبلغ مالي من الصندوق ويفرا على متن دراجة نارية.",
    "وأصيب المستخدم بجروح في يده أثناء محاولته منع أحد المهاجمين، ونقل على إثرها إلى المستشفى الجامعي ابن رشد لتلقي الإسعافات الضرورية.",
    "وقد حلت عناصر الشرطة العلمية والتقنية بمكان الحادث لرفع البصمات، فيما باشرت المصالح الأمنية تحرياتها بالاستعانة بتسجيلات كاميرات المراقبة المثبتة بالشارع لتحديد هوية الفاعلين.",
]
D = [
    "حجزت مصالح الأمن والجمارك بميناء الدار البيضاء، يوم الجمعة، ثمانية عشر كيلوغراما من مخدر الكوكايين كانت مخبأة في تجويف سيارة نفعية قادمة من أحد الموانئ الأوروبية.",
    "وأوضح مصدر مطلع أن الكلاب المدربة رصدت المخدرات خلال عملية المراقبة الروتينية، ما دفع العناصر المكلفة إلى تفكيك أجزاء من هيكل السيارة حيث عثرت على اثنتي عشرة رزمة ملفوفة بإحكام.",
    "وتم توقيف سائق السيارة، وهو مغربي مقيم بالخارج يبلغ من العمر أربعين عاما، ووضعه تحت تدبير الحراسة النظرية رهن إشارة البحث القضائي الذي تشرف عليه النيابة العامة المختصة.",
    "وتعد هذه ثاني عملية من نوعها بالميناء منذ مطلع الشهر، وسط تشديد المراقبة على المركبات القادمة من الخارج.",
]
N = [
    "صادق مجلس جماعة الدار البيضاء، خلال دورة استثنائية عقدها يوم الأربعاء، على اتفاقية تمويل الشطر الثاني من خط الترامواي الرابط بين الحي الحسني ووسط المدينة.",
    "وأوضح نائب رئيسة المجلس المكلف بالتنقلات أن الأشغال ستنطلق في الربيع المقبل، وأن الخط الجديد سيخفف الضغط عن محاور طرقية تعرف اكتظاظا يوميا في ساعات الذروة.",
    "وطالب مستشارون من المعارضة بنشر دراسة الأثر البيئي للمشروع، وبتعويض التجار المتضررين من الأشغال في الشوارع التي سيمر منها الخط.",
]
E = [
    "فككت المصالح الأمنية بالدار البيضاء شبكة متخصصة في سرقة السيارات الفاخرة وتزوير وثائقها قبل إعادة بيعها في مدن أخرى، وأوقفت أربعة من أفرادها.",
    "وكشفت التحريات أن أفراد الشبكة كانوا يستهدفون السيارات المركونة قرب الفنادق والمراكز التجارية، ويستعملون أجهزة إلكترونية لفتح الأبواب دون ترك أي أثر.",
    "وحجزت الشرطة خمس سيارات مسروقة ولوحات ترقيم مزورة ومعدات لتغيير أرقام الهياكل، فيما تتواصل الأبحاث لتحديد باقي الضحايا.",
]

# Other spellings (no hamza on alef, ha for ta marbuta, a diacritic, tatweel) and a dateline.
_SADA_A = [
    "الدار البيضاء – (ومع) – احبطت عناصر الشرطة القضائية بالدار البيضاء، مساء الثلاثاء، محاولة لتهريب كمية كبيرة من مخدر الشـيرا كانت مخبأه داخل شاحنة لنقل الخضر والفواكه بالقرب من المحطة الطرقية اولاد زيان، وأوقفت سائق الشاحنة ومرافقه.",
    A[1].replace("عملية", "عمليّة"),
    A[2],
    A[3].replace("إشارة", "اشارة"),
    A[4],
]
_NABD_A = [
    "في ضربة أمنية جديدة لشبكات التهريب، وضعت الشرطة القضائية بالعاصمة الاقتصادية يدها على شاحنة محملة بالشيرا بالقرب من المحطة الطرقية أولاد زيان، وأوقفت سائقها ومرافقه.",
    A[2], A[1], A[3],
]
_NABD_A_LATER = [
    "عادت قضية شاحنة الشيرا التي ضبطت الأسبوع الماضي بالدار البيضاء إلى الواجهة، بعد إحالة الموقوفين على النيابة العامة.",
    A[0], A[1], A[2], A[3],
]

# (outlet, slug, incident, title, published (ISO, Morocco), paragraphs, run)
STORIES = [
    ("atlas", "casa-chira-truck", "A", "الدار البيضاء: حجز طنين ونصف من الشيرا داخل شاحنة للخضر",
     "2026-11-17T20:10:00+01:00", A, 1),
    ("sada", "chira-ouled-ziane", "A", "إحباط تهريب أطنان من المخدرات قرب محطة أولاد زيان",
     "2026-11-17T22:45:00+01:00", _SADA_A, 1),
    ("nabd", "shahina-shira", "A", "ضربة موجعة لمهربي الشيرا بالعاصمة الاقتصادية",
     "2026-11-18T08:30:00+01:00", _NABD_A, 1),
    ("atlas", "casa-ecstasy-school", "B", "توقيف ثلاثة مروجين للأقراص المهلوسة قرب إعدادية بالفداء",
     "2026-11-19T11:00:00+01:00", B, 1),
    ("nabd", "aqras-madrasa", "B", "أقراص الهلوسة تقود ثلاثة أشخاص إلى الاعتقال بالدار البيضاء",
     "2026-11-19T13:20:00+01:00", [B[0], B[1], B[3], B[2]], 1),
    ("atlas", "maarif-phone-shop-robbery", "C", "سطو مسلح على محل للهواتف بالمعاريف",
     "2026-11-18T23:30:00+01:00", C, 1),
    ("sada", "satw-maarif", "C", "ملثمان بسيوف يسطوان على محل هواتف في الدار البيضاء",
     "2026-11-19T07:15:00+01:00", [p.replace("أ", "ا") for p in C], 1),
    ("nabd", "maarif-hold-up", "C", "بالتفاصيل.. سطو مسلح يروع تجار المعاريف",
     "2026-11-19T09:40:00+01:00", C[:3], 1),
    ("sada", "cocaine-port-casa", "D", "حجز 18 كيلوغراما من الكوكايين بميناء الدار البيضاء",
     "2026-11-20T16:00:00+01:00", D, 1),
    ("atlas", "casa-tramway-council", "N", "مجلس الدار البيضاء يصادق على تمويل خط جديد للترامواي",
     "2026-11-18T18:00:00+01:00", N, 1),
    ("nabd", "shahina-shira-ihala", "A", "إحالة موقوفي شاحنة الشيرا على النيابة العامة",
     "2026-11-23T10:00:00+01:00", _NABD_A_LATER, 2),
    ("atlas", "casa-car-theft-ring", "E", "تفكيك شبكة لسرقة السيارات الفاخرة بالدار البيضاء",
     "2026-11-23T12:00:00+01:00", E, 2),
]
OUTLETS = {"atlas": "أطلس نيوز", "sada": "صدى المدينة", "nabd": "نبض الشارع"}
HOUSE_LINES = {"sada": "صدى المدينة – الخبر كما هو، جميع الحقوق محفوظة"}
SECURITY_INCIDENTS = {"A", "B", "C", "D", "E"}


def path_of(outlet: str, slug: str) -> str:
    return f"/{outlet}/2026/11/{slug}.html"


def page(outlet: str, slug: str, title: str, published: str, paragraphs: list[str]) -> str:
    name = OUTLETS[outlet]
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    if outlet in HOUSE_LINES:
        body += f"<p>{escape(HOUSE_LINES[outlet])}</p>"
    return f"""<!doctype html><html lang="ar" dir="rtl"><head><meta charset="utf-8">
<title>{escape(title)} – {escape(name)}</title>
<link rel="canonical" href="{{{{BASE}}}}{path_of(outlet, slug)}">
<meta property="article:published_time" content="{published}">
</head><body><nav><a href="/">الرئيسية</a> <a href="/{outlet}/">حوادث</a> <a href="/{outlet}/">مجتمع</a></nav>
<article><h1>{escape(title)}</h1>{body}</article>
<footer>{escape(name)} © 2026</footer></body></html>"""


def feed(outlet: str, items: list[tuple]) -> str:
    import email.utils
    import datetime as dt

    entries = "".join(
        f"<item><title>{escape(title)}</title><link>{{{{BASE}}}}{path_of(outlet, slug)}</link>"
        f"<guid>{path_of(outlet, slug)}</guid>"
        f"<pubDate>{email.utils.format_datetime(dt.datetime.fromisoformat(published))}</pubDate></item>"
        for _, slug, _, title, published, _, _ in items)
    return (f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
            f"<title>{escape(OUTLETS[outlet])}</title>{entries}</channel></rss>")


def write_site(root: Path, run: int) -> None:
    """The site as it is at ``run`` (1 or 2): every story published by then."""
    live = [s for s in STORIES if s[6] <= run]
    for outlet in OUTLETS:
        mine = [s for s in live if s[0] == outlet]
        (root / outlet / "2026" / "11").mkdir(parents=True, exist_ok=True)
        for _, slug, _, title, published, paras, _ in mine:
            (root / path_of(outlet, slug).lstrip("/")).write_text(page(outlet, slug, title, published, paras),
                                                                 encoding="utf-8")
        (root / outlet / "feed.xml").write_text(feed(outlet, mine), encoding="utf-8")


def write_config(path: Path, base_url: str) -> None:
    """A feeds config naming the three outlets (politeness off for the loopback server)."""
    lines = ["http: {per_host_min_delay: 0, retries: 0, respect_robots: false}", "feeds:"]
    for outlet, name in OUTLETS.items():
        lines.append(f"  - {{url: '{base_url}/{outlet}/feed.xml', name: '{name}', language: ar, source: {outlet}}}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def expected(run: int) -> dict:
    """path -> incident letter, for the stories published by ``run``."""
    return {path_of(o, slug): inc for o, slug, inc, _, _, _, r in STORIES if r <= run}
