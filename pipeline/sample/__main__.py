"""``python -m pipeline.sample``: serve the sample site on 127.0.0.1 until Ctrl-C."""
import sys

from pipeline.sample.server import main

sys.exit(main())
