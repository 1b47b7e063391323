"""The README stays true: its set-up commands, schema and commands match the code."""
import re
from pathlib import Path

from transforms.core import schema

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
    import importlib.util

    for module in sorted(set(re.findall(r"python -m ((?:pipeline|benchmarks)\.\w+)", README))):
        spec = importlib.util.find_spec(module)
        assert spec is not None, module
        if spec.submodule_search_locations:            # a package: runnable through its __main__
            assert importlib.util.find_spec(module + ".__main__") is not None, module


def test_the_cleaning_example_in_the_readme_is_what_the_cleaner_does(tmp_path):
    import json
    import subprocess
    import sys

    section = README[README.index("## Cleaning: before and after"):]
    before, after = re.findall(r"```text\n(.*?)```", section, re.S)[:2]
    story = tmp_path / "story.txt"
    story.write_text(before, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "pipeline.extract", str(story)], capture_output=True,
                          text=True, cwd=REPO, timeout=120)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout)
    assert out["text"].strip() == after.strip()
    assert out["author"] == "نادية العلوي" and out["date"].startswith("2024-03-12")
    assert out["published_date"] == "2024-03-12"
    assert f"`{out['date']}`" in section          # the README shows the date with the offset it prints
    assert out["title"] == "توقيف مروجين للأقراص المهلوسة قرب مؤسسة تعليمية بسلا" and out["language"] == "ar"
