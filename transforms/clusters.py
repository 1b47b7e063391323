"""Near-duplicate story clusters: which earlier story, if any, a new story repeats.

Outlets carry the same dispatch (a MAP wire, a DGSN communiqué, each
other's stories) with light edits. :class:`ClusterIndex` keeps the
signatures of recent stories (:mod:`transforms.signatures`) in a MinHash LSH
index (:class:`transforms.lsh_bands.BandIndex`, ``rule.lsh_bands`` bands of ``rule.lsh_rows`` values)
and assigns each new story to a cluster:

* candidates are the indexed stories that share at least one LSH band with
  it and whose ``story_time`` is within ``rule.max_gap_s`` of its own;
* a candidate *matches* when :meth:`ClusterRule.matches` says so, from the
  estimated Jaccard similarity J of the two shingle sets and the estimated
  containment C of the smaller set in the larger (a trimmed copy has a low J
  but a high C);
* the story joins the cluster of its best match (highest J, then the
  earliest story, then the smallest article id) or, without a match, founds
  a cluster named after itself.

Clusters never merge and a story's cluster never changes once assigned: a
story already in the index (re-fetched after a title change) keeps its
cluster, and a story that arrives late joins the cluster that exists even
when it was published earlier than that cluster's first story. So
``cluster_id`` is the article id of the earliest story *of the cluster as
first formed*, and ``cluster_first_seen`` that story's time.

Determinism: :meth:`ClusterIndex.assign` sorts a batch by ``(story_time,
article_id)`` before assigning it, and the index starts from the stored
window; so a batch run (one global batch) gives the same clusters however
the runner split the work, and rerunning the same input gives the same
clusters. A streaming job assigns stories as they arrive (one batch each).

The thresholds are measured by ``python -m pipeline.evaluate clusters``
(README, "Same incident, many outlets").
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Iterable, Optional

import numpy as np

from transforms.core.records import StorySignature
from transforms.lsh_bands import BandIndex
from transforms.signatures import DEFAULT_SCHEME, SignatureScheme, numbers_agree

FOURTEEN_DAYS_S = 14 * 24 * 3600.0


@dataclass(frozen=True)
class ClusterRule:
    """When two stories are copies of one story.

    A pair matches when the estimated containment of the smaller shingle set
    in the larger one is ``C >= min_containment`` and the estimated Jaccard
    similarity is ``J >= min_jaccard``: containment keeps trimmed copies and
    copies padded with another outlet's lines (low J, high C), the Jaccard
    floor keeps a short, formulaic text from being "contained" in any long
    one. ``lsh_bands`` x ``lsh_rows`` is the LSH banding over the first
    ``bands * rows`` MinHash values (it only finds candidates: a pair with
    Jaccard J is a candidate with probability ``1 - (1 - J**rows)**bands``,
    0.93 at J = 0.2 and 0.998 at J = 0.3 with 64 x 2). A match also needs the
    stories' numbers to agree (:func:`transforms.signatures.numbers_agree` with
    ``min_number_overlap``): the same template with other figures is another
    story. ``max_gap_s``: a story never joins a story, nor a cluster whose
    first story, was published further apart (seconds): clusters span at most
    that. The thresholds are the pick of ``python -m pipeline.evaluate
    clusters --sweep`` (README).
    """

    min_containment: float = 0.6
    min_jaccard: float = 0.2
    min_number_overlap: float = 0.5
    lsh_bands: int = 64
    lsh_rows: int = 2
    max_gap_s: float = FOURTEEN_DAYS_S

    def matches(self, j, c):
        """The rule for Jaccard ``j`` and containment ``c``: floats, or numpy arrays (elementwise)."""
        return (c >= self.min_containment) & (j >= self.min_jaccard)


DEFAULT_RULE = ClusterRule()


def story_order(s: StorySignature) -> tuple:
    """The order stories are assigned in: earliest ``story_time`` first, then article id."""
    return (s.story_time, s.article_id)


class ClusterIndex:
    """The signatures of recent stories and their clusters, queryable by similarity.

    ``stored``: already assigned stories (``cluster_id`` set), e.g. the
    warehouse's ``story_signatures`` of the last 14 days. Raises ValueError
    when a stored story has no cluster id.
    """

    def __init__(self, stored: Iterable[StorySignature] = (), scheme: SignatureScheme = DEFAULT_SCHEME,
                 rule: ClusterRule = DEFAULT_RULE):
        self.scheme = scheme
        self.rule = rule
        self.lsh = BandIndex(rule.lsh_bands, rule.lsh_rows)
        # Plain tuples (StorySignature fields), not StorySignature objects: CPython's
        # garbage collector stops tracking an exact tuple of plain values, so a
        # window of 28,000 stories costs nothing in a full collection (it
        # doubled one as objects, measured). Read them with get().
        self._entries: dict[str, tuple] = {}
        self._arrays: dict[str, np.ndarray] = {}     # MinHash values (views of the signature bytes)
        self._times: dict[str, float] = {}           # story_time, POSIX seconds
        for s in sorted(stored, key=story_order):
            if not s.cluster_id:
                raise ValueError(f"stored story {s.article_id} has no cluster id")
            self.add(s)
        self.lsh.compact()

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, article_id: str) -> bool:
        return article_id in self._entries

    def get(self, article_id: str) -> Optional[StorySignature]:
        """The indexed story ``article_id`` or None."""
        t = self._entries.get(article_id)
        return None if t is None else StorySignature._make(t)

    def stories(self) -> list[StorySignature]:
        """Every indexed story, in :func:`story_order`."""
        return sorted((StorySignature._make(t) for t in self._entries.values()), key=story_order)

    def add(self, s: StorySignature) -> None:
        """Index an assigned story (replacing an earlier entry with the same id)."""
        if s.article_id in self._entries:
            self.remove(s.article_id)
        self._entries[s.article_id] = tuple(s)
        if s.signature is not None:
            values = np.frombuffer(s.signature, dtype="<u4")
            if len(values) != self.scheme.num_perm:
                raise ValueError(f"signature of {s.article_id} has {len(values)} values, "
                                 f"scheme {self.scheme.name} expects {self.scheme.num_perm}")
            self._arrays[s.article_id] = values
            self._times[s.article_id] = s.story_time.timestamp()
            self.lsh.insert(s.article_id, values)

    def remove(self, article_id: str) -> None:
        self._entries.pop(article_id, None)
        self._times.pop(article_id, None)
        if self._arrays.pop(article_id, None) is not None:
            self.lsh.remove(article_id)

    def expire(self, before: dt.datetime) -> list[str]:
        """Forget the stories fetched before ``before`` (tz-aware); returns their ids, sorted."""
        fetched = StorySignature._fields.index("fetched_at")
        old = sorted(a for a, t in self._entries.items() if t[fetched] < before)
        for a in old:
            self.remove(a)
        return old

    def oldest_fetch(self) -> Optional[dt.datetime]:
        fetched = StorySignature._fields.index("fetched_at")
        return min((t[fetched] for t in self._entries.values()), default=None)

    def best_match(self, story: StorySignature) -> Optional[tuple[StorySignature, float]]:
        """The indexed story ``story`` repeats, with the estimated Jaccard similarity, or None.

        The rule is applied to all candidates at once in numpy (Jaccard from
        the equal MinHash values, containment from it and the shingle counts,
        the publication gap); only the matches are ranked in Python."""
        if story.signature is None:
            return None
        q = np.frombuffer(story.signature, dtype="<u4")
        keys = sorted(k for k in self.lsh.query(q) if k != story.article_id)
        if not keys:
            return None
        js = (np.stack([self._arrays[k] for k in keys]) == q).sum(axis=1) / float(len(q))
        shingles = StorySignature._fields.index("shingles")
        sizes = np.array([self._entries[k][shingles] for k in keys], dtype=np.float64)
        small = np.maximum(np.minimum(sizes, story.shingles), 1.0)
        cs = np.minimum(1.0, js * (sizes + story.shingles) / (1.0 + js) / small)     # see signatures.containment
        gaps = np.abs(np.array([self._times[k] for k in keys]) - story.story_time.timestamp())
        ok = self.rule.matches(js, cs) & (gaps <= self.rule.max_gap_s)
        best, best_key = None, None
        for i in np.flatnonzero(ok).tolist():
            other, j = self.get(keys[i]), float(js[i])
            founded = other.cluster_first_seen or other.story_time
            if abs((founded - story.story_time).total_seconds()) > self.rule.max_gap_s:
                continue
            if not numbers_agree(story.numbers, other.numbers, self.rule.min_number_overlap):
                continue
            rank = (-j, other.story_time, other.article_id)
            if best_key is None or rank < best_key:
                best, best_key = (other, j), rank
        return best

    def assign_one(self, story: StorySignature) -> StorySignature:
        """``story`` with its cluster (see the module doc), now indexed."""
        known = self.get(story.article_id)
        if known is not None:
            out = story._replace(cluster_id=known.cluster_id,
                                      cluster_first_seen=known.cluster_first_seen, similarity=known.similarity)
        else:
            match = self.best_match(story)
            if match is None:
                out = story._replace(cluster_id=story.article_id,
                                          cluster_first_seen=story.story_time, similarity=None)
            else:
                other, j = match
                out = story._replace(cluster_id=other.cluster_id,
                                          cluster_first_seen=other.cluster_first_seen, similarity=round(j, 4))
        self.add(out)
        return out

    def assign(self, stories: Iterable[StorySignature]) -> list[StorySignature]:
        """Assign a batch, in :func:`story_order`; returns the assigned stories in that order.

        A story given twice in one batch is assigned once (its later copy
        keeps the first one's cluster)."""
        return [self.assign_one(s) for s in sorted(stories, key=story_order)]
