"""Streaming: the event-time windows every warehouse write goes through.

Fixed windows of one poll interval; the on-time pane fires when the
watermark passes the end of the window, and rows arriving later (up to the
allowed lateness) are written in late panes of their own (discarding mode:
a pane never repeats earlier rows).
"""
from __future__ import annotations

import apache_beam as beam
from apache_beam.transforms import trigger, window
from apache_beam.utils.timestamp import Duration


class WindowForWrites(beam.PTransform):
    """Fixed event-time windows for the warehouse writes.

    The on-time pane fires when the watermark passes the end of the window;
    rows arriving later (up to ``allowed_lateness_secs``) are written in late
    panes of their own (discarding mode: a pane never repeats earlier rows).
    """

    def __init__(self, window_secs: float, allowed_lateness_secs: float):
        super().__init__()
        self.window_secs = max(1, int(window_secs))
        self.allowed_lateness_secs = int(allowed_lateness_secs)

    def expand(self, pcoll):
        return pcoll | "FixedWindows" >> beam.WindowInto(
            window.FixedWindows(self.window_secs),
            trigger=trigger.AfterWatermark(late=trigger.AfterCount(1)),
            accumulation_mode=trigger.AccumulationMode.DISCARDING,
            allowed_lateness=Duration(seconds=self.allowed_lateness_secs),
        )


def window_outputs(outputs: dict, window_secs: float, allowed_lateness_secs: float) -> dict:
    """Apply the same :class:`WindowForWrites` to every sink input."""
    return {name: pcoll | f"Window{name}" >> WindowForWrites(window_secs, allowed_lateness_secs)
            for name, pcoll in outputs.items() if pcoll is not None}
