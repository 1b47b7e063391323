"""Evaluate extraction: the cleaner on the seeds' line-level gold, and whole pages on HTML fixtures.

    python -m pipeline.evaluate extraction --seeds ../shared/seeds \
        [--fixtures tests/transforms/fixtures/html] [--json]

Seeds: for each seed (already-extracted text) the cleaner runs with no title
given, as it would on RSS ``content:encoded``. Printed per seed and in total:
body lines kept / body lines, boilerplate lines leaked / boilerplate lines,
and whether the title, the dates and the metadata lines (date/byline/dateline)
were found.

Fixtures (:mod:`pipeline.tools.eval_pages`): each HTML page is extracted and
cleaned; printed per page: token F1 of the text, the date (right or wrong, the
calendar day and the element it came from), title and author. ``--fixtures``
defaults to the checkout's ``tests/transforms/fixtures/html`` when it exists.
Exit status 0 when every target is met, 1 otherwise, 2 on missing input.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from pipeline.tools import eval_pages
from transforms import dates
from transforms.clean import clean_text, load_rules
from transforms.clean_rules import core


DEFAULT_FIXTURES = Path(__file__).resolve().parents[2] / "tests" / "transforms" / "fixtures" / "html"


def evaluate_seed(text: str, gold: dict, rules) -> dict:
    res = clean_text(text, rules=rules, language=gold.get("language", "ar"))
    lines = text.split("\n")
    dec = res.decisions
    body = gold.get("body_lines", [])
    boiler = gold.get("boilerplate_lines", [])
    meta = gold.get("meta_lines", [])
    kept = [n for n in body if dec[n - 1] is None]
    leaked = [n for n in boiler if dec[n - 1] is None]
    cut = [n for n in body if dec[n - 1] is not None]
    title_line = gold.get("title_line")
    title_ok = None
    if title_line:
        title_ok = bool(res.title) and core(res.title) == core(lines[title_line - 1]) \
            and dec[title_line - 1] is not None
    found = set()
    if res.date is not None:
        found.add(dates.local_date(res.date).isoformat())
    found |= {dates.local_date(d).isoformat() for d in dates.find_dates(res.text)}
    want = gold.get("dates_in_text", [])
    dates_ok = all(d in found for d in want) if want else None
    meta_routed = [n for n in meta if (dec[n - 1] or "").startswith("meta_")]
    meta_ok = (len(meta_routed) == len(meta)) if meta else None
    return {
        "body": len(body), "kept": len(kept), "cut": cut,
        "boilerplate": len(boiler), "leaked": leaked,
        "title_ok": title_ok, "title": res.title,
        "dates_ok": dates_ok, "dates_wanted": want, "dates_found": sorted(found),
        "meta": len(meta), "meta_routed": len(meta_routed), "meta_ok": meta_ok,
        "author": res.author, "dateline": res.dateline,
        "removed": res.removed,
    }


def _yn(v) -> str:
    return "n/a" if v is None else ("yes" if v else "NO")


def main(argv: list[str] | None = None) -> int:
    from pipeline.tools.errors import CommandParser

    ap = CommandParser(prog="python -m pipeline.evaluate extraction")
    ap.add_argument("--seeds", default="../shared/seeds", help="folder with *.txt seeds and gold.json")
    ap.add_argument("--rules", default=None, help="boilerplate rules YAML (default configs/boilerplate.yaml)")
    ap.add_argument("--fixtures", default=str(DEFAULT_FIXTURES),
                    help="folder of HTML fixtures with *.expected.txt/*.expected.json ('' to skip)")
    ap.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    args = ap.parse_args(argv)
    fixtures = Path(args.fixtures) if args.fixtures else None
    if fixtures is not None and not fixtures.is_dir():
        if args.fixtures != str(DEFAULT_FIXTURES):
            print(f"error: no fixture folder {fixtures}", file=sys.stderr)
            return 2
        fixtures = None
    folder = Path(args.seeds)
    gold_path = folder / "gold.json"
    if not gold_path.is_file():
        print(f"error: no gold.json in {folder}", file=sys.stderr)
        return 2
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    rules = load_rules(args.rules)
    results = {}
    for name in sorted(k for k in gold if not k.startswith("_")):
        path = folder / name
        if not path.is_file():
            print(f"error: seed {name} listed in gold.json is missing", file=sys.stderr)
            return 2
        results[name] = evaluate_seed(path.read_text(encoding="utf-8"), gold[name], rules)

    tot = {k: sum(r[k] for r in results.values()) for k in ("body", "kept", "boilerplate", "meta", "meta_routed")}
    tot["leaked"] = sum(len(r["leaked"]) for r in results.values())
    checks = {
        "body_kept_100pct": tot["kept"] == tot["body"],
        "boilerplate_leaked_0": tot["leaked"] == 0,
        "titles_found": all(r["title_ok"] is not False for r in results.values()),
        "dates_found": all(r["dates_ok"] is not False for r in results.values()),
        "meta_routed": all(r["meta_ok"] is not False for r in results.values()),
    }
    pages = eval_pages.evaluate_fixtures(fixtures, rules) if fixtures is not None else None
    if pages is not None:
        checks.update(pages["checks"])
    ok = all(checks.values())
    if args.json:
        print(json.dumps({"seeds": results, "total": tot, "fixtures": pages, "checks": checks, "ok": ok},
                         ensure_ascii=False, indent=1, default=str))
        return 0 if ok else 1

    print(f"{'seed':28} {'body kept':>10} {'bp leaked':>10} {'title':>6} {'dates':>6} {'meta':>6}")
    for name, r in results.items():
        print(f"{name:28} {r['kept']:>5}/{r['body']:<4} {len(r['leaked']):>5}/{r['boilerplate']:<4}"
              f" {_yn(r['title_ok']):>6} {_yn(r['dates_ok']):>6} {_yn(r['meta_ok']):>6}")
        if r["cut"]:
            print(f"    body lines cut: {r['cut']}")
        if r["leaked"]:
            print(f"    boilerplate lines leaked: {r['leaked']}")
        extra = {k: r[k] for k in ("author", "dateline") if r[k]}
        if r["dates_found"]:
            extra["dates"] = r["dates_found"]
        print(f"    removed by rule: {r['removed']}" + (f"  routed: {extra}" if extra else ""))
    pct = 100.0 * tot["kept"] / tot["body"] if tot["body"] else 100.0
    print(f"{'TOTAL':28} {tot['kept']:>5}/{tot['body']:<4} {tot['leaked']:>5}/{tot['boilerplate']:<4}"
          f"   meta routed {tot['meta_routed']}/{tot['meta']}")
    print(f"body kept {pct:.1f}%, boilerplate leaked {tot['leaked']}")
    if pages is not None:
        print()
        eval_pages.print_table(pages)
    for k, v in checks.items():
        print(f"  {'PASS' if v else 'FAIL'} {k}")
    print("targets met" if ok else "targets NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
