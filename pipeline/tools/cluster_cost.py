"""What near-duplicate clustering costs: CPU per story and the memory of the signature window.

The window is what a run holds: the signatures of every story fetched in the
last 14 days. 20 outlets publishing 100 stories a day (Hespress publishes
about that many; most outlets fewer) is 28,000 stories. Beyond the dev
stories the window is filled with pastiches (one sentence from each of six
random dev stories): distinct stories with real vocabulary and some shared
sentences, so the LSH buckets and candidate counts look like those of real
news. The stories measured as new ones are left out of the window (a new
story usually has no copy yet; the evaluation set measures the copies).
"""
from __future__ import annotations

import datetime as dt
import pickle
import random
import time
import tracemalloc

from pipeline.tools.cluster_evalset import Doc, sentences
from transforms.clusters import DEFAULT_RULE, ClusterIndex, ClusterRule
from transforms.core.records import StorySignature
from transforms.signatures import DEFAULT_SCHEME, SignatureScheme, story_signature

_T0 = dt.datetime(2026, 1, 1, tzinfo=dt.timezone.utc)


def window_texts(texts: list[str], n: int, seed: int = 14) -> list[str]:
    """``n`` story texts: ``texts`` first, then pastiches of one sentence of each of six of them."""
    rng = random.Random(seed)
    split = [sentences(t) for t in texts]
    split = [s for s in split if s]
    out = list(texts[:n])
    while len(out) < n:
        out.append(" ".join(rng.choice(s) for s in rng.sample(split, 6)))
    return out


def window_stories(texts: list[str], n: int, scheme: SignatureScheme = DEFAULT_SCHEME) -> list[StorySignature]:
    """A 14-day window of ``n`` assigned stories (each its own cluster) made from ``texts``."""
    stored = []
    span = 14 * 86400 / max(1, n)
    for i, text in enumerate(window_texts(texts, n)):
        sig = story_signature(text, scheme)
        when = _T0 + dt.timedelta(seconds=i * span)
        stored.append(StorySignature(f"w{i}", "outlet", when, when, None if sig is None else sig.values,
                                     0 if sig is None else sig.shingles, cluster_id=f"w{i}",
                                     cluster_first_seen=when, numbers=None if sig is None else sig.numbers))
    return stored


def window_end() -> dt.datetime:
    """The fetch time of a story arriving just after the window of :func:`window_stories`."""
    return _T0 + dt.timedelta(days=14)


def window_cost(docs: list[Doc], n: int, rule: ClusterRule = DEFAULT_RULE,
                scheme: SignatureScheme = DEFAULT_SCHEME, probes: int = 500) -> dict:
    """Figures for a window of ``n`` stories (spread over 14 days) and ``probes`` new ones.

    ``window_mb``: memory the :class:`ClusterIndex` allocates (tracemalloc; the
    signature bytes it shares with the stored records are not counted);
    ``state_mb``: the window's records pickled (what streaming state and the
    launch read carry); ``sign_ms_per_story`` and ``assign_ms_per_story``:
    this process, one core; ``candidates_per_story``: LSH candidates verified.
    """
    rng = random.Random(5)
    probe_docs = rng.sample(docs, min(probes, len(docs)))
    probe_ids = {d.doc_id for d in probe_docs}
    stored = window_stories([d.text for d in docs if d.doc_id not in probe_ids], n, scheme)
    tracemalloc.start()
    before = tracemalloc.take_snapshot()
    index = ClusterIndex(stored, scheme=scheme, rule=rule)
    after = tracemalloc.take_snapshot()
    tracemalloc.stop()
    window_bytes = sum(s.size_diff for s in after.compare_to(before, "filename"))
    state_bytes = len(pickle.dumps(stored, protocol=pickle.HIGHEST_PROTOCOL))
    end = window_end()
    t0 = time.perf_counter()
    sigs = [story_signature(d.text, scheme) for d in probe_docs]
    sign_secs = time.perf_counter() - t0
    candidates = sum(len(index.lsh.query(s.array())) for s in sigs if s is not None)
    new = [StorySignature(f"p{i}", "outlet", end, end, None if s is None else s.values,
                          0 if s is None else s.shingles, numbers=None if s is None else s.numbers)
           for i, s in enumerate(sigs)]
    t0 = time.perf_counter()
    for s in new:
        index.assign_one(s)
    assign_secs = time.perf_counter() - t0
    return {"window_stories": n, "window_mb": window_bytes / 1e6, "state_mb": state_bytes / 1e6,
            "bytes_per_story": round((window_bytes + state_bytes) / n),
            "sign_ms_per_story": 1000 * sign_secs / len(probe_docs),
            "assign_ms_per_story": 1000 * assign_secs / len(probe_docs),
            "candidates_per_story": candidates / len(probe_docs)}

