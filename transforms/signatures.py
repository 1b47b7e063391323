"""MinHash signatures of story texts, for near-duplicate clustering.

A story's signature is a MinHash sketch (``datasketch``) of the set of its
word shingles: ``shingle_words`` consecutive tokens of the body text after
the project's Arabic normalisation (:func:`transforms.arabic.tokenize`:
diacritics and tatweel removed, alef/hamza, ta marbuta and alef maqsura
unified, digits made ASCII) and the light clitic stemmer
(:func:`transforms.arabic.cached_stem`), so that ``والشرطة`` and ``الشرطة``,
or a copy re-typed with other hamza or diacritics, give the same shingles.

The title is left out: an outlet that copies a dispatch rewrites the
headline first. A text with fewer than ``min_shingles`` shingles gets no
signature (too little to compare; the story stays a cluster of its own).

Everything here is a pure function of the text and the :class:`SignatureScheme`
(no I/O, no Beam), so it can run in any worker process. Why a library:
``datasketch`` is the maintained reference implementation of MinHash and
MinHash LSH; its ``affine32`` scheme stores 4-byte values and
:meth:`datasketch.MinHash.update_batch` hashes a whole story in one numpy
step. The cost was measured (``python -m pipeline.evaluate clusters`` prints
it): well under the 10 % of the per-page CPU budget, so no home-made sketch.
"""
from __future__ import annotations

import base64
import functools
from dataclasses import dataclass
from typing import Optional

import numpy as np
from datasketch import MinHash

from transforms.arabic import cached_stem, tokenize

_DTYPE = np.dtype("<u4")          # datasketch's affine32 hash values, stored little-endian


@dataclass(frozen=True)
class SignatureScheme:
    """How signatures are made. Two signatures compare only under the same :attr:`name`.

    ``num_perm``: MinHash permutations (the Jaccard estimate's standard error is
    about ``sqrt(J (1 - J) / num_perm)``: 0.04 at J = 0.3 with 128);
    ``shingle_words``: tokens per shingle; ``seed``: the permutations' seed;
    ``stem``: light-stem the tokens first; ``min_shingles``: below this many
    distinct shingles a text gets no signature. The defaults were chosen with
    ``python -m pipeline.evaluate clusters`` (README, "Same incident, many outlets").
    """

    num_perm: int = 128
    shingle_words: int = 3
    seed: int = 1
    stem: bool = True
    min_shingles: int = 8

    @property
    def name(self) -> str:
        """E.g. ``minhash-a32-p128-w3-s1-stem``; stored with every signature."""
        return (f"minhash-a32-p{self.num_perm}-w{self.shingle_words}-s{self.seed}"
                + ("-stem" if self.stem else ""))


DEFAULT_SCHEME = SignatureScheme()


@dataclass(frozen=True)
class Signature:
    """A story's MinHash: ``values`` are ``num_perm`` little-endian uint32 (bytes, so
    the record pickles small), ``shingles`` the number of distinct shingles it sketches."""

    values: bytes
    shingles: int

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


def shingles(text: str, scheme: SignatureScheme = DEFAULT_SCHEME) -> set[bytes]:
    """The distinct word shingles of ``text`` (UTF-8 bytes, tokens joined by one space).

    A text shorter than one shingle gives its whole token sequence as one
    shingle (or nothing when it has no token).
    """
    tokens = tokenize(text or "")
    if scheme.stem:
        tokens = [cached_stem(t) for t in tokens]
    k = scheme.shingle_words
    if len(tokens) < k:
        return {" ".join(tokens).encode("utf-8")} if tokens else set()
    return {" ".join(tokens[i:i + k]).encode("utf-8") for i in range(len(tokens) - k + 1)}


@functools.lru_cache(maxsize=8)
def _permutations(num_perm: int, seed: int) -> np.ndarray:
    """datasketch's permutation parameters for (num_perm, seed), computed once per process."""
    return MinHash(num_perm=num_perm, seed=seed).permutations


def sketch(items: set[bytes], scheme: SignatureScheme = DEFAULT_SCHEME) -> MinHash:
    """A datasketch ``MinHash`` of ``items`` (affine32 scheme)."""
    m = MinHash(num_perm=scheme.num_perm, seed=scheme.seed, scheme="affine32",
                permutations=_permutations(scheme.num_perm, scheme.seed))
    if items:
        m.update_batch(sorted(items))
    return m


def story_signature(text: str, scheme: SignatureScheme = DEFAULT_SCHEME) -> Optional[Signature]:
    """The :class:`Signature` of a story's body ``text``, or None when it has fewer
    than ``scheme.min_shingles`` shingles."""
    items = shingles(text, scheme)
    if len(items) < scheme.min_shingles:
        return None
    m = sketch(items, scheme)
    return Signature(m.hashvalues.astype(_DTYPE).tobytes(), len(items))


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
