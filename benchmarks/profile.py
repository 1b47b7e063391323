"""Where the pipeline's time goes: summarise a py-spy profile by stage.

``python -m benchmarks.run --profile`` records the first pipeline run with
``py-spy record --format raw --subprocesses`` (collapsed stacks, idle
threads left out) and this module attributes each sample to the innermost
stage it belongs to, then lists the busiest functions.

``python -m benchmarks.profile FILE`` prints the summary of a saved profile.
"""
from __future__ import annotations

import collections
import sys
from pathlib import Path

# (stage, substrings of a frame's "function (file:line)"); the innermost matching frame wins.
STAGES = (
    ("imports", ("_find_and_load", "importlib")),
    ("write (DuckDB)", ("write_duckdb", "warehouse_lock", "duckdb")),
    ("classify", ("transforms/classify", "transforms/features", "transforms/lexicon", "transforms/places",
                  "transforms/arabic")),
    ("language", ("transforms/language", "langdetect")),
    ("clean", ("transforms/clean", "transforms/source_boilerplate", "transforms/dates")),
    ("extract (trafilatura)", ("transforms/extract", "trafilatura", "htmldate", "courlan", "justext", "lxml")),
    ("fetch pages (HTTP)", ("transforms/fetch_pages", "transforms/http_client", "transforms/ssrf",
                            "transforms/robots", "transforms/encoding", "http/client", "socket", "ssl")),
    ("read feeds", ("transforms/read_feeds", "feedparser")),
    ("build rows", ("transforms/build_row",)),
    ("pickling / coders", ("pickle", "coder", "dill", "cloudpickle")),
    ("beam runner", ("apache_beam",)),
)


def parse_collapsed(path: Path) -> list[tuple[list[str], int]]:
    out = []
    for line in Path(path).read_text(encoding="utf-8", errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if stack and count.isdigit():
            out.append((stack.split(";"), int(count)))
    return out


# Innermost frames of a thread that is blocked, not computing (py-spy still samples
# some of them: a thread waiting on a lock or a pipe holds no GIL but is "active").
WAITING = ("Condition.wait", "Event.wait", "Lock.acquire", "_PollLikeSelector.select", "select (",
           "_serve (grpc", "channel_spin", "Connection._recv", "Connection.recv", "Connection._send",
           "SocketIO.readinto", "_wait_for_tstate_lock", "time.sleep", "Queue.get", "_worker (concurrent")


def process_of(frames: list[str]) -> str:
    procs = [f for f in frames if f.startswith("process ")]
    if not procs:
        return "main"
    pid, _, cmd = procs[-1].partition(":")
    parts = cmd.strip('" \n').split()
    if "-m" in parts[:-1]:
        return "-m " + parts[parts.index("-m") + 1]
    return " ".join(parts)[:60] or pid


def stage_of(frames: list[str]) -> str:
    if frames and any(w in frames[-1] for w in WAITING):
        return "waiting (blocked threads)"
    for frame in reversed(frames):          # innermost first
        if frame.startswith(("process ", "thread ")):
            continue
        for stage, keys in STAGES:
            if any(k in frame for k in keys):
                if stage == "beam runner" and any("transforms/" in f for f in frames):
                    continue               # beam code called from inside one of our stages
                return stage
    return "other"


def summarize(path: Path, top: int = 15) -> dict:
    stacks = parse_collapsed(path)
    total = sum(c for _, c in stacks) or 1
    stages: collections.Counter = collections.Counter()
    inclusive: collections.Counter = collections.Counter()
    own: collections.Counter = collections.Counter()
    processes: collections.Counter = collections.Counter()
    for frames, count in stacks:
        stages[stage_of(frames)] += count
        processes[process_of(frames)] += count
        for f in set(frames):
            if not f.startswith(("process ", "thread ")):
                inclusive[f] += count
        own[frames[-1]] += count
    return {
        "samples": total,
        "by_stage": [(s, n, round(100 * n / total, 1)) for s, n in stages.most_common()],
        "by_process": [(p, n, round(100 * n / total, 1)) for p, n in processes.most_common(8)],
        "top_inclusive": [(f, n, round(100 * n / total, 1)) for f, n in inclusive.most_common(top)],
        "top_self": [(f, n, round(100 * n / total, 1)) for f, n in own.most_common(top)],
    }


def render(summary: dict) -> str:
    lines = [f"py-spy samples: {summary['samples']} (active threads only)", "", "by stage:"]
    lines += [f"  {pct:5.1f}%  {stage}" for stage, _, pct in summary["by_stage"]]
    if summary["by_process"]:
        lines += ["", "by process:"] + [f"  {pct:5.1f}%  {p}" for p, _, pct in summary["by_process"]]
    lines += ["", "busiest functions (self time):"]
    lines += [f"  {pct:5.1f}%  {f[:110]}" for f, _, pct in summary["top_self"]]
    return "\n".join(lines)


def main(argv=None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if not args:
        print("usage: python -m benchmarks.profile PROFILE.txt", file=sys.stderr)
        return 2
    print(render(summarize(Path(args[0]))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
