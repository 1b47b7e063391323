"""The cleaner against the line-level gold of the seeds in ../shared/seeds (read at run time)."""
import json

import pytest
from helpers import SEEDS

from pipeline.tools import eval_extraction
from transforms.clean import load_rules

pytestmark = pytest.mark.skipif(not (SEEDS / "gold.json").is_file(),
                                reason=f"seed gold not available at {SEEDS} (../shared is not checked out)")


def _gold():
    g = json.loads((SEEDS / "gold.json").read_text(encoding="utf-8"))
    return {k: v for k, v in g.items() if not k.startswith("_")}


@pytest.mark.parametrize("name", sorted(_gold()) if (SEEDS / "gold.json").is_file() else [])
def test_seed_lines(name):
    gold = _gold()[name]
    r = eval_extraction.evaluate_seed((SEEDS / name).read_text(encoding="utf-8"), gold, load_rules())
    assert r["cut"] == [], "body lines removed"
    assert r["leaked"] == [], "boilerplate lines kept"
    assert r["title_ok"] is not False
    assert r["dates_ok"] is not False
    assert r["meta_ok"] is not False


def test_seed_003_date_is_2017_10_23():
    gold = _gold()["003_ac96fd6625dae6fb.txt"]
    r = eval_extraction.evaluate_seed((SEEDS / "003_ac96fd6625dae6fb.txt").read_text(encoding="utf-8"),
                                      gold, load_rules())
    assert "2017-10-23" in r["dates_found"]


def test_evaluate_command_reports_targets_met(capsys):
    from pipeline.tools.evaluate import main
    assert main(["extraction", "--seeds", str(SEEDS)]) == 0
    out = capsys.readouterr().out
    assert "targets met" in out and "NOT met" not in out and "TOTAL" in out
    assert "fixtures_dates_right" in out          # the HTML fixtures are evaluated too


def test_evaluate_command_fails_when_a_rule_is_missing(tmp_path, capsys):
    rules = tmp_path / "r.yaml"
    rules.write_text("rules: []\n", encoding="utf-8")
    assert eval_extraction.main(["--seeds", str(SEEDS), "--rules", str(rules)]) == 1
    assert "NOT met" in capsys.readouterr().out
