"""``python -m pipeline.reclassify``: entry point only; the command lives in :mod:`pipeline.tools.reclassify`."""
import sys

from pipeline.tools.reclassify import main

if __name__ == "__main__":
    sys.exit(main())
