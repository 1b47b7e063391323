"""Every numeric option of ``python -m pipeline.run`` has a documented range; anything else is one line, exit 2.

Property: for any float text (NaN, infinities, 1e12, subnormals, negative zero, ...)
and any text at all, :func:`pipeline.options.parse_run_args` either returns options
whose value lies in the option's range, or raises :class:`OptionsError` (which
``run`` turns into one line and exit 2); never another exception.
"""
from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from pipeline.options import RANGES, NewsOptions, OptionsError, in_range, parse_run_args
from pipeline.run import run

# option -> (the flag, the extra arguments it needs to apply, the type argparse converts to)
NUMERIC = {
    "poll_interval": ("--poll-interval", ["--streaming"], float),
    "duration": ("--duration", ["--streaming"], float),
    "dedup_horizon": ("--dedup-horizon", ["--streaming"], float),
    "allowed_lateness": ("--allowed-lateness", ["--streaming"], float),
    "cluster_window": ("--cluster-window", [], float),
    "write_batch_size": ("--write-batch-size", [], int),
    "sample_port": ("--sample-port", ["--sample"], int),
    "direct_num_workers": ("--direct_num_workers", [], int),
}

floats_as_text = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.floats(allow_nan=True, allow_infinity=True).map(str),
    st.floats(min_value=-1e15, max_value=1e15).map(lambda x: f"{x:.6e}"),
    st.integers(min_value=-10**20, max_value=10**20).map(str),
    st.sampled_from(["nan", "-nan", "inf", "-inf", "infinity", "1e12", "1e400", "-0.0", "0", "1_000", " 5 ", ""]),
)


def test_every_numeric_run_option_has_a_range():
    import argparse

    parser = argparse.ArgumentParser()
    NewsOptions._add_argparse_args(parser)   # noqa: SLF001
    numeric = {a.dest for a in parser._actions if a.type in (int, float)}   # noqa: SLF001
    assert numeric and numeric <= set(RANGES), f"numeric options without a range: {numeric - set(RANGES)}"
    assert set(NUMERIC) == set(RANGES)


@pytest.mark.parametrize("dest", sorted(NUMERIC))
@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.one_of(floats_as_text, st.text(max_size=12)))
def test_any_value_is_a_valid_option_or_an_options_error(dest, text):
    flag, extra, kind = NUMERIC[dest]
    try:
        options, _ = parse_run_args(extra + [f"{flag}={text}"])
    except OptionsError as exc:
        assert "\n" not in str(exc)
        return
    value = options.view_as(NewsOptions).get_all_options()[dest]
    assert in_range(dest, value), (text, value)
    assert not (isinstance(value, float) and not math.isfinite(value))


@pytest.mark.parametrize("argv, fragment", [
    (["--streaming", "--poll-interval", "1e12"], "--poll-interval must be a number of seconds from 1 to 604800"),
    (["--cluster-window", "1e12"], "--cluster-window must be a number of seconds > 0 and <= 31622400 (366 days)"),
    (["--cluster-window=inf"], "--cluster-window must be"),
    (["--cluster-window=-inf"], "--cluster-window must be"),
    (["--streaming", "--allowed-lateness=nan"], "--allowed-lateness must be"),
    (["--streaming", "--dedup-horizon", "4e7"], "--dedup-horizon must be"),
    (["--streaming", "--duration", "1e300"], "--duration must be"),
    (["--write-batch-size", "100001"], "--write-batch-size must be a whole number from 1 to 100000"),
    (["--direct_num_workers", "100000"], "--direct_num_workers must be a whole number from 0 to 1024"),
])
def test_out_of_range_values_are_one_line_and_exit_2(capsys, argv, fragment):
    assert run(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert fragment in err


@pytest.mark.parametrize("dest", sorted(NUMERIC))
def test_the_range_ends_are_accepted(dest):
    flag, extra, kind = NUMERIC[dest]
    low, high, open_low, _ = RANGES[dest]
    for value in ([high] if open_low else [low, high]):
        options, _ = parse_run_args(extra + [f"{flag}={kind(value)}"])
        assert options.view_as(NewsOptions).get_all_options()[dest] == value
    if open_low:
        with pytest.raises(OptionsError):
            parse_run_args(extra + [f"{flag}={kind(low)}"])
