import datetime as dt

import duckdb

from pipeline.tools import reclassify
from transforms.core.schema import duckdb_ddl
from transforms.security_model import SecurityClassifier

NOW = dt.datetime(2026, 1, 2, 3, 4, tzinfo=dt.timezone.utc)
ROWS = [
    ("a1", "حجز كمية من الشيرا بمدينة طنجة",
     "حجزت عناصر الأمن بمدينة طنجة كمية من مخدر الشيرا وأوقفت مروجين اثنين ووضعتهما تحت الحراسة النظرية.", "ar"),
    ("a2", "المنتخب يفوز", "فاز المنتخب المغربي في المباراة الودية بهدفين دون رد.", "ar"),
    ("a3", "Un titre", "Un texte en français.", "fr"),
]


def make_db(path):
    con = duckdb.connect(str(path))
    con.execute(duckdb_ddl("stories"))
    for aid, title, text, lang in ROWS:
        con.execute(
            "INSERT INTO stories (article_id, url, canonical_url, source, fetched_at, title, text, language, "
            "is_security, categories, matched_terms, places, classifier_version, run_id) "
            "VALUES (?, ?, ?, 'test', ?, ?, ?, ?, NULL, [], [], [], 'old', 'r1')",
            [aid, f"http://127.0.0.1/{aid}", f"http://127.0.0.1/{aid}", NOW, title, text, lang])
    con.close()


def read(path):
    con = duckdb.connect(str(path), read_only=True)
    rows = con.execute("SELECT article_id, is_security, is_accident, primary_category, places, primary_place, "
                       "classifier_version, title FROM stories ORDER BY article_id").fetchall()
    con.close()
    return rows


def test_reclassify_updates_labels_and_is_idempotent(tmp_path, capsys):
    db = tmp_path / "w.duckdb"
    make_db(db)
    version = SecurityClassifier.load().version
    assert reclassify.main(["--warehouse", f"duckdb:///{db}"]) == 0
    assert "3 rows changed" in capsys.readouterr().out
    rows = {r[0]: r for r in read(db)}
    assert rows["a1"][1] is True and rows["a1"][3] == "drugs"
    assert rows["a1"][4] == ["طنجة"] and rows["a1"][5] == "طنجة"
    assert rows["a2"][1] is False and rows["a2"][3] is None
    assert rows["a3"][1] is None and rows["a3"][2] is None          # French: no guess
    assert all(r[6] == version for r in rows.values())
    assert rows["a1"][7] == ROWS[0][1]                                 # text columns untouched
    before = read(db)
    assert reclassify.main(["--warehouse", f"duckdb:///{db}"]) == 0
    assert "0 rows changed" in capsys.readouterr().out
    assert read(db) == before
