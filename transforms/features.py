"""Feature extraction shared by training (``python -m pipeline.train``) and inference.

A story becomes, for each stage-1 text model, a sparse vector (a dict
``{index: value}``), described by a :class:`FeatureSpec` stored in the model
artefact:

* hashed namespaces (``zlib.crc32`` of each light stem, mixed with a
  per-namespace seed and, for bigrams, with the next stem's hash: stable across
  processes and machines): title unigrams and bigrams, body unigrams and
  bigrams (the first ``max_body_tokens`` tokens), optionally the lead (the
  first ``lead_tokens`` body tokens) and character n-grams of the words
  (``char_ngrams``, e.g. ``(3, 5)``: the stems' suffixes, which the light
  stemmer keeps, then share features). Each namespace is L2-normalised over
  its distinct indices and multiplied by its weight;
* dense features after the hashed block (:func:`dense_features`): ``log1p`` of
  the weighted lexicon hits per group in title and body, crime and accident
  aggregates, and the boundary-rule features of ``LABELING.md``
  (:func:`context_features`).

The second stage (:func:`stack_features`) sees the stage-1 margins and
lexicon aggregates, context features included.

Only numbers leave this module: the model stores weights per hashed index,
never a string from the data.
"""
from __future__ import annotations

import math
import zlib
from dataclasses import asdict, dataclass

from transforms.arabic import cached_stem, normalized_tokens
from transforms.lexicon import CATEGORIES, GROUPS, Lexicon, Match

CRIME_GROUPS = CATEGORIES + ("justice",)
SPECIFIC = tuple(c for c in CATEGORIES if c != "policing_governance")
CONTEXT_NAMES = (
    "prison", "prison_without_crime", "prison_near_crime", "emergency", "emergency_near_enforcement",
    "emergency_without_enforcement", "epidemic", "rumour", "rumour_without_crime", "foreign", "morocco",
    "foreign_without_morocco", "moroccan_places", "justice_without_crime",
)
DENSE_NAMES = tuple(
    [f"title:{g}" for g in GROUPS]
    + [f"body:{g}" for g in GROUPS]
    + ["title:crime", "body:crime", "title:specific", "body:specific",
       "crime_minus_accident", "title_has_crime", "title_has_accident", "bias_short"]
    + list(CONTEXT_NAMES)
)
N_DENSE = len(DENSE_NAMES)

_HASH_CACHE: dict[str, int] = {}
_TITLE_SEED = 0x2545F491
_BODY_SEED = 0x6C8E9CF5
_LEAD_SEED = 0x1B873593
_CHAR_SEED = 0x5BD1E995
_MIX = 0x9E3779B1


@dataclass(frozen=True)
class FeatureSpec:
    """How a story becomes the sparse vector of one stage-1 model.

    ``n_bits``: the hashed block has 2**n_bits indices; weights are the
    multipliers of each L2-normalised namespace (0 leaves it out); the lead is
    the first ``lead_tokens`` body tokens; ``char_ngrams`` is ``(min, max)``
    character n-gram length over the words of the title and the body (``()``:
    none). Stored in the artefact, so inference builds exactly what training saw.
    """

    n_bits: int = 18
    title_weight: float = 1.5
    body_weight: float = 1.0
    lead_tokens: int = 0
    lead_weight: float = 0.0
    char_ngrams: tuple = ()
    char_weight: float = 0.0
    max_body_tokens: int = 600
    dense: bool = True

    def to_dict(self) -> dict:
        d = asdict(self)
        d["char_ngrams"] = list(self.char_ngrams)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "FeatureSpec":
        """Raises TypeError on an unknown key."""
        d = dict(d)
        d["char_ngrams"] = tuple(d.get("char_ngrams") or ())
        return cls(**d)

    @property
    def dim(self) -> int:
        return (1 << self.n_bits) + (N_DENSE if self.dense else 0)


def stem_hash(s: str) -> int:
    """crc32 of the stem's UTF-8 bytes (stable across processes and machines)."""
    v = _HASH_CACHE.get(s)
    if v is None:
        v = zlib.crc32(s.encode("utf-8"))
        if len(_HASH_CACHE) < 1_000_000:
            _HASH_CACHE[s] = v
    return v


def story_tokens(title: str, text: str) -> tuple[list[str], list[str]]:
    """Normalised tokens of the title and the whole body."""
    return normalized_tokens(title), normalized_tokens(text)


_TOKEN_INFO: dict[str, tuple[str, int]] = {}


def _info(token: str) -> tuple[str, int]:
    """(light stem, stem hash) of a normalised token, memoised."""
    stem = cached_stem(token)
    info = (stem, stem_hash(stem))
    if len(_TOKEN_INFO) < 1_000_000:
        _TOKEN_INFO[token] = info
    return info


def _infos(tokens: list[str]) -> tuple[list[str], list[int]]:
    get = _TOKEN_INFO.get
    infos = [get(w) or _info(w) for w in tokens]
    return [x[0] for x in infos], [x[1] for x in infos]


def story_infos(title_tokens: list[str], body_tokens: list[str], max_body_tokens: int = 600):
    """(title stems, title stem hashes, body stems, body stem hashes), the body cut at
    ``max_body_tokens``: computed once per story, shared by matching and hashing."""
    ts, th = _infos(title_tokens)
    bs, bh = _infos(body_tokens[:max_body_tokens])
    return ts, th, bs, bh


def story_stems(title_tokens: list[str], body_tokens: list[str],
                max_body_tokens: int = 600) -> tuple[list[str], list[str]]:
    """Light stems of the title and of the first ``max_body_tokens`` body tokens."""
    return _infos(title_tokens)[0], _infos(body_tokens[:max_body_tokens])[0]


def _namespace(seed: int, hs: list[int], mask: int, bigrams: bool = True) -> set[int]:
    """Unigram index (h ^ seed) & mask and bigram index ((h1 * MIX + h2) ^ seed) >> 3 & mask,
    where h is :func:`stem_hash` of each stem: the namespace's distinct indices."""
    idx = {(h ^ seed) & mask for h in hs}
    if bigrams:
        idx.update((((a * _MIX + b) ^ seed) >> 3) & mask for a, b in zip(hs, hs[1:]))
    return idx


_CHAR_CACHES: dict[tuple[int, int, int], dict[str, tuple[int, ...]]] = {}


def char_indices(token: str, lo: int, hi: int, mask: int) -> tuple[int, ...]:
    """Hashed indices of the character n-grams (``lo``..``hi`` characters) of
    ``<token>``: ``zlib.crc32`` of each n-gram's UTF-16-LE bytes (two bytes per
    character, so n-grams are byte slices of one encoding) xor a seed, masked."""
    b = memoryview(f"<{token}>".encode("utf-16-le"))
    m = len(b) // 2
    crc = zlib.crc32
    return tuple({(crc(b[2 * i:2 * (i + n)]) ^ _CHAR_SEED) & mask
                  for n in range(lo, hi + 1) for i in range(m - n + 1)})


def char_bag(tokens, lo: int, hi: int, mask: int) -> tuple[list[str], list[tuple[int, ...]]]:
    """(distinct tokens, each one's character n-gram indices), memoised per token."""
    cache = _CHAR_CACHES.setdefault((lo, hi, mask), {})
    get = cache.get
    words = list(dict.fromkeys(tokens))
    parts = []
    for t in words:
        got = get(t)
        if got is None:
            got = char_indices(t, lo, hi, mask)
            if len(cache) < 1_000_000:
                cache[t] = got
        parts.append(got)
    return words, parts


def context_features(m: Match, moroccan_places: int) -> list[float]:
    """The boundary rules of LABELING.md as numbers (names: :data:`CONTEXT_NAMES`).

    * prisons and pardons: prison vocabulary, the same when no specific crime
      is named (score < 3), and prison vocabulary next to violence or drugs;
    * emergency rules: the vocabulary, enforcement next to it (``near``), and
      the vocabulary without any enforcement nearby; the epidemic itself;
    * rumours: denial vocabulary, and the same without any crime, fraud or
      enforcement evidence;
    * foreign news: foreign names, a Moroccan angle (Morocco, Moroccans,
      Moroccan-only institutions, ``moroccan_places`` gazetteer mentions), and
      foreign names without any Moroccan angle;
    * trials count only for crimes: court and prosecution vocabulary when no
      specific crime is named.
    """
    prison = m.score("prison")
    specific = sum(m.score(g) for g in SPECIFIC)
    near_crime = m.near.get("prison~violent_crime", 0) + m.near.get("prison~drugs", 0)
    emergency = m.score("emergency")
    near_enf = m.near.get("emergency~enforcement", 0)
    rumour = m.score("rumour")
    foreign = m.score("foreign")
    morocco = m.score("morocco") + moroccan_places
    lp = math.log1p
    return [
        lp(prison), lp(prison) if specific < 3 else 0.0, lp(near_crime),
        lp(emergency), lp(near_enf), lp(emergency) if near_enf == 0 else 0.0, lp(m.score("epidemic")),
        lp(rumour),
        lp(rumour) if specific + m.score("justice") + m.score("enforcement") < 3 else 0.0,
        lp(foreign), lp(morocco), lp(foreign) if morocco == 0 else 0.0, lp(moroccan_places),
        lp(m.score("justice")) if specific < 3 else 0.0,
    ]


def dense_features(m: Match, moroccan_places: int = 0) -> list[float]:
    """The dense block (names: :data:`DENSE_NAMES`)."""
    t, b = m.title, m.body
    f = [math.log1p(t.get(g, 0.0)) for g in GROUPS] + [math.log1p(b.get(g, 0.0)) for g in GROUPS]
    tc = sum(t.get(g, 0.0) for g in CRIME_GROUPS)
    bc = sum(b.get(g, 0.0) for g in CRIME_GROUPS)
    ts = sum(t.get(g, 0.0) for g in SPECIFIC)
    bs = sum(b.get(g, 0.0) for g in SPECIFIC)
    crime = 3 * tc + bc
    acc = m.score("accident")
    f += [math.log1p(tc), math.log1p(bc), math.log1p(ts), math.log1p(bs),
          math.log1p(crime) - math.log1p(acc), float(tc > 0), float(t.get("accident", 0.0) > 0), 1.0]
    return f + context_features(m, moroccan_places)


def match_story(title_tokens: list[str], body_tokens: list[str], lexicon: Lexicon,
                max_body_tokens: int = 600) -> Match:
    """The lexicon match of a story (title and the first ``max_body_tokens`` body tokens)."""
    t, b = story_stems(title_tokens, body_tokens, max_body_tokens)
    return lexicon.match(t, b)


def hashed_blocks(title_tokens: list[str], body_tokens: list[str], spec: FeatureSpec,
                  hashes: tuple | None = None) -> list[tuple]:
    """The hashed block of one story under ``spec``, per namespace.

    Stem namespaces give ``(indices, value, None)``: each distinct index gets the
    namespace weight over sqrt(number of indices) (L2-normalised). The
    character namespace gives ``(per-word index tuples, value, words)``: each
    distinct word adds ``value`` to each of its n-gram indices, ``value`` being
    the weight over sqrt(total n-grams), so an n-gram shared by several words
    counts once per word. Indices are < 2**n_bits; namespaces may share one.
    ``hashes``: (title, body) stem hashes from :func:`story_infos`, when already
    computed (the body's at least ``spec.max_body_tokens`` long or whole).
    """
    mask = (1 << spec.n_bits) - 1
    body = body_tokens[:spec.max_body_tokens]
    out: list[tuple] = []

    def add(idx: set, weight: float) -> None:
        if idx and weight:
            out.append((idx, weight / math.sqrt(len(idx)), None))

    if spec.title_weight or spec.body_weight or (spec.lead_tokens and spec.lead_weight):
        if hashes is None:
            th, bh = _infos(title_tokens)[1], _infos(body)[1]
        else:
            th, bh = hashes[0], hashes[1][:spec.max_body_tokens]
        if spec.title_weight:
            add(_namespace(_TITLE_SEED, th, mask), spec.title_weight)
        if spec.body_weight:
            add(_namespace(_BODY_SEED, bh, mask), spec.body_weight)
        if spec.lead_tokens and spec.lead_weight:
            add(_namespace(_LEAD_SEED, bh[:spec.lead_tokens], mask, bigrams=False), spec.lead_weight)
    if spec.char_ngrams and spec.char_weight:
        lo, hi = spec.char_ngrams
        words, parts = char_bag(title_tokens + body, lo, hi, mask)
        total = sum(len(p) for p in parts)
        if total:
            out.append((parts, spec.char_weight / math.sqrt(total), words))
    return out


def hashed_features(title_tokens: list[str], body_tokens: list[str], spec: FeatureSpec) -> dict[int, float]:
    """:func:`hashed_blocks` as one sparse vector ``{index: value}`` (shared indices add up)."""
    feats: dict[int, float] = {}
    for idx, v, words in hashed_blocks(title_tokens, body_tokens, spec):
        for i in (idx if words is None else (i for part in idx for i in part)):
            feats[i] = feats.get(i, 0.0) + v
    return feats


def featurize_tokens(title_tokens: list[str], body_tokens: list[str], m: Match, moroccan_places: int,
                     spec: FeatureSpec) -> dict[int, float]:
    """The whole sparse vector of one story under ``spec``: hashed block, then the dense block."""
    feats = hashed_features(title_tokens, body_tokens, spec)
    if spec.dense:
        base = 1 << spec.n_bits
        for j, v in enumerate(dense_features(m, moroccan_places)):
            if v:
                feats[base + j] = v
    return feats


STACK_BASE = ("title_crime", "body_crime", "title_specific", "body_specific", "title_accident",
              "body_accident", "title_non_security", "body_non_security", "title_policing", "body_policing")
MARGIN_CLIP = 10.0


def stack_names(n_models: int) -> tuple[str, ...]:
    """Names of :func:`stack_features` for ``n_models`` stage-1 models."""
    margins = [f"m{k}_{c}" for k in range(n_models) for c in ("other", "security", "accident")]
    return tuple(margins) + STACK_BASE + CONTEXT_NAMES


def stack_features(margins: list, m: Match, moroccan_places: int = 0) -> list[float]:
    """Second-stage inputs (names: :func:`stack_names`): each stage-1 model's
    (other, security, accident) margins, clipped to +-10 and divided by 5, then
    lexicon aggregates and the context features.

    ``margins``: one triple per stage-1 model, in the artefact's order.
    """
    t, b = m.title, m.body
    f = [max(-MARGIN_CLIP, min(MARGIN_CLIP, float(x))) / 5.0 for trio in margins for x in trio]
    lp = math.log1p
    f += [lp(sum(t.get(g, 0.0) for g in CRIME_GROUPS)), lp(sum(b.get(g, 0.0) for g in CRIME_GROUPS)),
          lp(sum(t.get(g, 0.0) for g in SPECIFIC)), lp(sum(b.get(g, 0.0) for g in SPECIFIC)),
          lp(t.get("accident", 0.0)), lp(b.get("accident", 0.0)),
          lp(t.get("non_security", 0.0)), lp(b.get("non_security", 0.0)),
          lp(t.get("policing_governance", 0.0)), lp(b.get("policing_governance", 0.0))]
    return f + context_features(m, moroccan_places)
