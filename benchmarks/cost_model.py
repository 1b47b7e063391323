"""``python -m benchmarks.cost_model [RESULTS.json]``: the Dataflow backfill and BigQuery cost model.

Reads the per-page CPU measured by ``python -m benchmarks.run`` (its
``results.json``: the page worker's stages in one process, and the CPU seconds
of the Beam process per page of the first run) and prints the figures of
``docs/scaling.md``: workers, hours and vCPU-hours for a backfill of 1 and 10
million archived pages, the share of the wall time taken by the per-host
politeness delay, BigQuery storage for ten years of Moroccan news, and the
price of the analyst views per query. Every assumption is a named constant
below; the list prices carry their source and the day they were read.
"""
from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

# ---- list prices (USD), us-central1, as read on 2026-11-30 -----------------------------------
# Dataflow batch worker resources: apache_beam 2.77.0,
# apache_beam/testing/load_tests/dataflow_cost_consts.py ("Dataflow costs for running jobs in
# us-central1 ... found at https://cloud.google.com/dataflow/pricing"); the stored copies of that
# pricing page (cloud.google.com/dataflow/pricing) describe the per-second billing but their
# price tables were not in the stored text.
VCPU_HOUR_BATCH = 0.056
GB_HOUR_BATCH = 0.003557
PD_GB_HOUR = 0.000054
SHUFFLE_GB_BATCH = 0.011
# BigQuery: cloud.google.com/bigquery/pricing (stored copy): on-demand compute is per TiB
# scanned, first 1 TiB a month free; the figures: $6.25/TiB on demand, storage $0.02 per GB-month
# active and $0.01 long-term (a table or partition not changed for 90 days), 10 GB a month free
# (secondary summary of that page, coconote.app, dated 2025-08-11). Not found in a stored copy:
# the 10 MB minimum billed per table referenced (so it is left out of the per-query figures).
BQ_TIB_ON_DEMAND = 6.25
BQ_GB_MONTH_ACTIVE = 0.02
BQ_GB_MONTH_LONG_TERM = 0.01

# ---- assumptions ------------------------------------------------------------------------------
DATAFLOW_OVERHEAD = 1.3          # SDK harness, shuffle and BigQuery load jobs on top of the local CPU per page
VCPUS_PER_WORKER = 2             # n1-standard-2: 2 vCPU, 7.5 GB (one page worker per vCPU, ~0.35 GB each)
WORKER_GB = 7.5
WORKER_DISK_GB = 25              # Dataflow Shuffle on: small boot disks
SHUFFLE_BYTES_PER_PAGE = 8_000   # entry, line counts, signature and row through the global steps
PER_HOST_DELAY_S = 1.0           # http.per_host_min_delay default: one request per second per host
OUTLETS = 20                     # Moroccan outlets in feeds.yaml
STORIES_PER_DAY = 1_200          # 20 outlets x 60 stories a day (Hespress alone runs at 100-200)
YEARS = 10


def per_page_cpu_ms(results: dict) -> dict:
    """Worker ms (the page worker's stages), Beam-process ms and their sum, per page."""
    stage = results["stage_ms"]["ms_per_page"]
    worker = sum(stage[k] for k in ("extract", "lines", "clean", "language", "classify", "row", "sign")
                 if stage.get(k) is not None)
    first = results["pipeline"]
    cpu = first.get("cpu_seconds") or {}
    rerun_cpu = (results["rerun"].get("cpu_seconds") or {}).get("beam", 0.0)
    beam = max(0.0, cpu.get("beam", 0.0) - rerun_cpu) * 1000 / max(1, first["stories"])
    return {"worker": worker, "beam": beam, "total": worker + beam}


def backfill(pages: int, cpu_ms: float, outlets: int = OUTLETS) -> dict:
    """CPU, workers, hours and cost of fetching and processing ``pages`` archived pages
    spread evenly over ``outlets`` hosts, each at most one request per PER_HOST_DELAY_S."""
    vcpu_hours = pages * cpu_ms * DATAFLOW_OVERHEAD / 1000 / 3600
    polite_hours = pages / outlets * PER_HOST_DELAY_S / 3600            # the per-host delay bounds the wall time
    rate = outlets / PER_HOST_DELAY_S                                    # pages/s all hosts together
    vcpus_needed = rate * cpu_ms * DATAFLOW_OVERHEAD / 1000
    workers = max(1, math.ceil(vcpus_needed / VCPUS_PER_WORKER))
    worker_hours = workers * polite_hours
    cost = (worker_hours * (VCPUS_PER_WORKER * VCPU_HOUR_BATCH + WORKER_GB * GB_HOUR_BATCH
                            + WORKER_DISK_GB * PD_GB_HOUR)
            + pages * SHUFFLE_BYTES_PER_PAGE / 1e9 * SHUFFLE_GB_BATCH)
    one_outlet_hours = pages * PER_HOST_DELAY_S / 3600
    cpu_bound_hours = vcpu_hours / VCPUS_PER_WORKER            # one worker, no politeness at all
    return {"pages": pages, "vcpu_hours_busy": vcpu_hours, "hours": polite_hours, "workers": workers,
            "worker_hours": worker_hours, "cost_usd": cost, "one_outlet_days": one_outlet_hours / 24,
            "politeness_share": 1 - cpu_bound_hours / polite_hours if polite_hours > cpu_bound_hours else 0.0,
            "vcpus_needed": vcpus_needed}


def storage(row_bytes: float, years: int = YEARS, per_day: int = STORIES_PER_DAY) -> dict:
    """BigQuery logical GB after ``years`` and the storage bill over them (active for the
    last 90 days of writes, long-term before)."""
    stories = per_day * 365 * years
    total_gb = stories * row_bytes / 1e9
    bill = 0.0
    for month in range(1, years * 12 + 1):
        gb = per_day * 30.4 * month * row_bytes / 1e9
        active = min(gb, per_day * 91 * row_bytes / 1e9)
        bill += active * BQ_GB_MONTH_ACTIVE + (gb - active) * BQ_GB_MONTH_LONG_TERM
    last_month = (min(total_gb, per_day * 91 * row_bytes / 1e9) * BQ_GB_MONTH_ACTIVE
                  + max(0.0, total_gb - per_day * 91 * row_bytes / 1e9) * BQ_GB_MONTH_LONG_TERM)
    return {"stories": stories, "gb": total_gb, "bill_usd": bill, "last_month_usd": last_month}


def main(argv=None) -> int:
    p = argparse.ArgumentParser(prog="python -m benchmarks.cost_model", description=__doc__.split("\n\n")[0])
    p.add_argument("results", nargs="?", default="bench_out/results.json")
    p.add_argument("--row-bytes", type=float, default=3743 + 1563,
                   help="BigQuery bytes per story: stories row + story_signatures row (benchmarks.view_bytes)")
    args = p.parse_args(argv)
    results = json.loads(Path(args.results).read_text(encoding="utf-8"))
    cpu = per_page_cpu_ms(results)
    print(f"CPU per page (ms): page worker {cpu['worker']:.1f}, Beam process {cpu['beam']:.1f}, "
          f"total {cpu['total']:.1f}; peak RSS {results['pipeline']['peak_rss_bytes'] / 1e9:.2f} GB "
          f"({results['articles']} pages, {results['workers']} workers)")
    print("\n| pages | busy vCPU-hours | wall hours (20 outlets) | workers | worker-hours | Dataflow USD "
          "| one outlet alone | politeness share |\n|---:|---:|---:|---:|---:|---:|---:|---:|")
    for n in (1_000_000, 10_000_000):
        b = backfill(n, cpu["total"])
        print(f"| {n:,} | {b['vcpu_hours_busy']:.1f} | {b['hours']:.1f} | {b['workers']} | {b['worker_hours']:.1f} "
              f"| {b['cost_usd']:.2f} | {b['one_outlet_days']:.1f} days | {100 * b['politeness_share']:.1f} % |")
    s = storage(args.row_bytes)
    print(f"\nBigQuery, {YEARS} years at {STORIES_PER_DAY:,} stories a day: {s['stories']:,} stories, "
          f"{s['gb']:.1f} GB logical; storage bill over the {YEARS} years ${s['bill_usd']:.2f}, "
          f"the last month ${s['last_month_usd']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
