"""The README stays true: its set-up commands, schema and commands match the code."""
import re
from pathlib import Path

from pipeline import schema

REPO = Path(__file__).resolve().parents[1]
README = (REPO / "README.md").read_text(encoding="utf-8")


def test_readme_opens_with_the_two_setup_commands_and_ci_runs_the_test_one():
    blocks = re.findall(r"```bash\n(.*?)```", README, re.S)
    sample, tests = blocks[0].strip(), blocks[1].strip()
    assert sample.endswith("python -m pipeline.run --sample")
    assert "pip install" in tests and tests.endswith("python -m pytest -q")
    ci = (REPO / ".ci" / "run").read_text(encoding="utf-8")
    assert tests in ci


def test_readme_describes_every_stories_and_errors_column():
    for table in ("stories", "errors", "feed_state"):
        for name in schema.column_names(table):
            assert f"`{name}`" in README, f"README does not describe {table}.{name}"


def test_every_command_in_the_readme_exists():
    for module in sorted(set(re.findall(r"python -m ((?:pipeline|benchmarks)\.\w+)", README))):
        assert (REPO / (module.replace(".", "/") + ".py")).exists(), module
