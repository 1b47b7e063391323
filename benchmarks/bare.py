"""Reference measurements without Beam: the bare loop, classification alone,
and trafilatura's own command line.

The bare loop does, per page, exactly the pure work of the pipeline's
stages (the pipeline's own page worker: extraction, the candidate lines for
learned boilerplate, cleaning, language detection, classification, the row
and its near-duplicate signature) in plain Python on a ``multiprocessing``
pool, reading the pages from disk. It is the
physical limit the pipeline is compared with: no HTTP, no Beam, no
serialisation beyond one small result tuple per page. Pool start-up and the
workers' model loading happen before the clock starts.
"""
from __future__ import annotations

import multiprocessing as mp
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

_STATE: dict = {}


@dataclass(frozen=True)
class Job:
    path: str
    url: str
    feed_url: str
    source: str
    title: str
    summary: str
    published: str           # ISO 8601


def _init_worker() -> None:
    from transforms.clean import load_rules
    from transforms.process_page import PageWork, PageWorker

    # the pipeline's own page worker, built as a local batch run builds it
    _STATE["worker"] = PageWorker(PageWork(clean_rules=load_rules(), run_id="bare", learned={}))


def _ready(_: int) -> int:
    time.sleep(0.2)          # keeps each worker busy so that every one of them answers
    return os.getpid()


def job_page(job: Job):
    """The :class:`transforms.core.records.Page` the pipeline would have fetched for ``job``."""
    import datetime as dt

    from transforms.core.records import FeedEntry, Page

    html = Path(job.path).read_text(encoding="utf-8")
    entry = FeedEntry(feed_url=job.feed_url, source=job.source, link=job.url, title=job.title,
                      summary=job.summary, guid=job.url, feed_language="ar",
                      published=dt.datetime.fromisoformat(job.published).astimezone(dt.timezone.utc))
    return Page(entry=entry, url=job.url, final_url=job.url, status=200, html=html)


def process_page(job: Job) -> tuple:
    """(status, language, is_security) for one page; status is "ok" or the first error's type.

    Runs the pipeline's own :class:`transforms.process_page.PageWorker`, i.e. exactly
    the per-page work of the pipeline's stages: extraction, the candidate lines for
    learned boilerplate, cleaning, language, classification, the row and its
    near-duplicate signature."""
    out = _STATE["worker"](job_page(job))
    if out.row is None:
        return (out.errors[0].error_type if out.errors else "error", "", None)
    return ("ok", out.row["language"], out.row["is_security"])


def bare_loop(jobs: list[Job], workers: int) -> dict:
    """Run :func:`process_page` over ``jobs`` on ``workers`` processes; time the work only."""
    ctx = mp.get_context("spawn")      # the parent runs server threads: never fork it
    with ctx.Pool(workers, initializer=_init_worker) as pool:
        pids = set(pool.map(_ready, range(workers * 4), chunksize=1))   # every initializer has run
        start = time.perf_counter()
        results = pool.map(process_page, jobs, chunksize=max(1, min(16, len(jobs) // (workers * 8) or 1)))
        seconds = time.perf_counter() - start
    ok = [r for r in results if r[0] == "ok"]
    errors: dict = {}
    for r in results:
        if r[0] != "ok":
            errors[r[0]] = errors.get(r[0], 0) + 1
    return {"seconds": seconds, "pages": len(jobs), "stories": len(ok), "workers": workers,
            "worker_pids": len(pids), "arabic": sum(1 for r in ok if r[1] == "ar"),
            "security": sum(1 for r in ok if r[2]), "errors": errors,
            "stories_per_s": len(ok) / seconds if seconds else 0.0}


def classify_alone(stories, min_seconds: float = 2.0) -> dict:
    """Single-process classification of (title, text) pairs: stories per second on one core.

    Repeats the list until at least ``min_seconds`` have passed so the figure is stable.
    """
    from transforms.security_model import SecurityClassifier

    clf = SecurityClassifier.load()
    clf.classify(stories[0][0], stories[0][1], "ar")            # warm caches
    done, start = 0, time.perf_counter()
    security = 0
    while True:
        for title, text in stories:
            security += bool(clf.classify(title, text, "ar").is_security)
        done += len(stories)
        elapsed = time.perf_counter() - start
        if elapsed >= min_seconds:
            break
    return {"seconds": elapsed, "stories": done, "distinct": len(stories),
            "security_share": security / done if done else 0.0,
            "stories_per_s_per_core": done / elapsed if elapsed else 0.0}


def trafilatura_command() -> list[str]:
    exe = Path(sys.executable).with_name("trafilatura")
    if exe.exists():
        return [str(exe)]
    found = shutil.which("trafilatura")
    return [found] if found else [sys.executable, "-m", "trafilatura.cli"]


def trafilatura_cli(input_dir: Path, output_dir: Path, workers: int, timeout: float = 1800) -> dict:
    """``trafilatura --input-dir IN --output-dir OUT --parallel K``, timed from the outside."""
    output_dir = Path(output_dir)
    if output_dir.exists():
        shutil.rmtree(output_dir)
    pages = sum(1 for _ in Path(input_dir).glob("*.html"))
    cmd = trafilatura_command() + ["--input-dir", str(input_dir), "--output-dir", str(output_dir),
                                   "--parallel", str(workers)]
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    seconds = time.perf_counter() - start
    outputs = sum(1 for p in output_dir.rglob("*") if p.is_file()) if output_dir.exists() else 0
    return {"seconds": seconds, "pages": pages, "stories": outputs, "workers": workers,
            "returncode": proc.returncode, "command": " ".join(cmd[:1] + ["--parallel", str(workers)]),
            "stderr_tail": proc.stderr[-500:], "stories_per_s": outputs / seconds if seconds else 0.0}


def stage_breakdown(jobs: list[Job], limit: int = 200) -> dict:
    """Milliseconds per page of each stage, in this process, over the first ``limit`` pages.

    ``trafilatura_default`` is ``trafilatura.extract(html)`` with its defaults,
    which is roughly what the CLI does per file: the reference for the
    extraction stage's own overhead (metadata, page checks, our parse).
    ``lines`` is the page's candidate lines for learned boilerplate, ``row`` the
    stories row (built and validated), ``sign`` its near-duplicate signature
    (these three run in the page worker too); ``assign`` is the clustering's
    assignment against a full 14-day window of 28,000 stories (20 outlets x 100
    a day: the other dev stories and pastiches of them, see
    pipeline/tools/cluster_cost.py; built before the clock starts), which runs
    in the Beam process's global step, not in the worker.
    """
    import trafilatura

    from pipeline.tools.cluster_cost import window_end, window_stories
    from transforms import build_row, cluster_rows, source_boilerplate
    from transforms.clean import clean_article
    from transforms.clusters import ClusterIndex
    from transforms.core import schema
    from transforms.extract import ExtractionError, extract_article
    from transforms.language import detect_language

    from benchmarks.corpus import load_stories

    if "worker" not in _STATE:
        _init_worker()
    worker = _STATE["worker"]
    measured = {j.title for j in jobs[:limit]}
    window = ClusterIndex(window_stories(["\n".join(s.paragraphs) for s in load_stories(4200)
                                          if s.title not in measured], 28_000))
    totals = dict.fromkeys(("read", "extract", "lines", "clean", "language", "classify", "row", "sign", "assign",
                            "trafilatura_default"), 0.0)
    done = 0
    for job in jobs[:limit]:
        t = [time.perf_counter()]
        page = job_page(job)
        t.append(time.perf_counter())
        try:
            article = extract_article(page.html, job.url, page.entry, config=worker.extract_config)
        except ExtractionError:
            continue
        t.append(time.perf_counter())
        list(source_boilerplate._emit(article))
        t.append(time.perf_counter())
        article = clean_article(article, worker.work.clean_rules)
        t.append(time.perf_counter())
        language = detect_language(f"{article.title}\n{article.text}")
        article = article.replace(language=language)
        t.append(time.perf_counter())
        cls = worker.classifier.classify(article.title, article.text, language)
        t.append(time.perf_counter())
        row = build_row.build_row(article, cls, "bare")
        schema.validate_row("stories", row)
        t.append(time.perf_counter())
        sig = cluster_rows.signature_of_row(row)
        t.append(time.perf_counter())
        window.assign_one(sig._replace(story_time=window_end(), fetched_at=window_end()))
        t.append(time.perf_counter())
        trafilatura.extract(page.html, url=job.url)
        t.append(time.perf_counter())
        for key, a, b in zip(totals, t, t[1:]):
            totals[key] += b - a
        done += 1
    return {"pages": done, "ms_per_page": {k: round(1000 * v / done, 2) if done else None for k, v in totals.items()}}
