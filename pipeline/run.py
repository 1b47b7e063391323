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
import re
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


_BUSY_LINE = re.compile(r"(warehouse \S.*? is locked by .*?\(README, 'Opening the warehouse'\))")
_RERUN = "; rows not written yet are fetched again by the next run"


def _busy_line(exc: BaseException, rerun: str = _RERUN) -> str | None:
    """The one line of a WarehouseBusy raised in a worker, found in ``exc`` (itself, or the remote
    traceback text Beam wraps it in), without Beam's ``[while running ...]``; None if absent."""
    found = _BUSY_LINE.search(str(exc))
    if found:
        return found.group(1) + rerun
    text = str(exc)
    if "WarehouseBusy" in text or "Could not set lock" in text:
        from transforms.core.duckdb_lock import describe_process, lock_holder_pid

        return (f"the warehouse stayed locked by {describe_process(lock_holder_pid(exc))} while this run "
                f"was writing{rerun}")
    return None


INTERRUPTED = ("interrupted; stories not stored yet (a batch run stores them at its end) are fetched "
               "by the next run")


def _interrupted(exc: BaseException) -> bool:
    """True when ``exc`` is Ctrl-C in disguise: with the ``in_memory`` runner the DoFns run on
    the main thread, so SIGINT raises KeyboardInterrupt inside a DoFn and Beam re-raises it
    as ``RuntimeError('KeyboardInterrupt [while running ...]')`` (Beam 2.77)."""
    seen: set[int] = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, KeyboardInterrupt) or str(exc).startswith("KeyboardInterrupt"):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


def _pipeline_failure(exc: BaseException) -> tuple[int, str]:
    """Exit code and line for an exception that escaped the running pipeline."""
    busy = _busy_line(exc)
    if busy:
        return EXIT_CANNOT_START, busy
    return 1, (f"the pipeline failed ({type(exc).__name__}): {_failure_text(str(exc))[:300]} (a bug: set "
               f"MOROCCO_NEWS_TRACEBACK=1 to see the traceback)")


_WHILE = re.compile(r"\s*\[while running '([^']*)'\]\s*$")
_ERROR_LINE = re.compile(r"^[A-Za-z_][\w.]*(Error|Exception|Exit|Interrupt)\b.*")


def _failure_text(text: str) -> str:
    """The telling line of a failure's text, with the Beam stage it happened in.

    Beam appends `` [while running 'Stage']`` to the last line; a remote failure's text
    holds a whole traceback, whose last ``SomeError: ...`` line says it; a multi-line
    message (DuckDB's ``Binder Error: ...`` / ``LINE 1: ...`` / ``^``) says it in its first
    line, not its last."""
    stage = _WHILE.search(text)
    text = _WHILE.sub("", text)
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if "Traceback (most recent call last)" in text:
        errors = [line for line in lines if _ERROR_LINE.match(line)]
        line = errors[-1] if errors else (lines[-1] if lines else "")
    else:
        line = lines[0] if lines else ""
    return f"{line} [while running '{stage.group(1)}']" if stage else line


class _NoBeamTracebacks(logging.Filter):
    """Drops the records in which Beam logs a failed bundle with its traceback (``apache_beam.*``,
    ERROR, with ``exc_info`` or a traceback in the text: one failure is logged by the runner,
    the SDK worker and each retry, ~300 lines). The failure itself reaches :func:`run`, which
    says it in one line; ``MOROCCO_NEWS_TRACEBACK=1`` keeps them."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not record.name.startswith("apache_beam") or record.levelno < logging.ERROR:
            return True
        return not (record.exc_info or "Traceback (most recent call last)" in record.getMessage())


@contextlib.contextmanager
def quiet_beam_tracebacks():
    """Install :class:`_NoBeamTracebacks` on the root handlers and on Beam's loggers for the block."""
    if os.environ.get("MOROCCO_NEWS_TRACEBACK"):
        yield
        return
    from apache_beam.runners.worker import sdk_worker

    quiet = _NoBeamTracebacks()
    targets = list(logging.getLogger().handlers) + [
        logger for name, logger in list(logging.Logger.manager.loggerDict.items())
        if name.startswith("apache_beam") and isinstance(logger, logging.Logger)]
    for target in targets:
        target.addFilter(quiet)
    # Beam 2.77's SdkWorker._execute also print()s a failed bundle's traceback to stderr before
    # logging it (sdk_worker.py, "print(traceback_string, file=sys.stderr)"); a module-level
    # ``print`` in sdk_worker shadows the builtin there, and only there, for the run.
    had_print = "print" in vars(sdk_worker)
    sdk_worker.print = _print_but_tracebacks
    try:
        yield
    finally:
        for target in targets:
            target.removeFilter(quiet)
        if not had_print:
            with contextlib.suppress(AttributeError):
                del sdk_worker.print


def _print_but_tracebacks(*args, **kwargs) -> None:
    if args and str(args[0]).startswith("Traceback (most recent call last)"):
        return
    print(*args, **kwargs)


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
            stack.enter_context(quiet_beam_tracebacks())
            job = prepare(options, stack)
            if job.streaming:
                from pipeline.streaming import launch_streaming

                return launch_streaming(job)
            return launch_batch(job, given)
        except WarehouseBusy as exc:
            print(f"error: {_busy_line(exc, rerun='') or _one_line(exc)}", file=sys.stderr)
            return EXIT_CANNOT_START
        except (OptionsError, ConfigError, WarehouseError) as exc:
            print(f"error: {_one_line(exc)}", file=sys.stderr)
            return EXIT_CANNOT_START
        except ModuleNotFoundError as exc:
            print(f"error: the run needs the Python package {exc.name!r}, which is not installed: "
                  f"reinstall the project (pip install .)", file=sys.stderr)
            return EXIT_CANNOT_START
        except KeyboardInterrupt:
            print(f"error: {INTERRUPTED}", file=sys.stderr)
            return EXIT_INTERRUPTED
        except Exception as exc:  # noqa: BLE001 - a pipeline failure is one line, not Beam's traceback
            if _interrupted(exc):
                print(f"error: {INTERRUPTED}", file=sys.stderr)
                return EXIT_INTERRUPTED
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
