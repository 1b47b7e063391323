"""Evaluation commands.

    python -m pipeline.evaluate extraction --seeds ../shared/seeds
    python -m pipeline.evaluate classifier --data ../shared/data/hespress
    python -m pipeline.evaluate clusters --data ../shared/data/hespress

``classifier`` needs scikit-learn (``pip install '.[train]'``); without it the
command says so in one line and exits 2, like every other failure to start.
"""
from __future__ import annotations

import sys

from pipeline.tools.errors import CommandError, command, require, shown_prog

USAGE = "python -m pipeline.evaluate {extraction|classifier|clusters} [options]"


@command("evaluate")
def main(argv: list[str] | None = None) -> int:
    """Dispatch to ``extraction``, ``classifier`` or ``clusters``; exit 2 with one line for anything else."""
    argv = list(sys.argv[1:] if argv is None else argv)
    usage = shown_prog(USAGE)
    if argv and argv[0] in ("-h", "--help"):
        print(f"usage: {usage}\n\n  extraction  cleaning measured on the seed gold\n"
              f"  classifier  the classifier measured on the hand labels (needs scikit-learn)\n"
              f"  clusters    near-duplicate clustering measured on copies made from dev.jsonl")
        return 0
    if not argv or argv[0] not in ("extraction", "classifier", "clusters"):
        raise CommandError(f"choose what to evaluate: {usage}")
    if argv[0] == "extraction":
        from pipeline.tools import eval_extraction as mod
    elif argv[0] == "clusters":
        from pipeline.tools import eval_clusters as mod
    else:
        require(["sklearn"], "evaluate classifier")
        from pipeline.model import evaluate as mod
    return mod.main(argv[1:])


if __name__ == "__main__":
    sys.exit(main())
