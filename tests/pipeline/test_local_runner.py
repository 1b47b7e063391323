"""The local batch runner (pipeline.launch.local_batch_runner) and the Beam race it avoids.

docs/beam-local-runner-bugs.md: with Beam 2.77's own ``multi_threading`` mode, a bundle that
lasts over a second and emits many non-primitive elements loses blocks of them (0 of 10 runs
complete in the reproduction). Through the runner the pipeline uses, every element arrives.
"""
from __future__ import annotations

import dataclasses
import time

import apache_beam as beam
import pytest
from apache_beam.options.pipeline_options import DirectOptions, PipelineOptions
from apache_beam.testing.util import assert_that, equal_to

from pipeline.launch import LOCAL_RUNNING_MODE, NO_TIMED_FLUSH_MS, local_batch_runner


@dataclasses.dataclass(frozen=True)
class Item:
    n: int
    text: str


def _emit(_, n):
    for i in range(n):
        if i % 1000 == 0:
            time.sleep(0.01)             # one bundle that lasts seconds, like a big feed's poll
        yield ("all", Item(i, "x" * 50))


def test_a_long_bundle_of_many_objects_arrives_whole_on_the_default_local_runner():
    n = 200_000
    options = PipelineOptions([])
    runner = local_batch_runner(options)
    assert options.view_as(DirectOptions).direct_num_workers >= 1
    with beam.Pipeline(runner=runner, options=options) as p:
        got = (p | beam.Create([None]) | beam.FlatMap(_emit, n) | beam.GroupByKey()
               | beam.Map(lambda kv: (len(kv[1]), len({v.n for v in kv[1] if isinstance(v, Item)}))))
        assert_that(got, equal_to([(n, n)]))


def test_the_runner_for_each_mode():
    from apache_beam.transforms.environments import EmbeddedPythonEnvironment, EmbeddedPythonGrpcEnvironment

    # the default (BENCHMARKS.md, "Running modes"): one in-process runner thread, no gRPC data plane
    assert LOCAL_RUNNING_MODE == "in_memory"
    options = PipelineOptions([])
    runner = local_batch_runner(options)
    assert isinstance(runner._default_environment, EmbeddedPythonEnvironment)
    assert options.view_as(DirectOptions).direct_num_workers == 1

    # multi_threading on request keeps the flush-race workaround
    options = PipelineOptions(["--direct_num_workers=3", "--direct_running_mode=multi_threading"])
    runner = local_batch_runner(options, {"direct_num_workers", "direct_running_mode"})
    env = runner._default_environment
    assert isinstance(env, EmbeddedPythonGrpcEnvironment) and env.data_buffer_time_limit_ms == NO_TIMED_FLUSH_MS
    direct = options.view_as(DirectOptions)
    # cleared, or FnApiRunner.run_pipeline would swap its racy default environment back in
    assert direct.direct_num_workers == 3 and direct.direct_running_mode is None

    options = PipelineOptions(["--direct_running_mode=in_memory", "--direct_num_workers=4"])
    runner = local_batch_runner(options, {"direct_running_mode", "direct_num_workers"})
    assert isinstance(runner._default_environment, EmbeddedPythonEnvironment)
    assert options.view_as(DirectOptions).direct_num_workers == 1

    options = PipelineOptions(["--direct_running_mode=multi_threading"])
    runner = local_batch_runner(options, {"direct_running_mode"})
    assert runner._default_environment.data_buffer_time_limit_ms == NO_TIMED_FLUSH_MS

    options = PipelineOptions(["--direct_running_mode=multi_processing", "--direct_num_workers=2"])
    local_batch_runner(options, {"direct_running_mode", "direct_num_workers"})
    assert options.view_as(DirectOptions).direct_running_mode == "multi_processing"


def test_an_unknown_running_mode_is_refused():
    options = PipelineOptions([])
    options.view_as(DirectOptions).direct_running_mode = "threads"
    with pytest.raises(ValueError, match="direct_running_mode"):
        local_batch_runner(options, {"direct_running_mode"})
