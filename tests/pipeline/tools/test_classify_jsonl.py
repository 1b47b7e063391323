import json
import subprocess
import sys

from helpers import REPO

ROOT = REPO


def run_cli(lines):
    proc = subprocess.run([sys.executable, "-m", "pipeline.classify"], input="\n".join(lines) + "\n",
                          capture_output=True, text=True, cwd=ROOT, timeout=120)
    return proc.returncode, [json.loads(x) for x in proc.stdout.splitlines()], proc.stderr


def test_cli_contract_order_and_errors():
    lines = [
        json.dumps({"id": "s1", "title": "توقيف مروج للقرقوبي بمدينة فاس",
                    "text": "أوقفت عناصر الشرطة القضائية بمدينة فاس مروجا للأقراص المهلوسة وحجزت "
                            "كمية من القرقوبي، ووضع المشتبه فيه تحت تدبير الحراسة النظرية."}, ensure_ascii=False),
        json.dumps({"id": "s2", "title": "Le gouvernement présente son budget",
                    "text": "Le ministre a présenté hier le projet de loi de finances devant le parlement."}),
        "{not json",
        json.dumps({"id": "s4", "title": "The match ended in a draw",
                    "text": "The national team drew with its guest in a friendly match played last night."}),
    ]
    code, out, err = run_cli(lines)
    assert code == 1, err                        # one bad line -> non-zero exit, but no crash
    assert len(out) == 4
    assert [o.get("id") for o in out] == ["s1", "s2", None, "s4"]
    first = out[0]
    for key in ("id", "language", "is_security", "security_score", "categories", "matched_terms", "places"):
        assert key in first
    assert first["language"] == "ar" and first["is_security"] is True
    assert first["categories"][0] == "drugs" and "القرقوبي" in first["matched_terms"]
    assert first["places"] == ["فاس"]
    assert out[1]["language"] == "fr" and out[1]["is_security"] is None and out[1]["categories"] == []
    assert "error" in out[2] and out[2]["line"] == 3
    assert out[3]["language"] == "en" and out[3]["is_security"] is None


def test_cli_all_good_exits_zero():
    code, out, _ = run_cli([json.dumps({"id": 7, "title": "مباراة", "text": "فاز الفريق في مباراة كرة القدم أمس",
                                        "language": "ar"}, ensure_ascii=False)])
    assert code == 0 and out[0]["id"] == 7 and out[0]["is_security"] is False
