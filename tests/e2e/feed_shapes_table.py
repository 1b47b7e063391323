"""Before/after table of the feed shapes (not a test: a script for the closing note).

Runs the real pipeline once per shape of ``tests/feed_shapes.py`` against the
hostile server on 127.0.0.1/127.0.0.2, with whatever ``pipeline``/``transforms``
come first on ``sys.path``, and prints one markdown row per shape: right
links (one row each), right dates, readable titles/text, expected errors.

    PYTHONPATH=/path/to/checkout:/path/to/checkout/tests python tests/e2e/feed_shapes_table.py [SHAPE_ID ...]
"""
from __future__ import annotations

import contextlib
import datetime as dt
import io
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote

import duckdb
from feed_shapes import SHAPES, STORY
from hostile_server import HostileServer

CONFIG = """
project: {contact_url: "https://example.org/tests"}
http: {connect_timeout: 1, read_timeout: 2, total_deadline: 5, retries: 0, per_host_min_delay: 0,
       per_host_concurrency: 4}
feeds: [{url: "http://unused.invalid/feed"}]
"""


def judge(shape, rows, errors, code, bases) -> str:
    if code != 0:
        return f"run failed (exit {code})"
    by_path = {}
    for r in rows:
        for base in bases:
            if r["url"].startswith(base):
                by_path.setdefault(r["url"][len(base):], []).append(r)
    notes = []
    if shape.kind == "one story":              # every spelling of the slug, however encoded
        from urllib.parse import unquote

        same = [r for r in rows if unquote(r["url"]).endswith(shape.links[0])]
        return "ok" if len(same) == 1 else f"{len(same)} rows for one story"
    for path in shape.links:
        got = by_path.get(path) or by_path.get(quote(path)) or []
        if len(got) != 1:
            notes.append(f"{path.rsplit('/', 1)[-1]}: {len(got)} rows")
            continue
        row = got[0]
        if not row["text"] or "\ufffd" in (row["text"] or "") or (row["language"] == "ar" and STORY[:40] not in row["text"]):
            notes.append(f"{path.rsplit('/', 1)[-1]}: unreadable text")
        want_title = shape.titles.get(path)
        if want_title and row["title"] != want_title:
            notes.append(f"title {row['title'][:24]!r}")
        want = shape.dates.get(path)
        if want:
            got_d = row["published_at"]
            if want.startswith("NULL:"):
                if got_d is not None:
                    notes.append(f"{path[-4:]}: {got_d:%Y-%m-%d %H:%M} (want NULL)")
                elif want[5:] not in (row.get("date_rejected") or ""):
                    notes.append(f"{path[-4:]}: NULL, no reason")
            elif got_d != dt.datetime.fromisoformat(want):
                notes.append(f"{path[-4:]}: {got_d.strftime('%Y-%m-%d %H:%M') if got_d else 'NULL'}")
    if shape.id == "darija-latin":
        langs = {p.rsplit('/', 1)[-1]: (by_path.get(p) or [{}])[0].get("language") for p in shape.links}
        if langs.get("darija") != "und" or langs.get("spanish") != "es":
            notes.append(f"languages {langs}")
    if shape.id == "bad-text":
        for p in shape.links:
            got = by_path.get(p) or []
            t = got[0]["title"] if got else None
            if t and (len(t) > 10_000 or any(c in t for c in "\x00\x1b\u202e\ud800")):
                notes.append(f"{p.rsplit('-', 1)[-1]}: unsafe title")
    if shape.id == "credentials" and "s3cret" in repr(rows) + repr(errors):
        notes.append("credentials stored")
    if shape.id == "foreign-canonical":
        foreign = (by_path.get("/shapes/p/canon-foreign") or [{}])[0]
        if foreign.get("canonical_url", "").startswith(bases[0]):
            notes.append("foreign page took the other site's story")
        js = [(by_path.get(f"/shapes/p/canon-js-{i}") or [{}])[0].get("article_id") for i in (1, 2)]
        if js[0] == js[1]:
            notes.append("javascript: canonicals collapsed")
    kinds = [e[1] for e in errors]
    for kind, fragment in shape.errors:
        if not any(e[1] == kind and fragment in (e[2] or "") for e in errors):
            notes.append(f"no {kind} row{(' for ' + fragment) if fragment else ''}")
    unexpected = [k for k in kinds if k in ("unexpected", "UnicodeEncodeError", "RowError", "ValueError")]
    if unexpected:
        notes.append(f"errors {sorted(set(unexpected))}")
    return "ok" if not notes else "; ".join(notes)


def main() -> int:
    import pipeline.run as run_mod
    from transforms.robots import HostGate

    print(f"<!-- code under test: {Path(run_mod.__file__).parents[1]} -->")
    print("| shape | outcome |\n|---|---|")
    with HostileServer() as a, HostileServer(bind="127.0.0.2") as b:
        a.peer, b.peer = b.base, a.base
        for shape in SHAPES:
            if sys.argv[1:] and shape.id not in sys.argv[1:]:
                continue
            # the two spellings of one story are judged together, in one run
            feeds = [s.feed for s in SHAPES if s.kind == shape.kind] if shape.kind == "one story" else [shape.feed]
            with tempfile.TemporaryDirectory() as tmp:
                db, cfg = Path(tmp) / "w.duckdb", Path(tmp) / "c.yaml"
                cfg.write_text(CONFIG, encoding="utf-8")
                HostGate.reset_all()
                argv = [x for f in feeds for x in ("--feed", a.url(f))]
                try:
                    with contextlib.redirect_stdout(io.StringIO()):
                        code = run_mod.run(argv + ["--config", str(cfg), "--warehouse", f"duckdb://{db}",
                                                   "--allow-private-hosts"])
                except BaseException as exc:  # noqa: BLE001 - the old code crashes on some shapes
                    code = f"{type(exc).__name__}"
                rows, errors = [], []
                if db.exists():
                    con = duckdb.connect(str(db), read_only=True)
                    cols = [d[0] for d in con.execute("SELECT * FROM stories LIMIT 0").description]
                    rows = [dict(zip(cols, r)) for r in con.execute("SELECT * FROM stories").fetchall()]
                    errors = con.execute("SELECT stage, error_type, url FROM errors").fetchall()
                    con.close()
                print(f"| `{shape.id}` | {judge(shape, rows, errors, code, (a.base, b.base))} |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
