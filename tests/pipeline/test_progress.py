"""Issue 17, item 5: the progress line of long local runs (figures, not timings).

The batch form on a terminal (tqdm, redrawn in place) and off one (a log line
every N seconds), fed by the live tally; the streaming form (one line per
poll); and a real sample run that logs its progress off a terminal.
"""
from __future__ import annotations

import io
import os
import re
import subprocess
import sys
import threading
import time

from helpers import REPO, free_port

from pipeline.progress import BatchProgress, PollLog, progress_text
from transforms.core import tally


def test_progress_text_gives_every_figure():
    text = progress_text({"fetched": 1200, "extracted": 1180, "stories": 1150, "written": 0, "errors": 3}, 10.0)
    assert text == ("pages fetched 1,200 | extracted 1,180 | stories 1,150 | written 0 | 118.0 pages/s | "
                    "errors 3")
    assert "- pages/s" in progress_text({}, 0.0)


def _feed_tally(stop: threading.Event):
    while not stop.is_set():
        tally.add("fetched")
        tally.add("extracted")
        tally.add("stories")
        time.sleep(0.005)


def test_off_a_terminal_it_logs_a_line_every_interval_and_a_last_line():
    out = io.StringIO()
    stop = threading.Event()
    with BatchProgress(stream=out, tty=False, interval=0.05) as progress:
        feeder = threading.Thread(target=_feed_tally, args=(stop,))
        feeder.start()
        time.sleep(0.4)
        stop.set()
        feeder.join()
        tally.add("written", 7)
        tally.add("errors", 2)
    lines = out.getvalue().splitlines()
    assert len(lines) >= 3 and all(line.startswith("progress: pages fetched ") for line in lines)
    final = tally.snapshot()
    assert f"pages fetched {final['fetched']:,}" in lines[-1] and "written 7" in lines[-1]
    assert lines[-1].endswith("errors 2") and "pages/s" in lines[-1]
    counts = [int(line.split("pages fetched ")[1].split(" ")[0].replace(",", "")) for line in lines]
    assert counts == sorted(counts)                     # figures only grow


def test_on_a_terminal_it_redraws_one_line_in_place():
    out = io.StringIO()
    with BatchProgress(stream=out, tty=True):
        tally.add("fetched", 5)
        tally.add("extracted", 4)
        time.sleep(0.7)
    raw = out.getvalue()
    assert "\r" in raw and "pages fetched 5 | extracted 4" in raw
    assert raw.count("\n") <= 1                          # redrawn in place, one line left at the end


def test_streaming_logs_one_line_per_poll():
    tally.reset()
    out = io.StringIO()
    log = PollLog(feeds=3, stream=out)
    log.check()
    assert out.getvalue() == ""                         # no poll yet
    tally.add("polls")
    tally.add("fetched", 4)
    tally.add("stories", 3)
    log.check()
    log.check()                                          # same poll: no second line
    tally.add("polls")
    tally.add("fetched", 1)
    log.check()
    log.close()
    lines = out.getvalue().splitlines()
    assert lines[0].startswith("poll 1: 3 feed(s); since the previous poll: pages fetched 4, extracted 0, stories 3")
    assert lines[1].startswith("poll 2: 3 feed(s); since the previous poll: pages fetched 1, extracted 0, stories 0")
    assert lines[2].startswith("stopped: ")
    assert len(lines) == 3


def test_a_sample_run_off_a_terminal_logs_its_progress(tmp_path):
    env = dict(os.environ, MOROCCO_NEWS_PROGRESS_EVERY="0.2")
    proc = subprocess.run([sys.executable, "-m", "pipeline.run", "--sample", "--sample-port", str(free_port()),
                           "--warehouse", f"duckdb:///{tmp_path / 'w.duckdb'}"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stderr[-2000:]
    lines = [line for line in proc.stderr.splitlines() if line.startswith("progress: ")]
    assert lines, proc.stderr[-2000:]
    # the sample: 25 pages fetched (one 404), 24 articles, one js-only page, and one feed that fails:
    # 3 dead letters, the same count as the summary's (every stage's errors, polls included)
    assert lines[-1].startswith("progress: pages fetched 25 | extracted 24 | stories 24 | written 24 | ")
    assert lines[-1].endswith("errors 3")
    assert re.search(r"^  errors +3 \(", proc.stdout, re.M), proc.stdout


def test_a_run_shorter_than_the_log_interval_gets_a_true_rate():
    # the last line of a 2-second run logged every 30 s once said "2496881208.7 pages/s":
    # the first fetch was only noticed at the final sample
    out = io.StringIO()
    with BatchProgress(stream=out, tty=False, interval=30):
        tally.add("fetched", 10)
        tally.add("extracted", 10)
        time.sleep(0.2)
    last = out.getvalue().splitlines()[-1]
    rate = float(last.split(" pages/s")[0].rsplit("| ", 1)[1])
    assert 0 < rate <= 10 / 0.2 * 1.01


def test_a_terminal_of_zero_columns_gets_the_log_lines(tmp_path):
    # `script -q -c` and some `docker exec -t` give a pty 0 columns wide: tqdm drew a blank line
    import pty

    parent, child = pty.openpty()       # a real pseudo-terminal; its size is 0 x 0 until set
    try:
        stream = os.fdopen(child, "w", closefd=False)
        assert stream.isatty()
        progress = BatchProgress(stream=stream)
        with progress:
            tally.add("fetched", 3)
        assert progress.tty is False and progress.lines
    finally:
        os.close(parent)
        os.close(child)
