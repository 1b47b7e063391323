"""``python -m benchmarks.run [--articles N] [--out bench_out/] [--workers K]``

In one run: build the corpus from ``../shared/data/hespress/dev.jsonl`` in a
temporary directory, serve it on 127.0.0.1, then measure

1. the bare loop (extract, clean, language, classify; multiprocessing on K cores),
2. trafilatura's own CLI on the same pages saved to disk (``--parallel K``),
3. the full pipeline (DirectRunner on K workers, feeds -> HTTP -> DuckDB) and
   its peak memory (RSS of the whole process tree),
4. an incremental rerun over the unchanged feeds (article requests counted
   by the server),
5. classification alone (stories/s on one core),

print one table and write it, with every raw figure, to ``OUT/results.json``.
Exit status: 0 when every measurement ran and the warehouse holds one row per
article; 1 otherwise; 2 when ``../shared`` is missing.
"""
from __future__ import annotations

import argparse
import os
import shlex
import shutil
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import bare, corpus, pipeline_bench, report
from benchmarks import profile as bench_profile


def parse_args(argv=None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m benchmarks.run", description=__doc__.split("\n\n")[0])
    p.add_argument("--articles", type=int, default=2000, help="article pages in the corpus (default 2000)")
    p.add_argument("--out", default="bench_out", help="folder for results.json and logs (default bench_out/)")
    p.add_argument("--workers", type=int, default=None, help="processes for every measurement (default: all cores)")
    p.add_argument("--beam-args", default=None,
                   help="Beam options for the pipeline runs instead of the default "
                        "'--runner=DirectRunner --direct_running_mode=in_memory' (K page workers either way)")
    p.add_argument("--profile", action="store_true",
                   help="record both pipeline runs with py-spy (OUT/{pipeline,rerun}_profile.txt, summaries in "
                        "OUT/*_profile_summary.txt); needs py-spy and slows the runs down")
    p.add_argument("--keep", action="store_true", help="keep the temporary corpus and warehouse")
    return p.parse_args(argv)


def _cores() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)


_T0 = time.perf_counter()


def _say(text: str) -> None:
    print(f"[{time.perf_counter() - _T0:6.1f}s] {text}", flush=True)


def measure(args: argparse.Namespace, work: Path, out: Path) -> dict:
    from pipeline.sample.server import SampleServer

    k = args.workers or _cores()
    t0 = time.perf_counter()
    corp = corpus.build_corpus(work / "site", args.articles)
    sizes = corp.sizes
    _say(f"corpus: {len(corp.items)} pages, {len(corp.feeds)} feeds, {corp.bytes_total / 1e6:.0f} MB "
          f"built in {time.perf_counter() - t0:.1f}s")
    results: dict = {"articles": args.articles, "feeds": len(corp.feeds), "workers": k,
                     "corpus_mb": corp.bytes_total / 1e6, "page_kb_min": min(sizes) / 1e3,
                     "page_kb_max": max(sizes) / 1e3, "page_kb_mean": sum(sizes) / len(sizes) / 1e3,
                     "templates": sorted({it.site for it in corp.items}), "machine": report.machine()}
    with SampleServer(site_dir=corp.site_dir) as server:
        base = server.base_url
        pages = corpus.export_pages(corp, work / "pages", base)
        jobs = [bare.Job(str(path), it.url(base), it.feed_url(base), it.source, it.title, it.summary, it.published)
                for path, it in zip(pages, corp.items)]

        _say("bare loop ...")
        results["bare"] = bare.bare_loop(jobs, k)

        _say("stage breakdown (one process) ...")
        results["stage_ms"] = bare.stage_breakdown(jobs, min(len(jobs), 150))

        _say("classification alone ...")
        stories = [(s.title, "\n".join(s.paragraphs)) for s in corpus.load_stories(min(args.articles, 2000))]
        results["classify"] = bare.classify_alone(stories)

        _say("trafilatura CLI ...")
        results["trafilatura"] = bare.trafilatura_cli(work / "pages", work / "trafilatura_out", k)

        config = pipeline_bench.write_config(
            work / "feeds.yaml", [(base + path, name, source) for path, _, source, name in corp.feeds])
        beam_args = shlex.split(args.beam_args) if args.beam_args else pipeline_bench.default_beam_args(k)
        warehouse = work / "warehouse.duckdb"
        for label in ("pipeline", "rerun"):
            _say(f"{label} ...")
            server.reset_counters()
            run_id = f"bench-{label}-{int(time.time())}"
            profile = str(out / f"{label}_profile.txt") if args.profile else None
            res = pipeline_bench.run_pipeline(config, warehouse, run_id, beam_args, out / f"{label}.log",
                                              profile=profile, workers=k)
            res["article_requests"] = server.article_requests()
            res["feed_requests"] = server.feed_requests()
            if res["returncode"] == 0:
                counts = pipeline_bench.warehouse_counts(warehouse, run_id)
            else:
                counts = {"rows_this_run": 0, "rows_total": 0, "arabic": 0, "security": 0, "errors": {}}
                print(f"{label} FAILED (exit {res['returncode']}):\n{res['log_tail']}", file=sys.stderr)
            res.update(counts)
            res["stories"] = counts["rows_this_run"]
            res["stories_per_s"] = res["stories"] / res["seconds"] if res["seconds"] else 0.0
            if profile and Path(profile).exists():
                summary = bench_profile.summarize(Path(profile))
                (out / f"{label}_profile_summary.txt").write_text(bench_profile.render(summary), encoding="utf-8")
                res["profile"] = {"raw": profile, "by_stage": summary["by_stage"]}
            results[label] = res
    _say("done")
    results["summary"] = report.summarize(results)
    return results


def main(argv=None) -> int:
    args = parse_args(argv)
    try:
        corpus.dev_path()
    except corpus.SharedDataMissing as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    work = Path(tempfile.mkdtemp(prefix="news-bench-"))
    try:
        results = measure(args, work, out)
    finally:
        if args.keep:
            print(f"kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    text = report.table(results)
    results["table"] = text
    path = report.write_json(results, out)
    print()
    print(text)
    print(f"\nwritten: {path}")
    ok = (results["pipeline"]["returncode"] == 0 and results["rerun"]["returncode"] == 0
          and results["pipeline"]["rows_total"] == args.articles)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
