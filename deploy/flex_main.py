"""Entry point of the Flex Template launcher image (see ../Dockerfile).

The Flex Template launcher runs ``python flex_main.py --name=value ...`` with
the template parameters (deploy/flex_template_metadata.json) plus Dataflow's
own options. This file adapts them to ``pipeline.run``:

* template parameter names use underscores (``poll_interval``); our flags use
  dashes (``--poll-interval``);
* ``mode=streaming`` becomes Beam's ``--streaming``;
* ``feeds=URL1,URL2`` becomes repeated ``--feed`` flags;
* a launcher must return as soon as the job is submitted: ``pipeline.run``
  does so for every remote runner (results land in the warehouse).
"""
from __future__ import annotations

import sys

RENAMES = {
    "poll_interval": "poll-interval",
    "dedup_horizon": "dedup-horizon",
    "write_batch_size": "write-batch-size",
    "run_id": "run-id",
    "allow_private_hosts": "allow-private-hosts",
}


def translate(argv: list[str]) -> list[str]:
    out = []
    for arg in argv:
        if not arg.startswith("--"):
            out.append(arg)
            continue
        name, sep, value = arg[2:].partition("=")
        if name == "mode":
            if value not in ("batch", "streaming"):
                raise SystemExit(f"mode must be batch or streaming, not {value!r}")
            if value == "streaming":
                out.append("--streaming")
            continue
        if name == "feeds":
            out.extend(f"--feed={u.strip()}" for u in value.split(",") if u.strip())
            continue
        name = RENAMES.get(name, name)
        out.append(f"--{name}{sep}{value}")
    return out


def main(argv=None) -> int:
    from pipeline.run import run

    return run(translate(list(sys.argv[1:] if argv is None else argv)))


if __name__ == "__main__":
    import logging

    logging.basicConfig(level=logging.INFO)
    sys.exit(main())
