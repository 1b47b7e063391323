"""MinHash signatures of story texts, for near-duplicate clustering.

A story's signature is a MinHash sketch (``datasketch``) of the set of its
word shingles: ``shingle_words`` consecutive tokens of the body text after
the project's Arabic normalisation (:func:`transforms.arabic.tokenize`:
diacritics and tatweel removed, alef/hamza, ta marbuta and alef maqsura
unified, digits made ASCII), so that a copy re-typed with other hamza forms,
diacritics or tatweel gives the same shingles. (The light clitic stemmer is
available, ``SignatureScheme(stem=True)``, but measured no better.)

The title is left out: an outlet that copies a dispatch rewrites the
headline first. A text with fewer than ``min_shingles`` shingles gets no
signature (too little to compare; the story stays a cluster of its own).

Everything here is a pure function of the text and the :class:`SignatureScheme`
(no I/O, no Beam), so it can run in any worker process. Why a library:
``datasketch`` is the maintained reference implementation of MinHash and
MinHash LSH; its ``affine32`` scheme stores 4-byte values and
:meth:`datasketch.MinHash.update_batch` hashes a whole story in one numpy
step over integer item hashes. The shingles are hashed here, from
memoised token hashes in numpy (:func:`shingle_hashes`), because hashing
every shingle string with datasketch's default SHA-1 was half of the
signing time (measured: ``benchmarks/bare.py`` stage ``cluster``).
"""
from __future__ import annotations

import base64
import functools
import zlib
from dataclasses import dataclass
from typing import Optional

import numpy as np

from transforms.arabic import cached_stem, tokenize

_DTYPE = np.dtype("<u4")          # datasketch's affine32 hash values, stored little-endian


@dataclass(frozen=True)
class SignatureScheme:
    """How signatures are made. Two signatures compare only under the same :attr:`name`.

    ``num_perm``: MinHash permutations (the Jaccard estimate's standard error is
    about ``sqrt(J (1 - J) / num_perm)``: 0.029 at J = 0.3 with 256; with 128 the
    containment estimate of two stories of very different lengths was noisy
    enough to merge five more hard-negative pairs in the evaluation);
    ``shingle_words``: tokens per shingle; ``seed``: the permutations' seed;
    ``stem``: light-stem the tokens first (off: it changed neither precision nor
    recall on the evaluation set, +-0.004, and cost 15% of the signing time);
    ``min_shingles``: below this many
    distinct shingles a text gets no signature. The defaults were chosen with
    ``python -m pipeline.evaluate clusters`` (README, "Same incident, many outlets").
    """

    num_perm: int = 256
    shingle_words: int = 3
    seed: int = 1
    stem: bool = False
    min_shingles: int = 8

    @property
    def name(self) -> str:
        """E.g. ``minhash-a32-p256-w3-s1-crc``; stored with every signature
        (``crc``: shingles hashed from CRC-32 token hashes, :func:`shingle_hashes`)."""
        return (f"minhash-a32-p{self.num_perm}-w{self.shingle_words}-s{self.seed}"
                + ("-stem" if self.stem else "") + "-crc")


DEFAULT_SCHEME = SignatureScheme()


@dataclass(frozen=True)
class Signature:
    """A story's MinHash: ``values`` are ``num_perm`` little-endian uint32 (bytes, so
    the record pickles small), ``shingles`` the number of distinct shingles it
    sketches, ``numbers`` its :func:`number_hashes` (not part of the MinHash)."""

    values: bytes
    shingles: int
    numbers: bytes = b""

    def array(self) -> np.ndarray:
        return np.frombuffer(self.values, dtype=_DTYPE)

    def encode(self) -> str:
        """Base64 text of ``values`` (how the ``story_signatures`` table stores it)."""
        return base64.b64encode(self.values).decode("ascii")

    @classmethod
    def decode(cls, text: str, shingles: int) -> "Signature":
        """The inverse of :meth:`encode`; raises ValueError on text that is not base64
        of a whole number of uint32 values."""
        raw = base64.b64decode(text.encode("ascii"), validate=True)
        if not raw or len(raw) % _DTYPE.itemsize:
            raise ValueError(f"a signature is a whole number of uint32 values, got {len(raw)} bytes")
        return cls(raw, int(shingles))


def _tokens(text: str, scheme: SignatureScheme) -> list[str]:
    tokens = tokenize(text or "")
    return [cached_stem(t) for t in tokens] if scheme.stem else tokens


def shingles(text: str, scheme: SignatureScheme = DEFAULT_SCHEME) -> set[bytes]:
    """The distinct word shingles of ``text`` (UTF-8 bytes, tokens joined by one space):
    what a signature sketches, in readable form (the signature hashes them
    without building these strings: :func:`shingle_hashes`).

    A text shorter than one shingle gives its whole token sequence as one
    shingle (or nothing when it has no token).
    """
    tokens = _tokens(text, scheme)
    k = scheme.shingle_words
    if len(tokens) < k:
        return {" ".join(tokens).encode("utf-8")} if tokens else set()
    return {" ".join(tokens[i:i + k]).encode("utf-8") for i in range(len(tokens) - k + 1)}


_TOKEN_HASHES: dict[str, int] = {}
# Odd multipliers (from splitmix64/murmur constants, cut to 32 bits) that combine
# the token hashes of one shingle, position by position.
_POSITION = np.array([0x9E3779B1, 0x85EBCA77, 0xC2B2AE3D, 0x27D4EB2F, 0x165667B1, 0xD3A2646C | 1,
                      0xFD7046C5, 0xB55A4F09], dtype=np.uint32)


def _token_hashes(tokens: list[str]) -> list[int]:
    """CRC-32 of each token's UTF-8, memoised (bounded): one dict look-up per token."""
    get = _TOKEN_HASHES.get
    out = [get(t) for t in tokens]
    if None in out:
        for i, t in enumerate(tokens):
            if out[i] is None:
                out[i] = zlib.crc32(t.encode("utf-8"))
                if len(_TOKEN_HASHES) < 500_000:
                    _TOKEN_HASHES[t] = out[i]
    return out


def shingle_hashes(text: str, scheme: SignatureScheme = DEFAULT_SCHEME) -> np.ndarray:
    """The distinct 32-bit hashes of the shingles of ``text`` (sorted ``uint32``); see
    :func:`_shingle_hashes_of`."""
    return _shingle_hashes_of(_tokens(text, scheme), scheme)


def _shingle_hashes_of(tokens: list[str], scheme: SignatureScheme) -> np.ndarray:
    """The distinct 32-bit hashes of the shingles of ``tokens`` (sorted ``uint32``).

    Each token is hashed once (CRC-32 of its UTF-8, memoised: news reuses its
    words) and a shingle's hash is ``sum(token_hash[i] * P[i])`` mod 2**32
    with fixed odd multipliers ``P``, in numpy for the whole story. This is
    four times cheaper than hashing every shingle string (SHA-1, datasketch's
    default: 0.67 ms of a story's 1.3 ms, measured); MinHash mixes the value
    again (MurmurHash3's finalizer) before permuting it, and two different
    shingles of one story collide with probability about ``n**2 / 2**33``.
    """
    if not tokens:
        return np.empty(0, dtype=np.uint32)
    k = min(scheme.shingle_words, len(tokens))
    if k > len(_POSITION):
        raise ValueError(f"shingles of more than {len(_POSITION)} words are not supported")
    h = np.array(_token_hashes(tokens), dtype=np.uint32)
    n = len(tokens) - k + 1
    combined = np.zeros(n, dtype=np.uint32)
    for i in range(k):
        combined += h[i:i + n] * _POSITION[i]
    return np.unique(combined)


@functools.lru_cache(maxsize=8)
def _permutations(num_perm: int, seed: int) -> np.ndarray:
    """datasketch's permutation parameters for (num_perm, seed), computed once per process."""
    from datasketch import MinHash     # imported on first use: datasketch pulls in scipy (~0.6 s)

    return MinHash(num_perm=num_perm, seed=seed).permutations


def sketch(hashes, scheme: SignatureScheme = DEFAULT_SCHEME) -> "MinHash":  # noqa: F821
    """A datasketch ``MinHash`` (affine32 scheme) of 32-bit item hashes (any iterable of ints)."""
    from datasketch import MinHash     # on first use, not at import (a rerun with nothing new never signs)

    m = MinHash(num_perm=scheme.num_perm, seed=scheme.seed, scheme="affine32", hashfunc=int,
                permutations=_permutations(scheme.num_perm, scheme.seed))
    items = hashes if isinstance(hashes, list) else [int(x) for x in hashes]
    if items:
        m.update_batch(items)
    return m


MAX_NUMBERS = 32


def number_hashes(text: str, limit: int = MAX_NUMBERS) -> bytes:
    """The story's numbers (tokens with a digit, after normalisation: quantities, ages,
    counts, dates) as sorted little-endian uint32 CRC-32 hashes, at most ``limit``
    (the smallest hashes: a bottom-k sample, so two texts keep the same sample
    of the numbers they share).

    Copies of one story keep its numbers; two different incidents told with
    the same formula (two seizures, two days' case counts) do not. See
    :func:`numbers_agree`.
    """
    return _numbers_of(tokenize(text or ""), limit)


def _numbers_of(tokens: list[str], limit: int = MAX_NUMBERS) -> bytes:
    found = set(_token_hashes([t for t in tokens if not t.isalpha()]))   # tokens: letters and digits only
    return np.array(sorted(found)[:limit], dtype=_DTYPE).tobytes()


def numbers_agree(a: Optional[bytes], b: Optional[bytes], min_overlap: float = 0.5, min_numbers: int = 2) -> bool:
    """Whether two stories' numbers (:func:`number_hashes`) allow them to be one story:
    True when either has fewer than ``min_numbers`` numbers (or none recorded),
    else when the share of the smaller set found in the other is at least
    ``min_overlap``. Measured on the evaluation set: 4,160 of 4,161 copies agree,
    while the day-by-day case-count bulletins of dev.jsonl, which chained into
    one 54-story cluster without this check, do not."""
    if not a or not b:
        return True
    x, y = np.frombuffer(a, dtype=_DTYPE), np.frombuffer(b, dtype=_DTYPE)
    if min(len(x), len(y)) < min_numbers:
        return True
    # both are bottom-k samples: compare within the range both samples cover
    top = min(x[-1], y[-1]) if len(x) == MAX_NUMBERS or len(y) == MAX_NUMBERS else None
    if top is not None:
        x, y = x[x <= top], y[y <= top]
        if min(len(x), len(y)) < min_numbers:
            return True
    return len(np.intersect1d(x, y, assume_unique=True)) / min(len(x), len(y)) >= min_overlap


def story_signature(text: str, scheme: SignatureScheme = DEFAULT_SCHEME) -> Optional[Signature]:
    """The :class:`Signature` of a story's body ``text`` (with its :func:`number_hashes`),
    or None when it has fewer than ``scheme.min_shingles`` distinct shingles."""
    raw = tokenize(text or "")
    tokens = [cached_stem(t) for t in raw] if scheme.stem else raw
    hashes = _shingle_hashes_of(tokens, scheme)
    if len(hashes) < scheme.min_shingles:
        return None
    m = sketch(hashes.tolist(), scheme)
    return Signature(m.hashvalues.astype(_DTYPE).tobytes(), len(hashes), _numbers_of(raw))


def jaccard(a: Signature, b: Signature) -> float:
    """Estimated Jaccard similarity of the two shingle sets (share of equal MinHash values)."""
    x, y = a.array(), b.array()
    if len(x) != len(y):
        raise ValueError("signatures of different lengths do not compare")
    return float(np.count_nonzero(x == y)) / len(x)


def containment(a: Signature, b: Signature, j: Optional[float] = None) -> float:
    """Estimated share of the *smaller* shingle set found in the other one.

    From the Jaccard estimate J and the set sizes: ``|A ∩ B| = J (|A| + |B|) / (1 + J)``,
    divided by ``min(|A|, |B|)`` and capped at 1. A trimmed copy (half the
    paragraphs of a story) has J near 0.5 but containment near 1.
    """
    j = jaccard(a, b) if j is None else j
    small = min(a.shingles, b.shingles)
    if small <= 0:
        return 0.0
    return min(1.0, j * (a.shingles + b.shingles) / (1.0 + j) / small)
