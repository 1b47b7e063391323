"""Entry point: ``python -m pipeline.run [--config FILE] [--feed URL ...]
[--warehouse URI] [--sample] [--allow-private-hosts] [Beam options]``.

It only parses, prepares the warehouse, launches the graph and prints the
run summary. The exit code is non-zero only when the run itself could not
happen (bad config, warehouse unwritable), never because items failed: those
are rows in the ``errors`` table.
"""
from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import logging
import sys
import uuid
from typing import Optional

import apache_beam as beam
from apache_beam.options.pipeline_options import StandardOptions

from pipeline.config import ConfigError, http_settings, load_config
from pipeline.options import NewsOptions
from pipeline.warehouse import WarehouseError, ensure_duckdb, parse_warehouse, read_duckdb_state

log = logging.getLogger("pipeline.run")


def new_run_id() -> str:
    return f"{dt.datetime.now(dt.timezone.utc):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"


def _with_state(feeds, state: dict):
    """Carry each feed's conditional-GET state (from feed_state) into its spec."""
    out = []
    for f in feeds:
        row = state.get(f.url) or {}
        out.append(dataclasses.replace(f, etag=row.get("etag"), last_modified=row.get("last_modified"),
                                       content_hash=row.get("content_hash")))
    return out


def _sample_server(port: int):
    """The sample site on a fixed loopback port, so that story URLs (and their
    article ids) are the same from one sample run to the next."""
    from pipeline.sample_server import SampleServer

    try:
        return SampleServer(port=port)
    except OSError:
        log.warning("port %d is busy: serving the sample on a random port, so a rerun "
                    "cannot recognise earlier sample stories (use --sample-port)", port)
        return SampleServer()


LOCAL_RUNNERS = (None, "DirectRunner", "direct", "FnApiRunner", "BundleBasedDirectRunner", "SwitchingDirectRunner")


def use_local_batch_runner(options, argv: list[str]) -> None:
    """Batch on this machine runs on the FnApiRunner with one thread per core.

    Beam's DirectRunner would first try the Prism runner (which downloads a
    binary from the internet) and, for pipelines with processing-time timers,
    fall back to the single-threaded bundle-based runner. Threads are enough for parallelism:
    trafilatura runs in a guard subprocess per DoFn instance (BENCHMARKS.md).
    ``--direct_num_workers``/``--direct_running_mode`` given by the user win.
    """
    import os

    from apache_beam.options.pipeline_options import DirectOptions

    std = options.view_as(StandardOptions)
    if std.runner not in (None, "DirectRunner", "direct"):
        return
    std.runner = "FnApiRunner"
    direct = options.view_as(DirectOptions)
    if not any(a.startswith("--direct_num_workers") for a in argv):
        direct.direct_num_workers = os.cpu_count() or 1
    if not any(a.startswith("--direct_running_mode") for a in argv):
        direct.direct_running_mode = "multi_threading"


def make_sink(warehouse, run_id: str, opts: NewsOptions, streaming: bool):
    if warehouse.kind == "duckdb":
        from transforms.write_duckdb import WriteToDuckDB

        return WriteToDuckDB(warehouse.path, run_id, batch_size=opts.write_batch_size)
    from transforms.write_bigquery import WriteToBigQueryWarehouse

    return WriteToBigQueryWarehouse(warehouse.project, warehouse.dataset, run_id, streaming=streaming)


def run(argv: Optional[list[str]] = None) -> int:
    argv = list(argv if argv is not None else sys.argv[1:])
    options = NewsOptions(argv)
    opts = options.view_as(NewsOptions)
    streaming = options.view_as(StandardOptions).streaming
    run_id = opts.run_id or new_run_id()
    with contextlib.ExitStack() as stack:
        try:
            if opts.sample:
                server = stack.enter_context(_sample_server(opts.sample_port))
                config = load_config(opts.config)
                config = dataclasses.replace(config, feeds=tuple(server.feed_specs()))
                # The guard stays on: only the sample server's own host is allow-listed.
                http = http_settings(config, allow_private_hosts=False, private_allowlist=(server.base_url,),
                                     per_host_min_delay=0.0, respect_robots=False)
                print(f"sample site served at {server.base_url}")
            else:
                config = load_config(opts.config, feeds=opts.feed)
                http = http_settings(config, allow_private_hosts=opts.allow_private_hosts)
            warehouse = parse_warehouse(opts.warehouse)
            if warehouse.kind == "duckdb" and options.view_as(StandardOptions).runner not in LOCAL_RUNNERS:
                raise WarehouseError(f"a DuckDB file is local to this machine: with --runner "
                                     f"{options.view_as(StandardOptions).runner} use --warehouse bigquery:PROJECT.DATASET")
            if warehouse.kind == "duckdb":
                ensure_duckdb(warehouse.path)
                state = read_duckdb_state(warehouse.path)
            else:
                from pipeline.bq_setup import read_bigquery_state

                state = read_bigquery_state(warehouse.project, warehouse.dataset)
        except (ConfigError, WarehouseError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        from pipeline.graph import GraphConfig, build
        from transforms.clean import load_rules

        cfg = GraphConfig(http=http, clean_rules=load_rules(), run_id=run_id,
                          known_ids=state.known_ids, line_history=state.line_history)
        feeds = _with_state(config.feeds, state.feed_state)
        sink = make_sink(warehouse, run_id, opts, streaming)
        if streaming:
            from pipeline.streaming import run_streaming

            return run_streaming(options, feeds, sink, cfg, warehouse)
        started = dt.datetime.now(dt.timezone.utc)
        local = options.view_as(StandardOptions).runner in LOCAL_RUNNERS
        if local:
            use_local_batch_runner(options, argv)
        pipeline = beam.Pipeline(options=options)
        build(pipeline, beam.Create(feeds), sink, cfg)
        result = pipeline.run()
        if not local:
            # Dataflow & co: the job runs on the service; return once it is
            # submitted (a Flex Template launcher must). Results land in the warehouse.
            job = getattr(result, "job_id", lambda: None)() if result is not None else None
            print(f"batch job submitted{f' (job id {job})' if job else ''}: run {run_id}, "
                  f"{len(feeds)} feed(s) -> {warehouse.describe()}")
            return 0
        result.wait_until_finish()
        from pipeline.summary import print_summary

        print_summary(result, warehouse, run_id, started, out=sys.stdout)
    return 0


def main() -> None:
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    sys.exit(run())


if __name__ == "__main__":
    main()
