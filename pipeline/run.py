"""Entry point: ``python -m pipeline.run [--config FILE] [--feed URL ...]
[--warehouse URI] [--sample] [--allow-private-hosts] [--fail-on-errors]
[--streaming ...] [Beam options]``.

It parses the options strictly (:func:`pipeline.options.parse_run_args`),
prepares the run (:mod:`pipeline.launch`) and launches it (batch there,
streaming in :mod:`pipeline.streaming`). Every failure to start is one line
on stderr and exit code 2; the other codes say how the run went, for
schedulers (:data:`pipeline.options.EXIT_CODES`, the README's table).
"""
from __future__ import annotations

import contextlib
import logging
import os
import sys
from typing import Optional

from pipeline.config import ConfigError
from pipeline.launch import launch_batch, new_run_id, prepare  # noqa: F401 - new_run_id is public API
from pipeline.options import HelpRequested, OptionsError, parse_run_args
from pipeline.warehouse.uri import WarehouseError
from transforms.core.duckdb_lock import WarehouseBusy

EXIT_CANNOT_START = 2
EXIT_INTERRUPTED = 130


def _one_line(exc: BaseException) -> str:
    text = " ".join(str(exc).split())
    return text or type(exc).__name__


def _pipeline_failure(exc: BaseException) -> tuple[int, str]:
    """Exit code and line for an exception that escaped the running pipeline."""
    text = str(exc)
    if "WarehouseBusy" in text or "Could not set lock" in text or "stayed locked" in text:
        return EXIT_CANNOT_START, ("the warehouse stayed locked by another process while this run was writing; "
                                   "rows not written yet will be fetched again by the next run")
    last = [line.strip() for line in text.splitlines() if line.strip()]
    return 1, f"the pipeline failed ({type(exc).__name__}): {last[-1][:300] if last else ''} (this is a bug)"


def run(argv: Optional[list[str]] = None) -> int:
    """Parse ``argv`` (default ``sys.argv[1:]``), launch, return the exit code (never raises,
    except SystemExit from nothing; Ctrl-C during a batch run returns 130)."""
    argv = list(argv if argv is not None else sys.argv[1:])
    try:
        options, given = parse_run_args(argv)
    except HelpRequested as shown:
        print(str(shown))
        return 0
    except (OptionsError, ConfigError, WarehouseError) as exc:
        print(f"error: {_one_line(exc)}", file=sys.stderr)
        return EXIT_CANNOT_START
    with contextlib.ExitStack() as stack:
        try:
            job = prepare(options, stack)
            if job.streaming:
                from pipeline.streaming import launch_streaming

                return launch_streaming(job)
            return launch_batch(job, given)
        except (OptionsError, ConfigError, WarehouseError, WarehouseBusy) as exc:
            print(f"error: {_one_line(exc)}", file=sys.stderr)
            return EXIT_CANNOT_START
        except ModuleNotFoundError as exc:
            print(f"error: the run needs the Python package {exc.name!r}, which is not installed: "
                  f"reinstall the project (pip install .)", file=sys.stderr)
            return EXIT_CANNOT_START
        except KeyboardInterrupt:
            print("error: interrupted; rows already written stay, the next run fetches the rest", file=sys.stderr)
            return EXIT_INTERRUPTED
        except Exception as exc:  # noqa: BLE001 - a pipeline failure is one line, not Beam's traceback
            from pipeline.tools.errors import cloud_setup_error

            if os.environ.get("MOROCCO_NEWS_TRACEBACK"):
                raise
            cloud = cloud_setup_error(exc)
            if cloud:
                print(f"error: {cloud}", file=sys.stderr)
                return EXIT_CANNOT_START
            code, line = _pipeline_failure(exc)
            print(f"error: {line}", file=sys.stderr)
            return code


def main() -> None:
    """Console entry: configure logging, run, exit with the run's code."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    try:
        code = run()
    except BrokenPipeError:            # `--help | head` closed stdout: not an error of the run
        code = 0
    sys.exit(code)


if __name__ == "__main__":
    main()
