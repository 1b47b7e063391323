"""``python -m pipeline.train``: entry point only; the command lives in :mod:`pipeline.model.train`."""
import sys

from pipeline.model.train import main

if __name__ == "__main__":
    sys.exit(main())
