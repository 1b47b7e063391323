"""The layers run one way (docs/architecture.md), read from the code's own imports.

* nothing under ``transforms/`` imports ``pipeline``;
* ``transforms/core`` (records, schema, dead letters) imports no other part of the project;
* no import circle among the modules of ``pipeline/``, ``transforms/`` and ``configs/``;
* no module over 400 lines.
"""
from __future__ import annotations

import ast

from helpers import REPO

PACKAGES = ("pipeline", "transforms", "configs")
MAX_LINES = 400


def _modules() -> dict[str, object]:
    mods = {}
    for pkg in PACKAGES:
        for path in (REPO / pkg).rglob("*.py"):
            rel = path.relative_to(REPO).with_suffix("")
            name = ".".join(rel.parts)
            mods[name.removesuffix(".__init__")] = path
    return mods


def _imports(mods: dict) -> dict[str, set[str]]:
    def resolve(name: str):
        while name and name not in mods:
            name = name.rpartition(".")[0]
        return name or None

    edges: dict[str, set[str]] = {}
    for mod, path in mods.items():
        is_pkg = path.name == "__init__.py"
        out = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets = []
            if isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = mod.split(".") if is_pkg else mod.split(".")[:-1]
                    parts = parts[: len(parts) - (node.level - 1)]
                    base = ".".join(parts + ([base] if base else []))
                targets = [f"{base}.{a.name}" for a in node.names] + [base]
            for t in targets:
                r = resolve(t)
                if r and r != mod and not (mod.startswith(r + ".") and r in PACKAGES):
                    out.add(r)
        edges[mod] = out
    return edges


MODS = _modules()
EDGES = _imports(MODS)


def test_the_import_graph_is_read():
    # guards the checks below against passing on an empty graph
    assert "transforms.read_feeds" in EDGES["pipeline.graph"]
    assert "transforms.core.records" in EDGES["transforms.read_feeds"]
    assert len(MODS) > 60


def test_transforms_never_import_pipeline():
    upward = sorted((a, b) for a, bs in EDGES.items() for b in bs
                    if a.startswith("transforms") and b.startswith("pipeline"))
    assert upward == []


def test_core_records_import_nothing_above_them():
    core = {m: bs for m, bs in EDGES.items() if m.startswith("transforms.core")}
    assert core, "transforms/core is missing"
    assert sorted((a, b) for a, bs in core.items() for b in bs if not b.startswith("transforms.core")) == []


def test_no_import_circles():
    index, low, on, stack, circles, counter = {}, {}, set(), [], [], [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in EDGES[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                circles.append(sorted(comp))

    for v in EDGES:
        if v not in index:
            visit(v)
    assert circles == []


def test_no_module_over_400_lines():
    big = {m: n for m, p in MODS.items() if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert big == {}
