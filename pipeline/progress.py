"""The progress line of a long local run.

A batch run over thousands of pages is silent for minutes otherwise. While it
runs, :class:`BatchProgress` samples the live tally of this process
(:mod:`transforms.core.tally`: pages fetched, articles extracted, stories made,
rows written, dead letters) and shows it:

* on a terminal, one line updated in place twice a second, drawn by ``tqdm``
  (a well-kept library; it handles the terminal width, ``\\r`` and the final
  newline), e.g.
  ``pages fetched 1,200 | extracted 1,180 | stories 1,150 | written 0 | 84.1 pages/s | errors 3 [00:14]``;
* off a terminal (a log file, cron, CI), the same figures as one log line every
  ``interval`` seconds (default :data:`LOG_EVERY_S`, or
  ``$MOROCCO_NEWS_PROGRESS_EVERY``), so a log is not flooded with redraws.

``written`` counts ``stories`` rows the DuckDB sink committed; a batch run
writes its stories after the clustering's global step, near the end, so the
figure jumps there. The rate is articles extracted per second since the first
page was fetched.

The streaming mode logs one line per poll instead (:class:`PollLog`): each
local poll tick adds to the tally (``polls``), and the line gives what
happened since the previous poll.
"""
from __future__ import annotations

import logging
import os
import sys
import threading
import time
from typing import Optional, TextIO

from transforms.core import tally

log = logging.getLogger("pipeline.progress")
LOG_EVERY_S = 30.0
REFRESH_S = 0.5


MIN_COLUMNS = 40           # narrower terminals get the log lines instead of the redrawn line


def _columns(stream) -> int:
    """The terminal width of ``stream`` in columns; 0 when it has none or cannot say."""
    try:
        return os.get_terminal_size(stream.fileno()).columns
    except (OSError, ValueError, AttributeError):
        return 0


def _interval() -> float:
    try:
        value = float(os.environ.get("MOROCCO_NEWS_PROGRESS_EVERY", LOG_EVERY_S))
    except ValueError:
        return LOG_EVERY_S
    return value if value > 0 else LOG_EVERY_S


def progress_text(counts: dict, seconds: float) -> str:
    """The figures of one progress line, from a tally snapshot and the seconds since the
    first page was fetched (0: no rate yet)."""
    extracted = counts.get("extracted", 0)
    rate = f"{extracted / seconds:.1f} pages/s" if seconds > 0 and extracted else "- pages/s"
    return (f"pages fetched {counts.get('fetched', 0):,} | extracted {extracted:,} | "
            f"stories {counts.get('stories', 0):,} | written {counts.get('written', 0):,} | {rate} | "
            f"errors {counts.get('errors', 0):,}")


class BatchProgress:
    """Context manager: shows the progress of the run going on in this process (module docstring).

    ``stream``: where the line goes (default ``sys.stderr``); ``tty``: force the
    terminal (True) or log (False) form, default ``stream.isatty()``;
    ``interval``: seconds between log lines off a terminal.
    """

    def __init__(self, stream: Optional[TextIO] = None, tty: Optional[bool] = None,
                 interval: Optional[float] = None):
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty() if tty is None else tty
        self._forced = tty is not None
        self.interval = interval or _interval()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="progress-line", daemon=True)
        self._bar = None
        self.lines: list[str] = []        # what was shown (the last text of each redraw or log line)

    def __enter__(self) -> "BatchProgress":
        tally.reset()
        if self.tty and not self._forced and _columns(self.stream) < MIN_COLUMNS:
            self.tty = False       # a pseudo-terminal of 0 columns (some CI, docker exec -t) drew a blank line
        if self.tty:
            from tqdm import tqdm

            self._bar = tqdm(total=None, file=self.stream, bar_format="{desc} [{elapsed}]", dynamic_ncols=True,
                             leave=True, mininterval=REFRESH_S)
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._show(final=True)
        if self._bar is not None:
            self._bar.close()

    def _seconds(self, counts: dict) -> float:
        # The tally stamps the first fetch itself: sampling it only every ``interval``
        # seconds would make a run shorter than that look infinitely fast.
        first = tally.first_added("fetched", "fetch_failed")
        return time.monotonic() - first if first is not None else 0.0

    def _show(self, final: bool = False) -> None:
        counts = tally.snapshot()
        text = progress_text(counts, self._seconds(counts))
        if self._bar is not None:
            self._bar.set_description_str(text, refresh=True)
        elif final or counts:
            print(f"progress: {text}", file=self.stream, flush=True)
        self.lines.append(text)

    def _loop(self) -> None:
        wait = REFRESH_S if self.tty else self.interval
        while not self._stop.wait(wait):
            self._show()


class PollLog:
    """Streaming: one log line per poll, with what happened since the previous one.

    Call :meth:`check` often (the launcher's wait loop does, every 0.2 s); a line is
    written when the tally's ``polls`` count moves, and by :meth:`close`.
    """

    def __init__(self, feeds: int, stream: Optional[TextIO] = None):
        self.feeds = feeds
        self.stream = stream or sys.stderr
        self._seen = tally.snapshot()
        self._polls = self._seen.get("polls", 0)
        self.lines: list[str] = []

    def _line(self, counts: dict, label: str) -> None:
        delta = {k: counts.get(k, 0) - self._seen.get(k, 0) for k in
                 ("fetched", "fetch_failed", "extracted", "stories", "written", "errors")}
        text = (f"{label}: {self.feeds} feed(s); since the previous poll: pages fetched {delta['fetched']}, "
                f"extracted {delta['extracted']}, stories {delta['stories']}, written {delta['written']}, "
                f"errors {delta['errors']}")
        print(text, file=self.stream, flush=True)
        self.lines.append(text)
        self._seen = counts

    def check(self) -> None:
        counts = tally.snapshot()
        polls = counts.get("polls", 0)
        if polls != self._polls:
            self._polls = polls
            self._line(counts, f"poll {polls}")

    def close(self) -> None:
        self._line(tally.snapshot(), "stopped")
