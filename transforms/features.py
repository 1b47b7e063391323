"""Feature extraction shared by training (pipeline.train) and inference.

A story becomes a sparse vector:

* hashed features (``zlib.crc32`` of each stem, mixed with a per-namespace
  seed and, for bigrams, with the next stem's hash: stable across processes): title unigrams and bigrams of light stems, body unigrams and
  bigrams (first ``MAX_BODY_TOKENS`` tokens), each namespace L2-normalised
  and the title namespace up-weighted;
* dense lexicon features after the hashed block: ``log1p`` of the weighted
  lexicon hits per group in title and body, and crime/accident aggregates.

Only numbers leave this module: the model stores weights per hashed index,
never a string from the data.
"""
from __future__ import annotations

import math
import zlib

from transforms.arabic import cached_stem, normalized_tokens
from transforms.lexicon import CATEGORIES, GROUPS, Lexicon, Match

MAX_BODY_TOKENS = 600
TITLE_WEIGHT = 1.5
CRIME_GROUPS = CATEGORIES + ("justice",)
SPECIFIC = tuple(c for c in CATEGORIES if c != "policing_governance")
DENSE_NAMES = (
    [f"title:{g}" for g in GROUPS]
    + [f"body:{g}" for g in GROUPS]
    + ["title:crime", "body:crime", "title:specific", "body:specific",
       "crime_minus_accident", "title_has_crime", "title_has_accident", "bias_short"]
)
N_DENSE = len(DENSE_NAMES)

_HASH_CACHE: dict[str, int] = {}
_TITLE_SEED = 0x2545F491
_BODY_SEED = 0x6C8E9CF5
_MIX = 0x9E3779B1


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


def story_stems(title_tokens: list[str], body_tokens: list[str]) -> tuple[list[str], list[str]]:
    return _infos(title_tokens)[0], _infos(body_tokens[:MAX_BODY_TOKENS])[0]


def _namespace(seed: int, hs: list[int], mask: int, weight: float, out: dict) -> None:
    """Unigram index (h ^ seed) & mask and bigram index ((h1 * MIX + h2) ^ seed) >> 3 & mask,
    where h is :func:`stem_hash` of each stem."""
    if not hs:
        return
    idx = {(h ^ seed) & mask for h in hs}
    idx.update((((a * _MIX + b) ^ seed) >> 3) & mask for a, b in zip(hs, hs[1:]))
    v = weight / math.sqrt(len(idx))
    for i in idx:
        out[i] = out.get(i, 0.0) + v


def dense_features(m: Match) -> list[float]:
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
    return f


def featurize(title: str, text: str, lexicon: Lexicon, n_bits: int) -> tuple[dict[int, float], Match]:
    """Sparse feature dict {index: value} and the lexicon match of one story."""
    return featurize_tokens(*story_tokens(title, text), lexicon, n_bits)


def featurize_tokens(title_tokens: list[str], body_tokens: list[str], lexicon: Lexicon,
                     n_bits: int) -> tuple[dict[int, float], Match]:
    mask = (1 << n_bits) - 1
    t, th = _infos(title_tokens)
    b, bh = _infos(body_tokens[:MAX_BODY_TOKENS])
    feats: dict[int, float] = {}
    _namespace(_TITLE_SEED, th, mask, TITLE_WEIGHT, feats)
    _namespace(_BODY_SEED, bh, mask, 1.0, feats)
    m = lexicon.match(t, b)
    base = 1 << n_bits
    for j, v in enumerate(dense_features(m)):
        if v:
            feats[base + j] = v
    return feats, m


STACK_NAMES = ("m_other", "m_security", "m_accident", "title_crime", "body_crime", "title_specific",
               "body_specific", "title_accident", "body_accident", "title_non_security",
               "body_non_security", "title_policing", "body_policing")
MARGIN_CLIP = 10.0


def stack_features(margins, m: Match) -> list[float]:
    """Second-stage inputs: the text model's 3 margins (clipped, scaled) and lexicon aggregates."""
    t, b = m.title, m.body
    f = [max(-MARGIN_CLIP, min(MARGIN_CLIP, float(x))) / 5.0 for x in margins]
    f += [math.log1p(sum(t.get(g, 0.0) for g in CRIME_GROUPS)), math.log1p(sum(b.get(g, 0.0) for g in CRIME_GROUPS)),
          math.log1p(sum(t.get(g, 0.0) for g in SPECIFIC)), math.log1p(sum(b.get(g, 0.0) for g in SPECIFIC)),
          math.log1p(t.get("accident", 0.0)), math.log1p(b.get("accident", 0.0)),
          math.log1p(t.get("non_security", 0.0)), math.log1p(b.get("non_security", 0.0)),
          math.log1p(t.get("policing_governance", 0.0)), math.log1p(b.get("policing_governance", 0.0))]
    return f
