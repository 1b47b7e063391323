"""``python -m pipeline.sample_server``: entry point only; the command lives in :mod:`pipeline.sample.server`."""
import sys

from pipeline.sample.server import main

if __name__ == "__main__":
    sys.exit(main())
