"""The one line ``pipeline.run`` prints for a pipeline failure (pipeline/run.py ``_failure_text``)."""
from __future__ import annotations

from hypothesis import given, strategies as st

from pipeline.run import _failure_text


def test_a_multi_line_message_is_told_by_its_first_line_with_the_stage():
    text = "Binder Error: column x not found\nLINE 1: SELECT x FROM t\n               ^ [while running 'Write']"
    assert _failure_text(text) == "Binder Error: column x not found [while running 'Write']"


def test_a_remote_traceback_is_told_by_its_last_error_line():
    text = ("Traceback (most recent call last):\n  File \"x.py\", line 3, in f\n    g()\n"
            "duckdb.IOException: IO Error: disk full\n [while running 'Warehouse/Stories']")
    assert _failure_text(text) == "duckdb.IOException: IO Error: disk full [while running 'Warehouse/Stories']"


def test_a_one_line_message_stays_as_it_is():
    assert _failure_text("boom [while running 'ParDo(Bad)']") == "boom [while running 'ParDo(Bad)']"
    assert _failure_text("") == ""


@given(st.text())
def test_any_text_gives_one_line(text):
    line = _failure_text(text)
    assert "\n" not in line and "\r" not in line
