"""pipeline.evaluate extraction on HTML fixtures: token F1, dates (right/wrong, element)."""
import json
import shutil

from helpers import HTML_FIXTURES

from pipeline.tools import eval_extraction, eval_pages
from transforms.clean import load_rules


def test_token_f1():
    assert eval_pages.token_f1("a b c", "a b c") == 1.0
    assert eval_pages.token_f1("", "") == 1.0
    assert eval_pages.token_f1("x", "a") == 0.0
    assert abs(eval_pages.token_f1("a b", "a b c d") - 2 / 3) < 1e-9


def test_shipped_fixtures_all_pass():
    res = eval_pages.evaluate_fixtures(HTML_FIXTURES, load_rules())
    assert res["total"]["pages"] >= 20 and all(res["checks"].values()), res["total"]
    hows = {p["date_how"] for p in res["pages"]}
    assert {"json-ld", "time", "byline", "itemprop"} <= hows


def test_a_wrong_date_and_a_leak_are_reported(tmp_path, capsys):
    for ext in (".html", ".expected.txt", ".expected.json"):
        shutil.copy(HTML_FIXTURES / f"ar_ma_header_today{ext}", tmp_path / f"ar_ma_header_today{ext}")
    meta = json.loads((tmp_path / "ar_ma_header_today.expected.json").read_text(encoding="utf-8"))
    meta["published_date"] = "2024-03-14"                      # the header's "today": must not match
    (tmp_path / "ar_ma_header_today.expected.json").write_text(json.dumps(meta), encoding="utf-8")
    res = eval_pages.evaluate_fixtures(tmp_path, load_rules())
    page = res["pages"][0]
    assert not page["date_ok"] and page["date"] == "2024-03-12" and page["date_how"] == "byline"
    assert not res["checks"]["fixtures_dates_right"]
    (tmp_path / "ar_ma_header_today.expected.txt").write_text("نص آخر تماما", encoding="utf-8")
    assert eval_pages.evaluate_fixtures(tmp_path, load_rules())["total"]["mean_f1"] < 0.1


def test_missing_fixture_folder_is_an_error(capsys):
    assert eval_extraction.main(["--seeds", "/nonexistent", "--fixtures", "/nonexistent/f"]) == 2
