"""The pipeline's one ``PipelineOptions`` subclass (``python -m pipeline.run`` flags).

The flag names are a contract (tests and evaluations rely on them):
``--config FILE``, ``--feed URL`` (repeatable), ``--warehouse URI``,
``--sample``, ``--allow-private-hosts``, ``--model FILE``; streaming adds Beam's
own ``--streaming`` plus ``--poll-interval``, ``--duration``,
``--dedup-horizon`` and ``--allowed-lateness`` (all in seconds).
"""
from __future__ import annotations

from apache_beam.options.pipeline_options import PipelineOptions

from pipeline.graph import FOURTEEN_DAYS_S
from pipeline.warehouse.uri import DEFAULT_WAREHOUSE


class NewsOptions(PipelineOptions):
    """Options of the batch and streaming job; every Beam option passes through too."""

    @classmethod
    def _add_argparse_args(cls, parser):
        parser.add_argument("--config", dest="config", default=None,
                            help="feeds YAML (default: the shipped configs/feeds.yaml)")
        parser.add_argument("--feed", dest="feed", action="append", default=None,
                            help="ad-hoc feed URL; repeatable; replaces the config's feed list")
        parser.add_argument("--warehouse", dest="warehouse", default=DEFAULT_WAREHOUSE,
                            help="duckdb:///path/to/file.duckdb (default ./warehouse.duckdb) "
                                 "or bigquery:PROJECT.DATASET")
        parser.add_argument("--sample", dest="sample", action="store_true", default=False,
                            help="serve the bundled sample site on 127.0.0.1 and run on it (offline)")
        parser.add_argument("--sample-port", dest="sample_port", type=int, default=8765,
                            help="loopback port of the --sample site (fixed so reruns recognise its stories)")
        parser.add_argument("--allow-private-hosts", dest="allow_private_hosts", action="store_true",
                            default=False,
                            help="allow fetching from loopback/private addresses (off by default: SSRF guard)")
        parser.add_argument("--run-id", dest="run_id", default=None,
                            help="identifier stored with every row (default: time + random suffix)")
        parser.add_argument("--model", dest="model", default=None,
                            help="classifier model artefact (default: the shipped configs/models/security_model.json)")
        parser.add_argument("--poll-interval", dest="poll_interval", type=float, default=600.0,
                            help="streaming: seconds between two polls of every feed")
        parser.add_argument("--duration", dest="duration", type=float, default=None,
                            help="streaming: stop after this many seconds (default: until Ctrl-C)")
        parser.add_argument("--dedup-horizon", dest="dedup_horizon", type=float, default=FOURTEEN_DAYS_S,
                            help="streaming: seconds an article id is remembered for deduplication")
        parser.add_argument("--allowed-lateness", dest="allowed_lateness", type=float, default=FOURTEEN_DAYS_S,
                            help="streaming: seconds after a write window closes that late rows are still written")
        parser.add_argument("--write-batch-size", dest="write_batch_size", type=int, default=500,
                            help="rows per warehouse write")
