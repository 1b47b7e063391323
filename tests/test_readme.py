"""The README stays true: its set-up commands, schema and commands match the code."""
import re
from pathlib import Path

import pytest

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


# --- the analysts' examples run as written (issue 19, item 6) ------------------------------------


@pytest.fixture(scope="module")
def sample_dir(tmp_path_factory):
    """A directory holding ``warehouse.duckdb`` from a real sample run (what the README's examples open)."""
    from helpers import free_port

    from pipeline.run import run

    folder = tmp_path_factory.mktemp("readme")
    assert run(["--sample", "--sample-port", str(free_port()), "--warehouse",
                f"duckdb://{folder / 'warehouse.duckdb'}"]) == 0
    return folder


def _blocks(kind: str) -> list[str]:
    return re.findall(rf"```{kind}\n(.*?)```", README, re.S)


def test_every_duckdb_sql_example_runs_on_a_sample_warehouse(sample_dir):
    import duckdb

    queries = [b for b in _blocks("sql") if not b.lstrip().startswith("-- BigQuery")]
    assert len(queries) >= 10
    with duckdb.connect(str(sample_dir / "warehouse.duckdb"), read_only=True) as con:
        for sql in queries:
            con.execute(sql).fetchall()                     # raises on any error in the example
        assert con.execute('SELECT "at", stage FROM errors').fetchall()      # the quoted-column example
    assert any('"at"' in q for q in queries)


def test_every_duckdb_python_and_shell_example_runs_as_written(sample_dir, monkeypatch):
    import subprocess
    import sys

    snippets = [b for b in _blocks("python") if "google.cloud" not in b]
    assert snippets and any("read_only=True" in b for b in snippets)
    assert not any(".df()" in line.split("#")[0] for b in snippets for line in b.splitlines()), \
        "pandas is not installed by the project: .df() would fail"
    monkeypatch.chdir(sample_dir)
    for code in snippets:
        exec(compile(code, "README.md", "exec"), {})
    shell = [line for b in _blocks("bash") for line in b.splitlines() if line.startswith("python -c ")]
    assert shell
    for line in shell:
        done = subprocess.run(line.replace("python", sys.executable, 1), shell=True, cwd=sample_dir,
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0 and "error_type" in done.stdout, done.stderr
    assert not list(sample_dir.glob("*.lock"))


def test_the_readme_has_one_exit_code_table_with_every_command():
    section = README[README.index("### Exit codes"):]
    section = section[:section.index("\n## ")]
    table = [line for line in section.splitlines() if line.startswith("| `")]
    named = " ".join(line.split("|")[1] for line in table)
    for command in ("run", "feeds status", "report", "reclassify", "warehouse init", "extract", "classify",
                    "evaluate", "train"):
        assert f"`{command}`" in named, command
    assert "`classify` | every line classified | at least one input line was bad" in section
    assert "the page is not an article" in section          # extract's exit 3
    assert README.count("### Exit codes") == 1
