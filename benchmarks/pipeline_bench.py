"""Run the real pipeline (``python -m pipeline.run``) as a child process and
measure it: wall time, peak memory of the whole process tree, rows written.

The child gets a feeds config pointing at the benchmark server on
127.0.0.1. Politeness is switched off for that one local host
(``per_host_min_delay: 0``, wide ``per_host_concurrency``): against real
sites the one-second per-host delay is the limit, not the CPU, and the
benchmark measures the CPU.
"""
from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import yaml

from benchmarks.corpus import REPO_ROOT

BENCH_HTTP = {
    "connect_timeout": 10, "read_timeout": 30, "total_deadline": 60, "retries": 1,
    "per_host_min_delay": 0.0, "per_host_concurrency": 64,
}


def default_beam_args(workers: int) -> list[str]:
    """The local runner as ``pipeline.run`` sets it up by default (see BENCHMARKS.md, "Running modes").

    ``pipeline.run`` turns a local batch ``DirectRunner`` into the FnApiRunner in
    ``in_memory`` mode: one runner thread that fetches pages (several in flight)
    and hands them to the page workers, one process per core
    (:mod:`transforms.process_pages`). ``workers`` sets the page workers' count
    through ``--direct_num_workers``' sibling, the number of cores the pool
    sees; with the default it is every core.
    """
    return ["--runner=DirectRunner", "--direct_running_mode=in_memory"]


def write_config(path: Path, feed_urls: list[tuple[str, str, str]]) -> Path:
    """feeds YAML for the run: ``feed_urls`` holds (url, name, source)."""
    data = {"http": dict(BENCH_HTTP),
            "feeds": [{"url": u, "name": n, "source": s, "language": "ar", "respect_robots": True}
                      for u, n, s in feed_urls]}
    Path(path).write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return Path(path)


class TreeMemory:
    """Samples the summed RSS (and PSS, when readable) of a process and its descendants."""

    def __init__(self, pid: int, interval: float = 0.2):
        self.pid, self.interval = pid, interval
        self.peak_rss = self.peak_pss = 0
        self.peak_processes = 0
        self.cpu: dict[int, float] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, name="rss-sampler", daemon=True)

    def __enter__(self) -> "TreeMemory":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _tree(self) -> list[int]:
        children: dict[int, list[int]] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat", "rb") as fh:
                    stat = fh.read()
            except OSError:
                continue
            ppid = int(stat[stat.rindex(b")") + 2:].split()[1])
            children.setdefault(ppid, []).append(int(entry))
        out, todo = [], [self.pid]
        while todo:
            pid = todo.pop()
            out.append(pid)
            todo.extend(children.get(pid, ()))
        return out

    @staticmethod
    def _mem(pid: int) -> tuple[int, int]:
        rss = pss = 0
        try:
            with open(f"/proc/{pid}/smaps_rollup", "rb") as fh:
                for line in fh:
                    if line.startswith(b"Rss:"):
                        rss = int(line.split()[1]) * 1024
                    elif line.startswith(b"Pss:"):
                        pss = int(line.split()[1]) * 1024
            return rss, pss
        except OSError:
            pass
        try:
            with open(f"/proc/{pid}/statm", "rb") as fh:
                rss = int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
        except OSError:
            pass
        return rss, 0

    @staticmethod
    def _cpu(pid: int) -> float:
        """User + system CPU seconds of ``pid`` so far (0 when gone)."""
        try:
            with open(f"/proc/{pid}/stat", "rb") as fh:
                fields = fh.read().rsplit(b")", 1)[1].split()
            return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        except (OSError, IndexError, ValueError):
            return 0.0

    def cpu_by_role(self) -> dict:
        """CPU seconds by role: ``beam`` (the pipeline process) and ``workers`` (its
        children: page workers, SDK worker processes), as last sampled (up to one
        sampling interval is missed at each process's end)."""
        out = {"beam": 0.0, "workers": 0.0}
        for pid, secs in self.cpu.items():
            out["beam" if pid == self.pid else "workers"] += secs
        return {k: round(v, 2) for k, v in out.items()}

    def sample(self) -> None:
        pids = self._tree()
        rss = pss = 0
        for pid in pids:
            r, p = self._mem(pid)
            rss, pss = rss + r, pss + p
            self.cpu[pid] = max(self.cpu.get(pid, 0.0), self._cpu(pid))
        self.peak_rss = max(self.peak_rss, rss)
        self.peak_pss = max(self.peak_pss, pss)
        self.peak_processes = max(self.peak_processes, len(pids))

    def _loop(self) -> None:
        while not self._stop.is_set():
            if os.path.isdir("/proc"):
                self.sample()
            self._stop.wait(self.interval)


def run_pipeline(config: Path, warehouse: Path, run_id: str, beam_args: list[str],
                 log_path: Path, timeout: float = 3600, profile: str | None = None,
                 workers: int | None = None) -> dict:
    """One ``python -m pipeline.run`` over the benchmark feeds; returns timings, CPU and memory.
    ``workers``: page workers (``$MOROCCO_NEWS_PAGE_WORKERS``; None: one per core)."""
    cmd = [sys.executable, "-m", "pipeline.run", "--config", str(config), "--warehouse", f"duckdb:///{warehouse}",
           "--allow-private-hosts", "--run-id", run_id, *beam_args]
    if profile:     # py-spy record: sampling profile of the whole tree, collapsed stacks
        spy = Path(sys.executable).with_name("py-spy")
        cmd = [str(spy if spy.exists() else "py-spy"), "record"] + ([] if os.environ.get("SPY_NOSUB") else ["--subprocesses"]) + ["--format", "raw",
               "--rate", "50", "-o", profile, "--"] + cmd
    env = dict(os.environ, PYTHONPATH=str(REPO_ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""))
    if workers:
        env["MOROCCO_NEWS_PAGE_WORKERS"] = str(workers)
    start = time.perf_counter()
    with open(log_path, "w", encoding="utf-8") as log:
        proc = subprocess.Popen(cmd, cwd=REPO_ROOT, stdout=log, stderr=subprocess.STDOUT, env=env)
        with TreeMemory(proc.pid) as mem:
            try:
                rc = proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                rc = proc.wait()
    seconds = time.perf_counter() - start
    tail = Path(log_path).read_text(encoding="utf-8", errors="replace")[-3000:]
    return {"seconds": seconds, "returncode": rc, "peak_rss_bytes": mem.peak_rss, "peak_pss_bytes": mem.peak_pss,
            "peak_processes": mem.peak_processes, "cpu_seconds": mem.cpu_by_role(), "beam_args": beam_args, "log_tail": tail}


def warehouse_counts(warehouse: Path, run_id: str) -> dict:
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        one = lambda sql, *a: con.execute(sql, list(a)).fetchone()[0]  # noqa: E731
        return {
            "rows_this_run": one("SELECT count(*) FROM stories WHERE run_id = ?", run_id),
            "rows_total": one("SELECT count(*) FROM stories"),
            "arabic": one("SELECT count(*) FROM stories WHERE run_id = ? AND language = 'ar'", run_id),
            "security": one("SELECT count(*) FROM stories WHERE run_id = ? AND is_security", run_id),
            "errors": dict(con.execute("SELECT stage || ':' || error_type, count(*) FROM errors WHERE run_id = ? "
                                       "GROUP BY 1 ORDER BY 2 DESC", [run_id]).fetchall()),
        }
    finally:
        con.close()
