"""The pipeline's ``PipelineOptions`` subclass and the strict parsing of ``python -m pipeline.run``.

The flag names are a contract (tests and evaluations rely on them):
``--config FILE``, ``--feed URL`` (repeatable), ``--warehouse URI``,
``--sample``, ``--allow-private-hosts``, ``--model FILE``, ``--fail-on-errors``;
streaming adds Beam's own ``--streaming`` plus ``--poll-interval``,
``--duration``, ``--dedup-horizon`` and ``--allowed-lateness`` (all in seconds);
both modes take ``--cluster-window`` (seconds, the near-duplicate clustering's window).

Beam's own parser only warns about an option it does not know and then runs
without it (``--wharehouse`` ran against the default warehouse).
:func:`parse_run_args` is strict instead: an unknown option, a bad value or an
option that does not apply to the chosen mode is an :class:`OptionsError`
(one line, with the closest known option name when there is one). Every Beam
option still passes through.
"""
from __future__ import annotations

import argparse
import difflib
import functools
import math
import re
from typing import Iterable, Optional

from apache_beam.options.pipeline_options import PipelineOptions, _BeamArgumentParser

from pipeline.warehouse.uri import DEFAULT_WAREHOUSE

# The default clustering / dedup / lateness windows (= pipeline.graph.FOURTEEN_DAYS_S), not
# imported from pipeline.graph: parsing options must not import the stages (a rerun with
# nothing new never builds the graph; issue 17).
FOURTEEN_DAYS_S = 14 * 24 * 3600.0

PROG = "python -m pipeline.run"
STREAMING_ONLY = ("poll_interval", "duration", "dedup_horizon", "allowed_lateness")
LOCAL_BATCH_ONLY = ("direct_num_workers", "direct_running_mode")
NOT_WITH_SAMPLE = ("feed", "allow_private_hosts")
# Beam options this command documents in --help (every other one passes through too).
BEAM_OPTIONS_SHOWN = ("--runner", "--direct_num_workers", "--direct_running_mode", "--project", "--region",
                      "--temp_location", "--staging_location", "--service_account_email", "--setup_file",
                      "--job_name", "--sdk_container_image", "--max_num_workers", "--update")
EXIT_CODES = """exit codes:
  0  the run completed; failed items are rows in the errors table
  1  entries were lost (the summary's counts do not add up) or the pipeline failed: a bug
  2  the run could not start: bad option or config, warehouse missing/corrupt/locked, missing dependency
  3  no feed could be polled, or more than run.max_failed_feeds_share of the feeds failed
  4  --fail-on-errors and this run recorded errors rows
  130 interrupted (Ctrl-C) before the end of a batch run"""


DAY_S = 86400.0
# The range of every numeric option: dest -> (low, high, low is exclusive, what it is). Outside
# it a value is refused with one line (NaN and infinities too). The bounds are what the job can
# use: Beam's timers and windows overflow past ~1e11 s (an AssertionError or OverflowError deep
# in the runner), and nothing here needs more than a year; a poll more often than once a second
# would be abuse of the sites; 100,000 rows is far above one DuckDB transaction's sweet spot
# (BENCHMARKS.md) and within BigQuery's per-request row limit guidance.
RANGES = {
    "poll_interval": (1.0, 7 * DAY_S, False, "seconds"),
    "duration": (0.0, 366 * DAY_S, True, "seconds"),
    "dedup_horizon": (0.0, 366 * DAY_S, True, "seconds"),
    "allowed_lateness": (0.0, 366 * DAY_S, False, "seconds"),
    "cluster_window": (0.0, 366 * DAY_S, True, "seconds"),
    "write_batch_size": (1, 100_000, False, "whole number"),
    "sample_port": (0, 65535, False, "port number"),
    "direct_num_workers": (0, 1024, False, "whole number"),
}


def range_text(dest: str) -> str:
    """The documented range of a numeric option, e.g. ``a number of seconds from 1 to 604800``."""
    low, high, open_low, what = RANGES[dest]
    if what == "seconds":
        days = f" ({high / DAY_S:g} days)" if high >= DAY_S else ""
        return f"a number of seconds {'>' if open_low else 'from'} {low:g}{' and <=' if open_low else ' to'} {high:.0f}{days}"
    return f"a {what} from {low} to {high}"


def in_range(dest: str, value) -> bool:
    """True when ``value`` is a finite number in the range of option ``dest`` (:data:`RANGES`)."""
    low, high, open_low, _ = RANGES[dest]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return False
    if isinstance(value, float) and not math.isfinite(value):
        return False
    return (value > low if open_low else value >= low) and value <= high


def prog() -> str:
    """The command as the user typed it (``python -m pipeline.run`` or ``morocco-news run``)."""
    from pipeline.tools.errors import shown_prog

    return shown_prog(PROG)


class OptionsError(ValueError):
    """A bad command line, phrased as what to fix (one line)."""


class HelpRequested(Exception):
    """``--help`` (or ``--help-beam``): the text to print, then exit 0."""


class NewsOptions(PipelineOptions):
    """Options of the batch and streaming job; every Beam option passes through too."""

    @classmethod
    def _add_argparse_args(cls, parser):
        src = parser.add_argument_group("what to read")
        src.add_argument("--config", dest="config", default=None,
                         help="feeds YAML (default: the shipped configs/feeds.yaml)")
        src.add_argument("--feed", dest="feed", action="append", default=None, metavar="URL",
                         help="ad-hoc feed URL; repeatable; replaces the config's feed list")
        src.add_argument("--sample", dest="sample", action="store_true", default=False,
                         help="serve the bundled sample site on 127.0.0.1 and run on it (offline)")
        src.add_argument("--sample-port", dest="sample_port", type=int, default=8765, metavar="PORT",
                         help="with --sample: loopback port of the sample site, 0-65535 (default 8765, fixed so "
                              "that reruns recognise its stories; 0 = any free port)")
        src.add_argument("--allow-private-hosts", dest="allow_private_hosts", action="store_true",
                         default=False,
                         help="allow fetching from loopback/private addresses (off by default: SSRF guard)")
        out = parser.add_argument_group("where to write")
        out.add_argument("--warehouse", dest="warehouse", default=DEFAULT_WAREHOUSE, metavar="URI",
                         help="duckdb:///path/to/file.duckdb (default ./warehouse.duckdb) "
                              "or bigquery:PROJECT.DATASET")
        out.add_argument("--write-batch-size", dest="write_batch_size", type=int, default=500, metavar="N",
                         help="rows per warehouse write: one DuckDB transaction, one BigQuery batch, 1-100000 "
                              "(default 500)")
        out.add_argument("--run-id", dest="run_id", default=None,
                         help="identifier stored with every row (default: UTC time + random suffix)")
        run = parser.add_argument_group("how to run")
        run.add_argument("--model", dest="model", default=None, metavar="FILE",
                         help="classifier model artefact (default: the shipped configs/models/security_model.json)")
        run.add_argument("--cluster-window", dest="cluster_window", type=float, default=FOURTEEN_DAYS_S, metavar="S",
                         help="seconds after its fetch that a story's signature is kept for near-duplicate "
                              "clustering, and the largest publication gap between two copies, > 0 and <= 366 days "
                              "(default 14 days)")
        run.add_argument("--fail-on-errors", dest="fail_on_errors", action="store_true", default=False,
                         help="strict run: exit 4 when this run recorded any errors row")
        st = parser.add_argument_group("streaming (only with --streaming)")
        st.add_argument("--poll-interval", dest="poll_interval", type=float, default=600.0, metavar="S",
                        help="seconds between two polls of every feed, 1 s to 7 days (default 600)")
        st.add_argument("--duration", dest="duration", type=float, default=None, metavar="S",
                        help="stop after this many seconds, > 0 and <= 366 days (default: until Ctrl-C)")
        st.add_argument("--dedup-horizon", dest="dedup_horizon", type=float, default=FOURTEEN_DAYS_S, metavar="S",
                        help="seconds an article id is remembered for deduplication, > 0 and <= 366 days "
                             "(default 14 days)")
        st.add_argument("--allowed-lateness", dest="allowed_lateness", type=float, default=FOURTEEN_DAYS_S,
                        metavar="S", help="seconds after a write window closes that late rows are still written, "
                                          "0 to 366 days (default 14 days)")


class _StrictParser(_BeamArgumentParser):
    def error(self, message):  # argparse would print usage and exit 2
        raise OptionsError(f"{message} (see {prog()} --help)")


@functools.lru_cache(maxsize=1)
def full_parser() -> argparse.ArgumentParser:
    """A parser that knows every option of every ``PipelineOptions`` subclass (Beam's and ours)."""
    parser = _StrictParser(prog=PROG, allow_abbrev=False, add_help=False)
    classes: dict = {}
    for cls in PipelineOptions.__subclasses__():
        classes.setdefault(str(cls), cls)
    for cls in classes.values():
        cls._add_argparse_args(parser)   # noqa: SLF001 - how Beam itself collects them
    return parser


def _option_names(parser: argparse.ArgumentParser) -> list[str]:
    return [s for s in parser._option_string_actions if s.startswith("--")]   # noqa: SLF001


def suggestion(name: str, known: Iterable[str]) -> str:
    """`` (did you mean --x?)`` for the known option closest to ``name``, or ""."""
    known = list(known)
    bare = name.split("=", 1)[0]
    lookup = {k.replace("_", "-").lower(): k for k in known}
    close = difflib.get_close_matches(bare.replace("_", "-").lower(), list(lookup), n=1, cutoff=0.6)
    return f" (did you mean {lookup[close[0]]}?)" if close else ""


def given_options(argv: Iterable[str]) -> set[str]:
    """The ``dest`` of every option present in ``argv`` (flags and ``--name=value`` forms)."""
    actions = full_parser()._option_string_actions   # noqa: SLF001
    out = set()
    for arg in argv:
        if arg == "--":
            break
        if arg.startswith("--"):
            action = actions.get(arg.split("=", 1)[0])
            if action is not None:
                out.add(action.dest)
    return out


def help_text() -> str:
    """``run --help``: this pipeline's options, the Beam options it documents, the exit codes."""
    parser = argparse.ArgumentParser(
        prog=prog(), add_help=False, formatter_class=argparse.RawDescriptionHelpFormatter,
        description="The batch job (one poll of every feed) or, with --streaming, the streaming job.",
        epilog="Every other Apache Beam pipeline option is accepted and passed to the runner "
               f"({prog()} --help-beam lists them all).\n\n" + EXIT_CODES)
    parser.add_argument("-h", "--help", action="store_true", help="show this help and exit")
    parser.add_argument("--help-beam", action="store_true", help="list every Apache Beam option and exit")
    NewsOptions._add_argparse_args(parser)                    # noqa: SLF001
    streaming = [g for g in parser._action_groups if g.title and g.title.startswith("streaming")][0]  # noqa: SLF001
    actions = full_parser()._option_string_actions             # noqa: SLF001
    streaming.add_argument("--streaming", action="store_true",
                           help="run the streaming job (Beam's StandardOptions.streaming)")
    beam = parser.add_argument_group("Apache Beam options used by this command")
    for name in BEAM_OPTIONS_SHOWN:
        action = actions.get(name)
        if action is None:
            continue
        kwargs = {"help": (action.help or "").replace("%", "%%")[:240]}
        if action.nargs == 0:
            kwargs["action"] = "store_true"
        else:
            kwargs["metavar"] = action.metavar or action.dest.upper()
        beam.add_argument(name, **kwargs)
    return parser.format_help()


def beam_help_text() -> str:
    """Every option the full parser knows (Beam's and this pipeline's)."""
    parser = full_parser()
    formatter = argparse.HelpFormatter(prog=prog())
    formatter.add_usage(None, [], [])
    for group in parser._action_groups:                        # noqa: SLF001
        formatter.start_section(group.title)
        formatter.add_arguments(group._group_actions)          # noqa: SLF001
        formatter.end_section()
    return formatter.format_help()


def check_options(options: PipelineOptions, given: set[str]) -> None:
    """Values and combinations of options; OptionsError (one line) for the first problem."""
    from apache_beam.options.pipeline_options import DirectOptions, StandardOptions

    o = options.view_as(NewsOptions)
    std = options.view_as(StandardOptions)
    streaming = bool(std.streaming)
    flag = lambda dest: "--" + dest.replace("_", "-")         # noqa: E731
    if not streaming:
        extra = [d for d in STREAMING_ONLY if d in given]
        if extra:
            raise OptionsError(f"{flag(extra[0])} applies only to a streaming run: add --streaming or drop it")
    if "sample_port" in given and not o.sample:
        raise OptionsError("--sample-port applies only with --sample")
    if o.sample:
        extra = [d for d in NOT_WITH_SAMPLE if d in given]
        if extra:
            raise OptionsError(f"{flag(extra[0])} does not apply with --sample (the sample runs on its own "
                               f"feeds and allow-lists only its own server)")
    local_batch = not streaming and std.runner in (None, "DirectRunner", "direct", "FnApiRunner")
    extra = [d for d in LOCAL_BATCH_ONLY if d in given]
    if extra and not local_batch:
        raise OptionsError(f"--{extra[0]} applies only to a local batch run")
    for dest in ("poll_interval", "duration", "dedup_horizon", "allowed_lateness", "cluster_window",
                 "write_batch_size", "sample_port"):
        value = getattr(o, dest)
        if not (value is None and dest == "duration") and not in_range(dest, value):
            raise OptionsError(f"{flag(dest)} must be {range_text(dest)}, got {value!r}")
    if o.run_id is not None and not re.fullmatch(r"[A-Za-z0-9._:+-]{1,200}", o.run_id):
        raise OptionsError(f"--run-id must be 1-200 letters, digits or . _ : + -, got {o.run_id!r}")
    workers = options.view_as(DirectOptions).direct_num_workers
    if workers is not None and not in_range("direct_num_workers", workers):
        raise OptionsError(f"--direct_num_workers must be {range_text('direct_num_workers')} "
                           f"(0: one per core), got {workers}")
    if o.model is not None:
        import os

        if not os.path.exists(o.model):
            raise OptionsError(f"--model {o.model!r}: no such file")
        if not os.path.isfile(o.model):
            raise OptionsError(f"--model {o.model!r}: not a file (give the model's JSON file)")


def parse_run_args(argv: Iterable[str]) -> tuple[PipelineOptions, set[str]]:
    """``(options, given)`` for ``python -m pipeline.run`` argv; ``given`` holds the dests set on the
    command line. Raises :class:`HelpRequested` for ``--help``/``--help-beam`` and
    :class:`OptionsError` for an unknown option (with a suggestion), a bad value or an option
    that does not apply to the chosen mode."""
    argv = list(argv)
    if "-h" in argv or "--help" in argv:
        raise HelpRequested(help_text())
    if "--help-beam" in argv:
        raise HelpRequested(beam_help_text())
    parser = full_parser()
    _, unknown = parser.parse_known_args(argv)
    for arg in unknown:
        if arg == "--":
            break
        if arg.startswith("-"):
            raise OptionsError(f"unknown option {arg.split('=', 1)[0]}{suggestion(arg, _option_names(parser))} "
                               f"(see {prog()} --help)")
        raise OptionsError(f"unexpected argument {arg!r}: options start with -- (see {prog()} --help)")
    options = NewsOptions(argv)
    given = given_options(argv)
    check_options(options, given)
    return options, given
