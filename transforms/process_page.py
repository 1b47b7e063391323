"""The fused per-page stage: a fetched page -> its finished ``stories`` row, in one worker.

Extraction, cleaning, language detection, classification, the row, its
near-duplicate signature and the page's candidate lines for learned
boilerplate are all pure per-story CPU work. Run as separate Beam stages they
ran in the Beam process under one interpreter lock (with HTTP, coders and
the sink), while only extraction ran in a child process: the Beam process was
the bottleneck (BENCHMARKS.md, issue 17). Here one :class:`PageWorker` does
them all, in the order the design card gives::

    page -> extract -> [line keys] -> clean -> language -> classify -> row -> signature

and :class:`transforms.process_pages.ProcessPagesFn` runs that worker in a long-lived child process per
DoFn instance (one per core with the local runner), behind the hard per-page
time limit of :mod:`transforms.guarded_process`. The Beam process keeps HTTP,
bookkeeping (counters, dead letters) and writing.

Each step is still the stage module's own pure function, looked up when it is
called (``transforms.extract.extract_article``, ``transforms.clean.clean_article``,
``transforms.language.detect_language``, ``SecurityClassifier.classify``,
``transforms.build_row.build_row``, ``transforms.cluster_rows.signature_of_row``,
``transforms.source_boilerplate`` line keys), and each is guarded on its own:
a failure becomes one dead letter naming that stage (``extract``, ``clean``,
``language``, ``classify``, ``build_row``, ``cluster``, ``learn_boilerplate``)
exactly as the separate stages gave it. A page that overruns the time limit
is named by the step it was in (:func:`transforms.guarded_process.note`).

Heavy objects are built once per worker, never per page: the trafilatura
settings, the classifier (model, lexicon, gazetteer), the clean rules and the
learned boilerplate lines known at launch travel once to the child inside its
factory (:func:`page_worker`).
"""
from __future__ import annotations

import dataclasses
import functools
from typing import Optional
from dataclasses import dataclass, field


from transforms import build_row as _build_row
from transforms import clean as _clean
from transforms import cluster_rows as _cluster_rows
from transforms import extract as _extract
from transforms import language as _language
from transforms import source_boilerplate as _lines
from transforms.clean_rules import CleanRules
from transforms.core import schema
from transforms.core.deadletter import dead_letter
from transforms.core.records import Page, StorySignature
from transforms.guarded_process import note
from transforms.signatures import DEFAULT_SCHEME, SignatureScheme

STEPS = ("extract", "learn_boilerplate", "clean", "language", "classify", "build_row", "cluster")


@dataclass(frozen=True)
class PageWork:
    """What a page worker needs, loaded once at launch (no file is read per page).

    ``learned``: source -> frozenset of learned boilerplate line keys (from
    ``source_lines`` at launch); ``lexicon``/``gazetteer``: loaded objects (None:
    the shipped ones); ``model_path``: the classifier artefact (None: the
    shipped one), read once per worker; ``line_keys``: emit the page's
    candidate lines for learning (batch only); ``run_id``: stamped on rows.
    """

    clean_rules: CleanRules
    run_id: str
    learned: dict = field(default_factory=dict)
    lexicon: object = None
    gazetteer: object = None
    model_path: Optional[str] = None
    line_keys: bool = True
    scheme: SignatureScheme = DEFAULT_SCHEME


@dataclass
class PageOutcome:
    """What one page gave: the row and its signature (None when a stage stopped it),
    the line-count items for learned boilerplate, the dead letters (each names its
    stage) and the counter increments ``(namespace, name) -> n`` for the Beam process."""

    row: Optional[dict] = None
    signature: Optional[StorySignature] = None
    line_items: list = field(default_factory=list)
    errors: list = field(default_factory=list)          # ErrorRecords
    counters: dict = field(default_factory=dict)

    def count(self, namespace: str, name: str, n: int = 1) -> None:
        key = (namespace, name)
        self.counters[key] = self.counters.get(key, 0) + n


class PageWorker:
    """``worker(page) -> PageOutcome``: every per-story step for one fetched page.

    Built once per worker process (or per DoFn instance in-process): the
    trafilatura settings, the classifier and langdetect's profiles are loaded
    here. Never raises for a page: every failure is a dead letter in the outcome.
    """

    def __init__(self, work: PageWork):
        from transforms.lexicon import Lexicon
        from transforms.places import Gazetteer
        from transforms.security_model import SecurityClassifier, load_model

        self.work = work
        self.extract_config = _extract.make_trafilatura_config()
        self.classifier = SecurityClassifier(load_model(work.model_path),
                                             work.lexicon if work.lexicon is not None else Lexicon.load(),
                                             work.gazetteer if work.gazetteer is not None else Gazetteer.load())
        _language.ensure_profiles()

    def __call__(self, page: Page) -> PageOutcome:
        out = PageOutcome()
        art = self._extract(page, out)
        if art is None:
            return out
        if self.work.line_keys:
            note("learn_boilerplate")
            try:
                out.line_items = list(_lines._emit(art))
            except Exception as exc:  # noqa: BLE001 - the article is still cleaned
                out.count("learn_boilerplate", "errors")
                out.errors.append(dead_letter("learn_boilerplate", art, exc))
        art = self._clean(art, out)
        if art is None:
            return out
        note("language")
        try:
            lang = _language.detect_language(f"{art.title}\n{art.text}")
        except Exception as exc:  # noqa: BLE001
            out.count("language", "errors")
            out.errors.append(dead_letter("language", art, exc))
            return out
        out.count("language", "undetermined" if lang == _language.UNDETERMINED else "detected")
        if lang == "ar":
            out.count("language", "arabic")
        art = art.replace(language=lang)
        note("classify")
        try:
            cls = self.classifier.classify(art.title, art.text, art.language)
        except Exception as exc:  # noqa: BLE001
            out.count("classify", "errors")
            out.errors.append(dead_letter("classify", art, exc, message=str(exc)))
            return out
        out.count("classify", "classified")
        if cls.is_security:
            out.count("classify", "security")
        if cls.is_accident:
            out.count("classify", "accident")
        self._row(art, cls, out)
        return out

    def _extract(self, page: Page, out: PageOutcome):
        note("extract")
        url = page.final_url or page.url
        try:
            art = _extract.extract_article(page.html, url, page.entry, config=self.extract_config,
                                           fetched_at=page.fetched_at)
            if page.url and art.url != page.url:
                art = art.replace(url=page.url)
        except Exception as exc:  # noqa: BLE001 - ExtractionError, or anything unexpected
            extract_failed(out, page, exc)
            return None
        if "feed" in (art.field_sources.get("title"), art.field_sources.get("published_at")):
            out.count("extract", "metadata_from_feed")
        out.count("extract", "articles")
        return art

    def _clean(self, art, out: PageOutcome):
        note("clean")
        try:
            cleaned = _clean.clean_article(art, self.work.clean_rules, self.work.learned.get(art.source, frozenset()))
        except Exception as exc:  # noqa: BLE001
            out.count("clean", "errors")
            out.errors.append(dead_letter("clean", art, exc, error_type="clean_error"))
            return None
        out.count("clean", "lines_removed", sum(cleaned.removed.values()) - sum(art.removed.values()))
        if not cleaned.text.strip():
            out.count("clean", "empty_after_cleaning")
            out.errors.append(dead_letter("clean", art, error_type="empty_after_cleaning",
                                          message=f"all lines removed: {cleaned.removed}"))
            return None
        out.count("clean", "articles_cleaned")
        return cleaned

    def _row(self, art, cls, out: PageOutcome) -> None:
        note("build_row")
        run_id = self.work.run_id
        try:
            row = _build_row.build_row(art, cls, run_id)
            schema.validate_row("stories", row)
        except Exception as exc:  # noqa: BLE001 - a row that does not fit is a dead letter
            out.errors.append(dead_letter("build_row", art, exc, message=str(exc), run_id=run_id))
            return
        out.count("build_row", "rows")
        if row["is_security"]:
            out.count("build_row", "security")
        if row["text_truncated"]:
            out.count("build_row", "truncated")
        note("cluster")
        try:
            sig = _cluster_rows.signature_of_row(row, self.work.scheme)
        except Exception as exc:  # noqa: BLE001 - the row still goes on, as a cluster of its own
            out.count("cluster", "sign_failed")
            out.errors.append(dead_letter("cluster", row, exc))
            sig = _cluster_rows.unsigned(row)
        else:
            out.count("cluster", "signed" if sig.signature is not None else "too_short")
        out.row, out.signature = row, sig


def extract_failed(out: PageOutcome, page: Page, exc: BaseException) -> None:
    """Record an extraction failure of ``page`` in ``out`` (dead letter and counters),
    as the extraction stage always has: stage ``extract``, the error's own type."""
    kind = getattr(exc, "error_type", "parse_error")
    out.count("extract", "errors")
    out.count("extract", f"error_{kind}")
    if kind == "timeout":
        out.count("extract", "timeouts")
    out.errors.append(dead_letter("extract", page, exc, error_type="parse_error", http_status=page.status))


def _make_worker(work: PageWork):
    return PageWorker(work)


def page_worker(work: PageWork):
    """The guarded child's factory for :class:`transforms.guarded_process.GuardedProcess`:
    ``page_worker(work)`` pickles by reference with ``work`` as its argument, and the
    child builds one :class:`PageWorker` from it."""
    return functools.partial(_make_worker, work)


def failed_outcome(page: Page, exc: BaseException, step: str, timeout_s: float | None) -> PageOutcome:
    """The outcome of a page whose worker overran ``timeout_s`` or died, during ``step``
    (a name from :data:`STEPS`; "" or unknown: ``extract``). A timeout is error type
    ``timeout``, a crash (the worker died twice on this page, see
    :meth:`transforms.guarded_process.GuardedPool.submit`) ``worker_crashed``."""
    from transforms.extract import ExtractionError
    from transforms.guarded_process import GuardTimeout

    step = step if step in STEPS else "extract"
    out = PageOutcome()
    if isinstance(exc, GuardTimeout):
        what = f"{step} took longer than {timeout_s:.0f}s" if timeout_s else f"{step} took too long"
        err = ExtractionError("timeout", what)
    else:
        tries = getattr(exc, "tries", 1)
        err = ExtractionError("worker_crashed", (f"page worker died during {step}"
                                                 f"{' (twice: in a fresh worker too)' if tries > 1 else ''}: "
                                                 f"{exc}")[:500])
    if step == "extract":
        extract_failed(out, page, err)
        return out
    out.count(step, "errors")
    kind = "timeout" if isinstance(exc, GuardTimeout) else "worker_crashed"
    out.errors.append(dataclasses.replace(dead_letter(step, page, err), error_type=kind))
    return out
