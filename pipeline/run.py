"""Entry point: ``python -m pipeline.run [--config FILE] [--feed URL ...]
[--warehouse URI] [--sample] [--allow-private-hosts] [--streaming ...] [Beam options]``.

It only parses the options and launches (:mod:`pipeline.launch` prepares the
run, :mod:`pipeline.streaming` launches a streaming job). The exit code is
non-zero (2) only when the run itself could not happen (bad config,
warehouse unusable), never because items failed: those are rows in the
``errors`` table.
"""
from __future__ import annotations

import contextlib
import logging
import sys
from typing import Optional

from pipeline.config import ConfigError
from pipeline.launch import launch_batch, new_run_id, prepare  # noqa: F401 - new_run_id is public API
from pipeline.options import NewsOptions
from pipeline.warehouse.uri import WarehouseError


def run(argv: Optional[list[str]] = None) -> int:
    """Parse ``argv`` (default ``sys.argv[1:]``), launch, return the exit code."""
    argv = list(argv if argv is not None else sys.argv[1:])
    options = NewsOptions(argv)
    with contextlib.ExitStack() as stack:
        try:
            job = prepare(options, stack)
        except (ConfigError, WarehouseError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        if job.streaming:
            from pipeline.streaming import launch_streaming

            return launch_streaming(job)
        return launch_batch(job, argv)


def main() -> None:
    """Console entry: configure logging, run, exit with the run's code."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    sys.exit(run())


if __name__ == "__main__":
    main()
