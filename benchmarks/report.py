"""The benchmark's one table: figures, ratios and targets, as text and JSON."""
from __future__ import annotations

import json
import os
import platform
import sys
from pathlib import Path

TARGETS = {
    "pipeline_vs_bare": 0.8,          # pipeline stories/s ÷ bare loop stories/s (on 2 cores)
    "pipeline_vs_trafilatura": 0.5,   # pipeline stories/s ÷ trafilatura CLI stories/s (issue 17)
    "rerun_vs_first": 0.05,           # rerun seconds ÷ first run seconds (at most)
    "classify_per_core": 1000.0,      # stories/s/core (at least)
    "peak_rss_gb_at_5000": 1.5,       # GB (at most), at 5,000 stories
}


def machine() -> dict:
    mem = 0
    try:
        with open("/proc/meminfo") as fh:
            mem = int(fh.readline().split()[1]) * 1024
    except OSError:
        pass
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo") as fh:
            for line in fh:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return {"cores": os.cpu_count(), "usable_cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
            else os.cpu_count(), "memory_gb": round(mem / 2**30, 1), "cpu": cpu,
            "python": sys.version.split()[0], "platform": platform.platform()}


def _ratio(a: float, b: float) -> float | None:
    return round(a / b, 3) if a and b else None


def summarize(r: dict) -> dict:
    """Ratios and target checks from the raw measurements in ``r``."""
    first, rerun = r["pipeline"], r["rerun"]
    pipe_rate = first["stories_per_s"]
    peak_gb = first["peak_rss_bytes"] / 1e9
    ratios = {
        "pipeline_vs_bare": _ratio(pipe_rate, r["bare"]["stories_per_s"]),
        "pipeline_vs_trafilatura": _ratio(pipe_rate, r["trafilatura"]["stories_per_s"]),
        "rerun_vs_first": _ratio(rerun["seconds"], first["seconds"]),
    }
    checks = {
        "pipeline_vs_bare": ratios["pipeline_vs_bare"] is not None and ratios["pipeline_vs_bare"] >= TARGETS["pipeline_vs_bare"],
        "pipeline_vs_trafilatura": (ratios["pipeline_vs_trafilatura"] is not None
                                    and ratios["pipeline_vs_trafilatura"] >= TARGETS["pipeline_vs_trafilatura"]),
        "rerun_no_fetch": rerun["article_requests"] == 0,
        "rerun_vs_first": ratios["rerun_vs_first"] is not None and ratios["rerun_vs_first"] <= TARGETS["rerun_vs_first"],
        "classify_per_core": r["classify"]["stories_per_s_per_core"] >= TARGETS["classify_per_core"],
        # the memory target is stated at 5,000 stories; at other sizes this is only indicative
        "peak_rss": peak_gb <= TARGETS["peak_rss_gb_at_5000"],
    }
    return {"ratios": ratios, "targets_met": checks, "peak_rss_gb": round(peak_gb, 3),
            "peak_pss_gb": round(first.get("peak_pss_bytes", 0) / 1e9, 3)}


def _mark(ok: bool) -> str:
    return "ok" if ok else "MISSED"


def table(r: dict) -> str:
    s = r["summary"]
    rat, ok = s["ratios"], s["targets_met"]
    k = r["workers"]
    rows = [
        ("bare loop (multiprocessing, %d procs)" % k, r["bare"]["stories"], r["bare"]["seconds"],
         r["bare"]["stories_per_s"], "physical-limit reference"),
        ("trafilatura CLI (--parallel %d)" % k, r["trafilatura"]["stories"], r["trafilatura"]["seconds"],
         r["trafilatura"]["stories_per_s"], "extraction only, files on disk"),
        ("pipeline, first run", r["pipeline"]["stories"], r["pipeline"]["seconds"],
         r["pipeline"]["stories_per_s"], "feeds -> HTTP -> DuckDB, %d article requests"
         % r["pipeline"]["article_requests"]),
        ("pipeline, rerun (unchanged feeds)", r["rerun"]["stories"], r["rerun"]["seconds"], None,
         "%d article requests, %d feed requests" % (r["rerun"]["article_requests"], r["rerun"]["feed_requests"])),
        ("classification alone (1 core)", r["classify"]["stories"], r["classify"]["seconds"],
         r["classify"]["stories_per_s_per_core"], "stories/s/core"),
    ]
    lines = [f"Benchmark: {r['articles']} articles, {r['feeds']} feeds, {r['workers']} workers, "
             f"{r['corpus_mb']:.0f} MB of HTML (pages {r['page_kb_min']:.0f}-{r['page_kb_max']:.0f} KB); "
             f"machine: {r['machine']['cores']} cores, {r['machine']['memory_gb']} GB, Python {r['machine']['python']}",
             "",
             f"| {'measure':<38} | {'stories':>7} | {'seconds':>8} | {'stories/s':>9} | note",
             f"|{'-' * 40}|{'-' * 9}|{'-' * 10}|{'-' * 11}|------"]
    for name, n, secs, rate, note in rows:
        rate_s = f"{rate:9.1f}" if rate is not None else f"{'-':>9}"
        lines.append(f"| {name:<38} | {n:>7} | {secs:8.2f} | {rate_s} | {note}")
    fmt = lambda v: "n/a" if v is None else f"{v:.3f}"  # noqa: E731
    lines += [
        "",
        f"| {'ratio / figure':<38} | {'value':>9} | target   | verdict",
        f"|{'-' * 40}|{'-' * 11}|----------|--------",
        f"| {'pipeline ÷ bare loop (stories/s)':<38} | {fmt(rat['pipeline_vs_bare']):>9} | >= 0.8   | {_mark(ok['pipeline_vs_bare'])}",
        f"| {'pipeline ÷ trafilatura CLI (stories/s)':<38} | {fmt(rat['pipeline_vs_trafilatura']):>9} | >= 0.5   | "
        f"{_mark(ok['pipeline_vs_trafilatura'])}",
        f"| {'rerun ÷ first run (seconds)':<38} | {fmt(rat['rerun_vs_first']):>9} | <= 0.05  | {_mark(ok['rerun_vs_first'])}",
        f"| {'rerun article fetches':<38} | {r['rerun']['article_requests']:>9} | 0        | {_mark(ok['rerun_no_fetch'])}",
        f"| {'classification stories/s/core':<38} | {r['classify']['stories_per_s_per_core']:>9.0f} | >= 1000  | "
        f"{_mark(ok['classify_per_core'])}",
        f"| {'peak RSS of pipeline tree (GB)':<38} | {s['peak_rss_gb']:>9.3f} | <= 1.5*  | {_mark(ok['peak_rss'])}",
        f"| {'peak PSS of pipeline tree (GB)':<38} | {s['peak_pss_gb']:>9.3f} |          | shared pages counted once",
        "",
        "per page, one process (ms): " + ", ".join(
            f"{k} {v}" for k, v in (r.get("stage_ms") or {}).get("ms_per_page", {}).items()),
        "",
        f"* the memory target is stated at 5,000 stories; this run had {r['articles']}. "
        f"Rows in warehouse: {r['pipeline']['rows_total']} (expected {r['articles']}).",
    ]
    return "\n".join(lines)


def write_json(r: dict, out_dir: Path) -> Path:
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "results.json"
    path.write_text(json.dumps(r, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
    return path
