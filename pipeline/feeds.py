"""``python -m pipeline.feeds``: entry point only; the command lives in :mod:`pipeline.tools.feed_status`."""
import sys

from pipeline.tools.feed_status import main

if __name__ == "__main__":
    sys.exit(main())
