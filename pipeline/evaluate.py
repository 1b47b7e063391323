"""``python -m pipeline.evaluate``: entry point only; the command lives in :mod:`pipeline.tools.evaluate`."""
import sys

from pipeline.tools.evaluate import main

if __name__ == "__main__":
    sys.exit(main())
