"""Minimal reproduction: Beam 2.77's multi-threaded FnApiRunner loses or corrupts elements.

    python docs/beam_flush_race_repro.py 300000                    # Beam's own multi_threading mode
    python docs/beam_flush_race_repro.py 300000 --no-timed-flush   # the workaround pipeline/launch.py uses

One bundle that lasts a few seconds emits many small non-primitive elements
(their coder is a pickle fallback: several writes per element, with Python
code in between) into a GroupByKey. With ``direct_running_mode=multi_threading``
the SDK worker's output stream is also flushed every second by a timer thread
(``data_buffer_time_limit_ms=1000``) that does not share a lock with the
bundle thread writing into it. See beam-local-runner-bugs.md for the outcomes.
Needs only apache-beam; prints what arrived.
"""
import dataclasses
import sys
import time

import apache_beam as beam
from apache_beam.options.pipeline_options import DirectOptions, PipelineOptions


@dataclasses.dataclass(frozen=True)
class Item:
    n: int
    text: str


def emit(_, n):
    for i in range(n):
        if i % 1000 == 0:
            time.sleep(0.01)          # the bundle lasts seconds, like one that fetched and parsed a feed
        yield ("all", Item(i, "x" * 50))


def count(kv, n):
    values = list(kv[1])
    good = {v.n for v in values if isinstance(v, Item)}
    print(f"received {len(good)} of {n} items; {len(values) - len(good)} values are not Items", flush=True)
    return len(good)


def main(n: int, workaround: bool) -> None:
    options = PipelineOptions(["--direct_num_workers=2"])
    if workaround:
        from apache_beam.runners.portability.fn_api_runner import FnApiRunner
        from apache_beam.transforms.environments import EmbeddedPythonGrpcEnvironment

        # Same gRPC workers, but a timed flush no bundle reaches; direct_running_mode must not say
        # multi_threading, or run_pipeline swaps the default (1 s) environment back in.
        runner = FnApiRunner(default_environment=EmbeddedPythonGrpcEnvironment(data_buffer_time_limit_ms=2**31 - 1))
        options.view_as(DirectOptions).direct_running_mode = None
    else:
        runner = "FnApiRunner"
        options.view_as(DirectOptions).direct_running_mode = "multi_threading"
    started = time.time()
    with beam.Pipeline(runner=runner, options=options) as p:
        p | beam.Create([None]) | beam.FlatMap(emit, n) | beam.GroupByKey() | beam.Map(count, n)
    print(f"{time.time() - started:.1f}s")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 300_000, "--no-timed-flush" in sys.argv)
