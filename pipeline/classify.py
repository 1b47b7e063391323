"""``python -m pipeline.classify``: entry point only; the command lives in :mod:`pipeline.tools.classify_jsonl`."""
import sys

from pipeline.tools.classify_jsonl import main

if __name__ == "__main__":
    sys.exit(main())
