"""The batch and streaming pipelines translate for Dataflow (offline, no credentials).

``--runner DataflowRunner --dry_run`` runs Beam's whole Dataflow submission
path (runner API proto, Dataflow v2 adjustments, environments, the v1b3 Job
built from the options) and stops just before the API call
(``DataflowRunner.run_pipeline``: "If it is a dry run, return without
submitting the job"). That is the evidence the job would launch; the test
asserts that the job proto holds the expected transforms.
"""
from __future__ import annotations

import apache_beam as beam
import pytest
from apache_beam.options.pipeline_options import PipelineOptions
from helpers import REPO

from pipeline.config import http_settings, load_config
from pipeline.graph import GraphConfig, build
from pipeline.options import NewsOptions
from transforms.clean import load_rules
from transforms.write_bigquery import WriteToBigQueryWarehouse

DATAFLOW_ARGS = ["--runner", "DataflowRunner", "--dry_run=True", "--project", "test-project",
                 "--region", "europe-west1", "--temp_location", "gs://test-bucket/tmp",
                 "--warehouse", "bigquery:test-project.news"]


def graph_config(streaming: bool) -> GraphConfig:
    config = load_config()
    return GraphConfig(http=http_settings(config), clean_rules=load_rules(), run_id="dry-run",
                       known_ids=["a" * 40], line_history={}, streaming=streaming)


def translate(options: PipelineOptions, build_fn):
    from apache_beam.runners.dataflow.dataflow_runner import DataflowRunner

    runner = DataflowRunner()
    p = beam.Pipeline(runner=runner, options=options)
    build_fn(p)
    result = p.run()
    result.wait_until_finish()
    return runner, result


def transform_names(runner) -> set[str]:
    return {t.unique_name for t in runner.proto_pipeline.components.transforms.values()}


def test_batch_pipeline_translates_for_dataflow():
    options = NewsOptions(DATAFLOW_ARGS)
    config = load_config()
    sink = WriteToBigQueryWarehouse("test-project", "news", "dry-run", streaming=False)
    runner, result = translate(options, lambda p: build(p, beam.Create(list(config.feeds)), sink,
                                                        graph_config(False)))
    job = result.job.proto
    assert job.type.name == "JOB_TYPE_BATCH"
    names = transform_names(runner)
    for stage in ("ReadFeeds", "NewEntries", "FetchPages", "ProcessPages",
                  "ProcessPages/ExtractCleanLanguageClassify", "LearnBoilerplate", "Clusters"):
        assert stage in names, stage
    # batch writes are BigQuery load jobs
    assert any(n.startswith("Warehouse/Write_stories/BigQueryBatchFileLoads") for n in names)
    assert any(n.startswith("Warehouse/Write_errors/BigQueryBatchFileLoads") for n in names)


def test_streaming_pipeline_translates_for_dataflow():
    from pipeline.streaming import build_streaming

    options = NewsOptions(DATAFLOW_ARGS + ["--streaming", "--poll-interval", "600"])
    config = load_config()
    sink = WriteToBigQueryWarehouse("test-project", "news", "dry-run", streaming=True)
    runner, result = translate(options, lambda p: build_streaming(p, list(config.feeds), sink,
                                                                  graph_config(True), options))
    job = result.job.proto
    assert job.type.name == "JOB_TYPE_STREAMING"
    names = transform_names(runner)
    # PeriodicImpulse (not the local replay) drives the polls on Dataflow
    assert any(n.startswith("Feeds/Impulse/GenSequence") for n in names)
    assert not any("Schedule" in n or "WaitForTick" in n for n in names)
    for stage in ("Feeds/ReshuffleFeeds", "ReadFeeds/Poll", "DedupEntries/Dedup", "FetchPages",
                  "ProcessPages/ExtractCleanLanguageClassify", "Clusters"):
        assert stage in names, stage
    assert "NewEntries" not in names and "LearnBoilerplate" not in names
    # windowed writes, streaming inserts with dead letters for refused rows
    for output in ("stories", "errors", "feed_status"):
        assert f"Window{output}/FixedWindows" in names
    assert any(n.startswith("Warehouse/Write_stories/_StreamToBigQuery/StreamInsertRows") for n in names)
    assert "Warehouse/FailedRows_stories" in names
    # the stateful steps really are stateful in the proto
    stateful = [t.unique_name for t in runner.proto_pipeline.components.transforms.values()
                if t.spec.urn == "beam:transform:pardo:v1" and _has_state(t)]
    assert any(n.startswith("DedupEntries/Dedup") for n in stateful)
    assert any(n.startswith("ReadFeeds/Poll") for n in stateful)


def _has_state(transform) -> bool:
    from apache_beam.portability.api import beam_runner_api_pb2

    payload = beam_runner_api_pb2.ParDoPayload.FromString(transform.spec.payload)
    return bool(payload.state_specs)


@pytest.mark.parametrize("streaming", [False, True])
def test_dry_run_needs_no_credentials(streaming, monkeypatch):
    # The conftest guard refuses any non-loopback connection: if translation
    # needed the network (credentials, GCS, the Dataflow API) the tests above
    # would fail. Here: no Google credentials are configured at all.
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    options = NewsOptions(DATAFLOW_ARGS + (["--streaming"] if streaming else []))
    sink = WriteToBigQueryWarehouse("test-project", "news", "dry-run", streaming=streaming)
    if streaming:
        from pipeline.streaming import build_streaming

        fn = lambda p: build_streaming(p, list(load_config().feeds), sink, graph_config(True), options)  # noqa: E731
    else:
        fn = lambda p: build(p, beam.Create(list(load_config().feeds)), sink, graph_config(False))  # noqa: E731
    _, result = translate(options, fn)
    assert result.state == "DONE"


# --- the Flex Template entry point ----------------------------------------------------

def _flex_main():
    import importlib.util

    path = REPO / "deploy" / "flex_main.py"
    spec = importlib.util.spec_from_file_location("flex_main", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_every_template_parameter_maps_to_a_pipeline_flag():
    import json

    from apache_beam.options.pipeline_options import StandardOptions

    flex = _flex_main()
    meta = json.loads((REPO / "deploy" / "flex_template_metadata.json").read_text())
    samples = {"warehouse": "bigquery:p.d", "mode": "streaming", "poll_interval": "300", "duration": "60",
               "dedup_horizon": "86400", "config": "configs/feeds.yaml",
               "feeds": "https://a.invalid/rss,https://b.invalid/rss", "run_id": "r1"}
    assert {p["name"] for p in meta["parameters"]} == set(samples)
    argv = flex.translate([f"--{k}={v}" for k, v in samples.items()] + ["--temp_location=gs://b/tmp"])
    options = NewsOptions(argv)
    opts = options.view_as(NewsOptions)
    assert (opts.warehouse, opts.poll_interval, opts.duration, opts.dedup_horizon, opts.run_id) == \
        ("bigquery:p.d", 300.0, 60.0, 86400.0, "r1")
    assert opts.feed == ["https://a.invalid/rss", "https://b.invalid/rss"]
    assert options.view_as(StandardOptions).streaming is True
    assert not NewsOptions(flex.translate(["--mode=batch"])).view_as(StandardOptions).streaming
    import re

    for p in meta["parameters"]:
        for rx in p.get("regexes", []):
            assert re.fullmatch(rx, samples[p["name"]]), p["name"]
