"""Evaluation commands.

    python -m pipeline.evaluate extraction --seeds ../shared/seeds
    python -m pipeline.evaluate classifier --data ../shared/data/hespress
"""
from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] not in ("extraction", "classifier"):
        print("usage: python -m pipeline.evaluate {extraction|classifier} [options]", file=sys.stderr)
        return 2
    if argv[0] == "extraction":
        from pipeline.tools import eval_extraction as mod
    else:
        from pipeline.model import evaluate as mod
    return mod.main(argv[1:])


if __name__ == "__main__":
    sys.exit(main())
