"""A small invented corpus in the shape of ../shared/data/hespress, for training tests.

Every sentence here was written for these tests (no news site's text). The
stories are templates filled with Moroccan city names and numbers, so the
corpus is big enough to train on (90 stories) and its labels are known.
"""
from __future__ import annotations

import json
from pathlib import Path

CITIES = ["الخميسات", "طنجة", "فاس", "مكناس", "وجدة", "أكادير", "سطات", "الناظور", "تطوان", "آسفي",
          "خريبكة", "القنيطرة", "تارودانت", "بني ملال", "الرشيدية"]

SECURITY = [
    ("توقيف مروج للمخدرات بمدينة {c}",
     "أوقفت عناصر الشرطة القضائية بمدينة {c} شخصا يشتبه في ترويج المخدرات، وحجزت لديه {n} غراما من الشيرا "
     "وأقراصا مهلوسة، ووضع تحت تدبير الحراسة النظرية رهن البحث الذي تشرف عليه النيابة العامة."),
    ("اعتقال لص متخصص في سرقة الهواتف في {c}",
     "تمكنت مصالح الأمن في {c} من اعتقال شاب متهم بالسرقة بالعنف واعتراض سبيل المارة، بعد شكايات {n} "
     "ضحية، وحجزت لديه سلاحا أبيض وهواتف مسروقة، وأحيل على النيابة العامة."),
    ("جريمة قتل تهز حيا شعبيا في {c}",
     "لقي رجل مصرعه بطعنة سكين في شجار بحي شعبي بمدينة {c}، وأوقفت الشرطة الجاني المشتبه فيه بعد {n} "
     "ساعات، وفتحت النيابة العامة بحثا قضائيا في الجريمة."),
]
OTHER = [
    ("المجلس الجماعي لمدينة {c} يصادق على الميزانية",
     "صادق أعضاء المجلس الجماعي لمدينة {c} في دورة عادية على ميزانية السنة المقبلة بتصويت {n} عضوا، "
     "وخصص المجلس اعتمادات لتهيئة الطرق والمساحات الخضراء والإنارة العمومية."),
    ("فريق {c} يفوز في مباراة البطولة",
     "فاز فريق مدينة {c} لكرة القدم على ضيفه بهدفين دون رد في مباراة البطولة، أمام {n} متفرج، وسجل "
     "المهاجم الهدفين في الشوط الثاني وارتقى الفريق في الترتيب."),
    ("مهرجان للمسرح يفتتح دورته الجديدة في {c}",
     "افتتحت في مدينة {c} الدورة الجديدة من مهرجان المسرح بمشاركة {n} فرقة من مختلف المدن، وتتواصل "
     "العروض طيلة أسبوع في القاعات والساحات العمومية."),
]
ACCIDENT = [
    ("مصرع سائق في حادثة سير قرب {c}",
     "لقي سائق مصرعه وأصيب {n} ركاب بجروح في حادثة سير إثر انقلاب سيارة على الطريق الوطنية قرب {c}، "
     "وحلت عناصر الوقاية المدنية بعين المكان ونقلت المصابين إلى المستشفى."),
    ("غرق طفل في شاطئ قرب {c}",
     "لقي طفل مصرعه غرقا في شاطئ قرب {c} بعدما جرفته الأمواج أثناء السباحة، وانتشلت فرق الإنقاذ جثته "
     "بعد {n} ساعات من البحث."),
    ("حريق يأتي على محل تجاري في {c}",
     "أتى حريق مهول على محل تجاري بمدينة {c} بسبب تماس كهربائي، وتدخلت عناصر الوقاية المدنية لإخماده "
     "خلال {n} دقيقة دون تسجيل خسائر في الأرواح."),
]


def stories() -> list[dict]:
    """90 invented stories: 30 security, 30 other, 30 accident, with ``label`` and ``topic``."""
    out = []
    for label, templates, topic in (("security", SECURITY, "faits-divers"), ("other", OTHER, "regions"),
                                    ("accident", ACCIDENT, "faits-divers")):
        for k in range(30):
            title, body = templates[k % len(templates)]
            c = CITIES[k % len(CITIES)]
            n = 3 + (7 * k) % 40
            # security stories outside the crime section, as in the real data
            t = "societe" if label == "security" and k % 5 == 0 else topic
            cats = [("drugs", "property_crime", "violent_crime")[k % 3]] if label == "security" else []
            out.append({"id": f"{label[:3]}{k:02d}", "title": title.format(c=c, n=n), "story": body.format(c=c, n=n),
                        "topic": t, "date": "2020-01-01", "author": "", "label": label, "cats": cats})
    return out


def write_corpus(folder: Path) -> Path:
    """dev.jsonl, dev_labels.jsonl, dev_labels_2.jsonl (reference: two of every three stories)
    and extra.jsonl (the rest, plus five reference stories, one disagreeing) under ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    rows = stories()

    def label(r, sure=True):
        return {"id": r["id"], "label": r["label"], "categories": r["cats"], "sure": sure}

    ref = [r for i, r in enumerate(rows) if i % 3 != 2]
    extra = [label(r) for i, r in enumerate(rows) if i % 3 == 2]
    extra += [label(r) for r in ref[:4]] + [dict(label(ref[4]), label="other", categories=[], sure=False)]
    (folder / "dev.jsonl").write_text("".join(json.dumps({k: v for k, v in r.items() if k not in ("label", "cats")},
                                                         ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    half = len(ref) // 2
    for name, part in (("dev_labels.jsonl", ref[:half]), ("dev_labels_2.jsonl", ref[half:])):
        (folder / name).write_text("".join(json.dumps(label(r, sure=i % 4 != 0), ensure_ascii=False) + "\n"
                                           for i, r in enumerate(part)), encoding="utf-8")
    (folder / "extra.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in extra),
                                        encoding="utf-8")
    return folder
