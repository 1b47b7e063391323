"""What ``pip install .`` ships: every package the code imports, and the data files it reads.

An installed copy (``pip install .``, Dataflow's ``--setup_file``, the Flex Template image)
only has what setup.py's ``find_packages`` and ``package_data`` list; running from the
checkout hides a missing package because the current directory is on ``sys.path``.
"""
from __future__ import annotations

import ast
import re

from setuptools import find_packages

from helpers import REPO

SETUP = (REPO / "setup.py").read_text(encoding="utf-8")


def _shipped_packages() -> set[str]:
    call = re.search(r"find_packages\(include=(\[.*?\])\)", SETUP, re.S)
    assert call, "setup.py no longer calls find_packages(include=[...])"
    return set(find_packages(where=str(REPO), include=ast.literal_eval(call.group(1))))


def test_every_imported_package_is_shipped():
    shipped = _shipped_packages()
    imported = set()
    for top in ("pipeline", "transforms", "configs", "benchmarks"):
        for path in (REPO / top).rglob("*.py"):
            rel = path.relative_to(REPO)
            if "geodata" in rel.parts:          # a rebuild script shipped as data, not a module
                continue
            imported.add(".".join(rel.parent.parts))
    missing = sorted(imported - shipped)
    assert missing == [], f"packages not shipped by pip install . (an __init__.py missing?): {missing}"


def test_data_the_code_reads_is_package_data():
    for needed in ("models/*.json", "sql/*/*.sql", '"site/*"', "geodata"):
        assert needed in SETUP, needed
