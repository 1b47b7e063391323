"""What happens between parsing the options and running the graph.

:func:`prepare` loads the config, starts the sample site when asked, checks
and prepares the warehouse, reads what earlier runs left (known ids, feed
state, learned lines) and builds the one :class:`pipeline.graph.GraphConfig`
and the sink. :func:`launch_batch` runs the batch graph and prints the summary.
Streaming launches are in :mod:`pipeline.streaming`.
"""
from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import functools
import logging
import os
import sys
import uuid
from dataclasses import dataclass
from typing import Any, Iterable

import apache_beam as beam
from apache_beam.options.pipeline_options import DirectOptions, StandardOptions

from pipeline.config import ConfigError, http_settings, load_config
from pipeline.options import NewsOptions
from pipeline.warehouse.uri import Warehouse, WarehouseError, parse_warehouse
from transforms.core.text import redact_credentials

# pipeline.graph (and with it the stages, datasketch, the clean rules, lexicon and
# gazetteer) is imported only when a graph is built: a rerun with nothing new
# (pipeline.quick_rerun) never needs it.
FOURTEEN_DAYS_S = 14 * 24 * 3600.0      # = pipeline.graph.FOURTEEN_DAYS_S

log = logging.getLogger("pipeline.launch")

LOCAL_RUNNERS = (None, "DirectRunner", "direct", "FnApiRunner", "BundleBasedDirectRunner", "SwitchingDirectRunner")
DEFAULT_LOCAL = (None, "DirectRunner", "direct", "FnApiRunner")     # replaced by local_batch_runner()


def new_run_id() -> str:
    """``YYYYmmddTHHMMSSZ-xxxxxxxx``: the UTC start time and a random suffix."""
    return f"{dt.datetime.now(dt.timezone.utc):%Y%m%dT%H%M%SZ}-{uuid.uuid4().hex[:8]}"


@dataclass
class Job:
    """A prepared run: options, feeds (with their conditional-GET state), warehouse, and
    (built on first use, see :meth:`cfg`) the graph config and the sink."""

    options: Any                  # NewsOptions (the whole PipelineOptions)
    feeds: list
    warehouse: Warehouse
    make_cfg: Any                 # () -> pipeline.graph.GraphConfig
    make_sink: Any                # () -> the warehouse writer (a PTransform)
    run_id: str = ""
    http: Any = None              # HttpSettings of this run
    max_failed_feeds_share: float = 0.5     # from the config's run section: exit 3 above it
    prepare_warehouse: Any = None           # () -> RunState: sets the warehouse up (once) and reads it

    @functools.cached_property
    def cfg(self):
        """The :class:`pipeline.graph.GraphConfig`, built once, when the graph needs it:
        the clean rules, lexicon and gazetteer are loaded then (at launch, never in a DoFn)."""
        return self.make_cfg()

    @functools.cached_property
    def sink(self) -> beam.PTransform:
        return self.make_sink()

    @property
    def streaming(self) -> bool:
        return bool(self.options.view_as(StandardOptions).streaming)

    @property
    def local(self) -> bool:
        return self.options.view_as(StandardOptions).runner in LOCAL_RUNNERS


def with_state(feeds, state: dict) -> list:
    """Carry each feed's conditional-GET state (from feed_state rows keyed by URL) into its spec."""
    out = []
    for f in feeds:
        row = state.get(f.url) or state.get(redact_credentials(f.url)) or {}   # rows keep no credentials
        out.append(dataclasses.replace(f, etag=row.get("etag"), last_modified=row.get("last_modified"),
                                       content_hash=row.get("content_hash")))
    return out


def _sample_server(port: int):
    """The sample site on a fixed loopback port, so that story URLs (and their
    article ids) are the same from one sample run to the next."""
    from pipeline.sample.server import SampleServer

    try:
        return SampleServer(port=port)
    except OSError:
        log.warning("port %d is busy: serving the sample on a random port, so a rerun "
                    "cannot recognise earlier sample stories (use --sample-port)", port)
        return SampleServer()


def check_model(path: str) -> None:
    """Load the classifier artefact ``path`` (``--model``) once, at launch, so that a file that
    is not a model stops the run with one line (exit 2) instead of failing every story in
    the workers. ~0.25 s (numpy and the model's ~2 MB of JSON); only for a ``--model`` given.

    Raises ConfigError naming the file and what is wrong with it.
    """
    from transforms.security_model import load_model

    try:
        load_model(path)
    except OSError as exc:
        raise ConfigError(f"--model {path}: cannot read it: {exc.strerror or exc}") from None
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        detail = " ".join(str(exc).split())[:200]
        hint = "" if "pipeline.train" in detail else "; train one with python -m pipeline.train"
        raise ConfigError(f"--model {path}: not a classifier model artefact "
                          f"({type(exc).__name__}: {detail}){hint}") from None


def make_sink(warehouse: Warehouse, run_id: str, opts: NewsOptions, streaming: bool,
              feed_state: dict | None = None) -> beam.PTransform:
    """The warehouse writer for ``warehouse`` (DuckDB file or BigQuery dataset).

    ``feed_state`` (feed URL -> its ``feed_state`` row at launch) seeds the
    BigQuery sink's fold of each poll into its feed's row; DuckDB merges in
    its own write transaction."""
    if warehouse.kind == "duckdb":
        from transforms.core.duckdb_lock import lock_wait
        from transforms.write_duckdb import WriteToDuckDB

        return WriteToDuckDB(warehouse.path, run_id, batch_size=opts.write_batch_size, lock_wait=lock_wait())
    from transforms.write_bigquery import WriteToBigQueryWarehouse

    return WriteToBigQueryWarehouse(warehouse.project, warehouse.dataset, run_id, streaming=streaming,
                                    batch_size=opts.write_batch_size, feed_state=feed_state)


def read_state(warehouse: Warehouse, cluster_window: float = FOURTEEN_DAYS_S):
    """Create what is missing in a DuckDB warehouse (in a BigQuery dataset: when it is
    not set up at all) and read the :class:`RunState` of either kind (with the
    signatures of the stories fetched in the last ``cluster_window`` seconds).

    Raises WarehouseError.
    """
    if warehouse.kind == "duckdb":
        from pipeline.warehouse.duckdb_setup import ensure_duckdb, read_duckdb_state

        ensure_duckdb(warehouse.path)
        return read_duckdb_state(warehouse.path, cluster_window)
    from pipeline.warehouse.bigquery_setup import NotSetUp, init_bigquery, read_bigquery_state

    try:
        return read_bigquery_state(warehouse.project, warehouse.dataset, cluster_window_s=cluster_window)
    except NotSetUp:  # as a DuckDB file is created by its first run
        init_bigquery(warehouse.project, warehouse.dataset)
        log.warning("%s was not set up: created its tables and views", warehouse.describe())
        return read_bigquery_state(warehouse.project, warehouse.dataset, cluster_window_s=cluster_window)


def light_feed_state(path: str) -> dict | None:
    """``feed_state`` rows (feed URL -> row) of an existing DuckDB file, read without setting
    the file up (no DDL, views or places: ~0.4 s); None when the file is missing or cannot
    be read that way (then the full :func:`read_state` runs)."""
    if not os.path.isfile(path):
        return None
    try:
        from pipeline.warehouse.duckdb_setup import read_warehouse
        from transforms.core import schema

        cols = schema.column_names("feed_state")
        with read_warehouse(path) as con:
            rows = con.execute(f"SELECT {', '.join(cols)} FROM feed_state").fetchall()
    except Exception:  # noqa: BLE001 - an old or odd file: the full set-up path deals with it
        return None
    return {r[0]: dict(zip(cols, r)) for r in rows}


def prepare(options, stack: contextlib.ExitStack) -> Job:
    """Everything a run needs, or ConfigError/WarehouseError (one line each).

    ``stack`` owns what must outlive the call (the sample server).
    """
    opts = options.view_as(NewsOptions)
    std = options.view_as(StandardOptions)
    streaming = bool(std.streaming)
    run_id = opts.run_id or new_run_id()
    if opts.model is not None:
        check_model(opts.model)
    if opts.sample:
        server = stack.enter_context(_sample_server(opts.sample_port))
        config = load_config(opts.config)
        config = dataclasses.replace(config, feeds=tuple(
            dataclasses.replace(spec, max_entries=spec.max_entries or config.max_entries_per_feed)
            for spec in server.feed_specs()))
        # The guard stays on: only the sample server's own host is allow-listed.
        http = http_settings(config, allow_private_hosts=False, private_allowlist=(server.base_url,),
                             per_host_min_delay=0.0, respect_robots=False)
        print(f"sample site served at {server.base_url}")
    else:
        config = load_config(opts.config, feeds=opts.feed)
        http = http_settings(config, allow_private_hosts=opts.allow_private_hosts)
    warehouse = parse_warehouse(opts.warehouse)
    if warehouse.kind == "duckdb" and std.runner not in LOCAL_RUNNERS:
        raise WarehouseError(f"a DuckDB file is local to this machine: with --runner "
                             f"{std.runner} use --warehouse bigquery:PROJECT.DATASET")
    light = None
    if warehouse.kind == "duckdb" and not streaming and std.runner in DEFAULT_LOCAL:
        light = light_feed_state(warehouse.path)     # a rerun with nothing new needs only the ETags
    full: list = [] if light is not None else [read_state(warehouse, opts.cluster_window)]

    def state():
        """The whole RunState (DuckDB set up or migrated first); read once, when first needed."""
        if not full:
            full.append(read_state(warehouse, opts.cluster_window))
        return full[0]

    def graph_config():
        from pipeline.graph import GraphConfig
        from transforms.clean_rules import load_rules
        from transforms.lexicon import Lexicon
        from transforms.places import Gazetteer

        return GraphConfig(http=http, clean_rules=load_rules(), lexicon=Lexicon.load(), gazetteer=Gazetteer.load(),
                           model_path=opts.model, run_id=run_id, known_ids=state().known_ids,
                           line_history=state().line_history, signatures=state().signatures,
                           cluster_window=opts.cluster_window, streaming=streaming,
                           dedup_horizon=opts.dedup_horizon, allowed_lateness=opts.allowed_lateness,
                           write_window=opts.poll_interval)

    feeds = with_state(config.feeds, light if light is not None else state().feed_state)
    return Job(options, feeds, warehouse, graph_config,
               lambda: make_sink(warehouse, run_id, opts, streaming, state().feed_state), run_id=run_id, http=http,
               max_failed_feeds_share=config.max_failed_feeds_share, prepare_warehouse=state)


# The local batch runner. Beam 2.77's ``direct_running_mode=multi_threading``
# runs its SDK workers behind an EmbeddedGrpcWorkerHandler whose output streams
# are flushed by a timer thread every second (``data_buffer_time_limit_ms=1000``,
# hard-wired in ``worker_handlers.DATA_BUFFER_TIME_LIMIT_MS``) while the bundle
# thread keeps encoding elements into the same buffer, without a common lock.
# A flush that lands between two writes of one element, or between the
# ``get()`` and ``_clear()`` of the flush, tears the data stream: blocks of
# elements vanish, or the runner decodes garbage (None values, "Unknown type
# tag", a length prefix of gigabytes that makes memory grow by ~1 GB/s).
# docs/beam-local-runner-bugs.md has the analysis and a 30-line
# reproduction. The workaround keeps the threads but gives the gRPC workers a
# flush interval no bundle reaches, so only the size-based flush (called by the
# bundle thread itself, between elements) remains.
LOCAL_RUNNING_MODE = "in_memory"            # the default --direct_running_mode of a local batch run
RUNNING_MODES = ("in_memory", "multi_threading", "multi_processing")
NO_TIMED_FLUSH_MS = 2**31 - 1               # ~24.8 days: longer than any bundle


def local_batch_runner(options, given: Iterable[str] = ()):
    """The runner of a local batch run, with the options it needs set on ``options``.

    Beam's DirectRunner would first try the Prism runner (which downloads a
    binary from the internet) and, for pipelines with processing-time timers,
    fall back to the single-threaded bundle-based runner; so a local batch run
    uses the FnApiRunner. ``given`` names the options the user set on the
    command line (``direct_num_workers``, ``direct_running_mode``): those win.
    Otherwise the mode is :data:`LOCAL_RUNNING_MODE`, ``in_memory``, chosen by
    measurement (BENCHMARKS.md, "Running modes"): the per-page CPU work runs in
    the page workers' pool (one process per core, :mod:`transforms.process_pages`)
    and page fetches overlap on a thread pool, so one runner thread is enough; it
    has no gRPC data plane (so no flush race), the least memory, and passed the
    50,000- and 100,000-entry feeds with every entry accounted for.

    * ``multi_threading``: N embedded gRPC SDK workers in this process, with
      the timed flush pushed out of reach (:data:`NO_TIMED_FLUSH_MS`, see the
      comment above). ``direct_running_mode`` is then cleared on ``options``,
      because ``FnApiRunner.run_pipeline`` swaps in its default environment
      (with the racy 1 s flush) whenever it reads ``multi_threading`` there;
    * ``in_memory``: one in-process worker (no gRPC, no timed flush);
    * ``multi_processing``: N SDK worker subprocesses (their timed flush is off
      by default).

    Returns a ``FnApiRunner``. Raises ValueError for an unknown mode.
    """
    from apache_beam.runners.portability.fn_api_runner import FnApiRunner
    from apache_beam.transforms.environments import EmbeddedPythonGrpcEnvironment

    given = set(given)
    direct = options.view_as(DirectOptions)
    options.view_as(StandardOptions).runner = "FnApiRunner"
    mode = direct.direct_running_mode if "direct_running_mode" in given else LOCAL_RUNNING_MODE
    if mode not in RUNNING_MODES:
        raise ValueError(f"--direct_running_mode {mode!r}: use one of {', '.join(RUNNING_MODES)}")
    if "direct_num_workers" not in given or not direct.direct_num_workers:
        direct.direct_num_workers = os.cpu_count() or 1
    if mode == "in_memory":
        direct.direct_num_workers = 1
        direct.direct_running_mode = "in_memory"
        return FnApiRunner()
    if mode == "multi_processing":
        direct.direct_running_mode = "multi_processing"
        return FnApiRunner()
    direct.direct_running_mode = None
    return FnApiRunner(default_environment=EmbeddedPythonGrpcEnvironment(
        data_buffer_time_limit_ms=NO_TIMED_FLUSH_MS))


def finish(job: Job, result, started: dt.datetime, *, streaming: bool, local: bool = True) -> int:
    """Print the summary of a finished local run and return its exit code (:func:`pipeline.summary.exit_code`)."""
    from pipeline.summary import exit_code, print_summary, summarize

    fig = summarize(result, job.warehouse, job.run_id, started, feed_urls=[f.url for f in job.feeds],
                    streaming=streaming, local=local)
    print_summary(fig, out=sys.stdout)
    code, reason = exit_code(fig, max_failed_share=job.max_failed_feeds_share,
                             fail_on_errors=job.options.view_as(NewsOptions).fail_on_errors)
    if code:
        print(f"exit {code}: {reason}", file=sys.stderr)
    return code


def launch_batch(job: Job, given: Iterable[str] = ()) -> int:
    """Run the batch graph; locally wait, print the summary and return the exit code;
    remotely return 0 once submitted. ``given``: option dests set on the command line."""
    started = dt.datetime.now(dt.timezone.utc)
    local = job.local
    # Our FnApiRunner for the default local runner; another local runner named with --runner
    # (BundleBasedDirectRunner, ...) is used as given.
    chosen = job.options.view_as(StandardOptions).runner
    if local and chosen in DEFAULT_LOCAL:
        from pipeline.quick_rerun import quick_rerun

        if quick_rerun(job):      # nothing new in any feed: done without starting Beam
            return finish(job, None, started, streaming=False)
    if job.prepare_warehouse is not None:
        job.prepare_warehouse()   # set up / migrate the warehouse before the graph writes to it
    runner = local_batch_runner(job.options, given) if local and chosen in DEFAULT_LOCAL else None
    from pipeline.graph import build

    pipeline = beam.Pipeline(runner=runner, options=job.options)
    build(pipeline, beam.Create(job.feeds), job.sink, job.cfg)
    if local:
        from pipeline.progress import BatchProgress

        with BatchProgress():            # the local runner runs the whole job inside run()
            result = pipeline.run()
            result.wait_until_finish()
    else:
        result = pipeline.run()
    if not local:
        # Dataflow & co: the job runs on the service; return once it is
        # submitted (a Flex Template launcher must). Results land in the warehouse.
        job_id = getattr(result, "job_id", lambda: None)() if result is not None else None
        print(f"batch job submitted{f' (job id {job_id})' if job_id else ''}: run {job.run_id}, "
              f"{len(job.feeds)} feed(s) -> {job.warehouse.describe()}")
        return 0
    return finish(job, result, started, streaming=False)
