"""``python -m pipeline.extract``: entry point only; the command lives in :mod:`pipeline.tools.extract_page`."""
import sys

from pipeline.tools.extract_page import main

if __name__ == "__main__":
    sys.exit(main())
