"""``morocco-news COMMAND [options]``: one console script for every command.

Each subcommand is the same command as its ``python -m pipeline.<name>``
entry, with the same options and exit codes:

    morocco-news run ...          python -m pipeline.run
    morocco-news extract ...      python -m pipeline.extract
    morocco-news classify ...     python -m pipeline.classify
    morocco-news reclassify ...   python -m pipeline.reclassify
    morocco-news report ...       python -m pipeline.report
    morocco-news feeds ...        python -m pipeline.feeds
    morocco-news warehouse ...    python -m pipeline.warehouse
    morocco-news evaluate ...     python -m pipeline.evaluate
    morocco-news train ...        python -m pipeline.train
    morocco-news sample ...       python -m pipeline.sample

The command modules are imported only when chosen, so ``morocco-news
classify`` does not pay for Beam's import.
"""
from __future__ import annotations

import importlib
import logging
import sys
from typing import Optional

COMMANDS = {
    "run": ("pipeline.run", "run", "the batch or streaming job"),
    "extract": ("pipeline.tools.extract_page", "main", "extract and clean one page or text"),
    "classify": ("pipeline.tools.classify_jsonl", "main", "classify JSONL stories from stdin"),
    "reclassify": ("pipeline.tools.reclassify", "main", "relabel stored stories with the current model"),
    "report": ("pipeline.report.cli", "main", "write the offline HTML report"),
    "feeds": ("pipeline.tools.feed_status", "main", "feed health"),
    "warehouse": ("pipeline.warehouse.cli", "main", "create or upgrade the warehouse"),
    "evaluate": ("pipeline.tools.evaluate", "main", "measure extraction or the classifier"),
    "train": ("pipeline.model.train", "main", "rebuild the classifier model"),
    "sample": ("pipeline.sample.server", "main", "serve the offline sample site"),
}


def usage() -> str:
    """The help text listing every subcommand."""
    width = max(map(len, COMMANDS))
    lines = ["usage: morocco-news COMMAND [options]   (morocco-news COMMAND --help for its options)", "",
             "commands:"]
    lines += [f"  {name:<{width}}  {help_}" for name, (_, _, help_) in COMMANDS.items()]
    return "\n".join(lines)


def main(argv: Optional[list[str]] = None) -> int:
    """Dispatch to a subcommand; returns its exit code (2 for an unknown command)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help"):
        print(usage())
        return 0 if argv else 2
    name, rest = argv[0], argv[1:]
    if name not in COMMANDS:
        import difflib

        close = difflib.get_close_matches(name, COMMANDS, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        print(f"error: unknown command {name!r}{hint}\n\n{usage()}", file=sys.stderr)
        return 2
    module, func, _ = COMMANDS[name]
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    from pipeline.tools import errors

    errors.INVOKED_AS = f"morocco-news {name}"      # --help and hints show what the user typed
    try:
        code = getattr(importlib.import_module(module), func)(rest)
    finally:
        errors.INVOKED_AS = None
    return int(code or 0)


def console() -> None:
    """The ``morocco-news`` console script."""
    sys.exit(main())


if __name__ == "__main__":
    console()
