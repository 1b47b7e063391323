"""``python -m benchmarks.modes [--articles N] [--modes in_memory,multi_threading,multi_processing]``

The local running modes side by side, on one corpus served on one fixed
loopback port (so every mode sees the same URLs and article ids): for each
mode, a first run into its own DuckDB warehouse (wall seconds, stories/s, CPU
seconds of the Beam process and of its children, peak RSS of the tree), then
every table of that warehouse compared, field by field, with the first mode's
(:mod:`benchmarks.compare_rows`: run ids and clock times left out). Prints one
table; exit status 1 when a mode's rows differ.
"""
from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

MODES = ("in_memory", "multi_threading", "multi_processing")


def main(argv=None) -> int:
    from benchmarks import compare_rows, corpus, pipeline_bench, report
    from pipeline.sample.server import SampleServer

    p = argparse.ArgumentParser(prog="python -m benchmarks.modes", description=__doc__.split("\n\n")[0])
    p.add_argument("--articles", type=int, default=2000)
    p.add_argument("--modes", default=",".join(MODES))
    p.add_argument("--workers", type=int, default=2, help="runner threads / SDK processes of the threaded modes")
    args = p.parse_args(argv)
    try:
        corpus.dev_path()
    except corpus.SharedDataMissing as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    work = Path(tempfile.mkdtemp(prefix="news-modes-"))
    rows, same = [], True
    try:
        corp = corpus.build_corpus(work / "site", args.articles)
        import socket

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        reference = None
        for mode in args.modes.split(","):
            with SampleServer(site_dir=work / "site", port=port) as server:
                base = server.base_url
                config = pipeline_bench.write_config(
                    work / "feeds.yaml", [(base + path, name, source) for path, _, source, name in corp.feeds])
                beam_args = ["--runner=DirectRunner", f"--direct_running_mode={mode}"]
                if mode != "in_memory":
                    beam_args.append(f"--direct_num_workers={args.workers}")
                warehouse = work / f"{mode}.duckdb"
                run_id = f"modes-{mode}-{int(time.time())}"
                res = pipeline_bench.run_pipeline(config, warehouse, run_id, beam_args, work / f"{mode}.log")
            stories = pipeline_bench.warehouse_counts(warehouse, run_id)["rows_this_run"] if res["returncode"] == 0 else 0
            diffs = None
            if reference is None:
                reference = (warehouse, run_id)
            elif res["returncode"] == 0:
                result = compare_rows.compare_warehouses(str(reference[0]), str(warehouse), reference[1], run_id)
                diffs = sum(len(d) for _, _, d in result.values())
                same = same and diffs == 0
            rows.append((mode, res, stories, diffs))
            print(f"{mode}: exit {res['returncode']}, {stories} stories in {res['seconds']:.1f}s", file=sys.stderr,
                  flush=True)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    m = report.machine()
    print(f"{args.articles} articles, {m['cores']} cores; rows compared with {rows[0][0]}'s, field by field\n")
    print("| mode | stories | seconds | stories/s | CPU s (Beam / children) | peak RSS GB | processes | rows |")
    print("|---|---:|---:|---:|---|---:|---:|---|")
    for mode, res, stories, diffs in rows:
        cpu = res["cpu_seconds"]
        verdict = "reference" if diffs is None and res["returncode"] == 0 else (
            "identical" if diffs == 0 else (f"{diffs} differences" if diffs else f"exit {res['returncode']}"))
        print(f"| {mode} | {stories} | {res['seconds']:.1f} | {stories / res['seconds']:.1f} | "
              f"{cpu['beam']:.1f} / {cpu['workers']:.1f} | {res['peak_rss_bytes'] / 1e9:.2f} | "
              f"{res['peak_processes']} | {verdict} |")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
