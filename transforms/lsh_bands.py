"""MinHash LSH banding in sorted numpy arrays: the candidate search of the clustering.

Why not ``datasketch.MinHashLSH`` (which the project used first): its
dict-of-sets storage keeps a Python ``bytes`` key and a ``set`` per band and
story, about 18 KB per story with 64 bands; the 14-day window of 20 outlets
(28,000 stories) took 501 MB, measured with ``python -m pipeline.evaluate
clusters``. The same banding in sorted arrays takes 16 bytes per band and
story (about 1 KB, 29 MB for that window) plus a radix directory over the
sorted keys (4 bytes a key), and answers a query in a few vectorised numpy
steps (binary searches over the 1.8-million-key array were a third of the
assignment time: cache misses). The sketches themselves still come from
``datasketch`` (:mod:`transforms.signatures`).

How: band ``i`` of a signature is values ``[i*rows, (i+1)*rows)``, mixed into
58 bits and tagged with the band number in the top 6 bits, so every band of
every story lives in ONE sorted ``uint64`` array (``bands <= 64``). New
stories go to a small dict first and are merged into the arrays when it
grows past a quarter of them (amortised O(log n) per insert); removed
stories are skipped at query time and dropped at the next merge. Two
stories are candidates when they share at least one band, with probability
``1 - (1 - J**rows)**bands`` for Jaccard similarity J; the 6 lost bits add
a negligible share of false candidates, which the caller verifies anyway.
"""
from __future__ import annotations

from typing import Hashable

import numpy as np

_MIX = np.array([0x9E3779B97F4A7C15, 0xC2B2AE3D27D4EB4F, 0x165667B19E3779F9, 0xD6E8FEB86659FD93,
                 0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53, 0x94D049BB133111EB, 0xBF58476D1CE4E5B9],
                dtype=np.uint64)
_LOW58 = np.uint64((1 << 58) - 1)


class BandIndex:
    """Keys with MinHash values, queryable for keys sharing at least one band.

    ``bands`` (at most 64) x ``rows`` (at most 8) must not exceed the signature
    length. Raises ValueError on other shapes.
    """

    def __init__(self, bands: int, rows: int):
        if not 1 <= bands <= 64 or not 1 <= rows <= len(_MIX):
            raise ValueError(f"bands must be 1..64 and rows 1..{len(_MIX)}, got {bands} x {rows}")
        self.bands, self.rows = bands, rows
        self._tags = np.arange(bands, dtype=np.uint64) << np.uint64(58)
        self._keys = np.empty(0, dtype=np.uint64)      # sorted band keys
        self._dir = np.zeros(2, dtype=np.int32)        # radix directory over _keys (see _build_directory)
        self._shift = np.uint64(63)
        self._slots = np.empty(0, dtype=np.int64)      # slot of each key
        self._pending: dict[int, list[int]] = {}       # band key -> slots, not merged yet
        self._pending_n = 0
        self._pending_keys: list = []                  # the same keys, one array per inserted slot
        self._slot_of: dict[Hashable, int] = {}
        self._key_of: list = []                        # slot -> key (None when removed)
        self._live = 0

    def __len__(self) -> int:
        return self._live

    def __contains__(self, key: Hashable) -> bool:
        return key in self._slot_of

    def band_keys(self, values: np.ndarray) -> np.ndarray:
        """The ``bands`` uint64 keys of one signature (band number in the top 6 bits)."""
        v = np.asarray(values, dtype=np.uint64)[: self.bands * self.rows].reshape(self.bands, self.rows)
        if v.shape[0] != self.bands:
            raise ValueError(f"a signature of {len(values)} values has fewer than {self.bands} bands")
        mixed = (v * _MIX[: self.rows]).sum(axis=1, dtype=np.uint64)
        mixed ^= mixed >> np.uint64(29)
        return self._tags | (mixed & _LOW58)

    def insert(self, key: Hashable, values: np.ndarray) -> None:
        """Index ``key`` (replacing it if present) with its signature ``values``."""
        if key in self._slot_of:
            self.remove(key)
        slot = len(self._key_of)
        self._key_of.append(key)
        self._slot_of[key] = slot
        self._live += 1
        keys = self.band_keys(values)
        for k in keys.tolist():
            self._pending.setdefault(k, []).append(slot)
        self._pending_keys.append(keys)
        self._pending_n += self.bands
        if self._pending_n > max(4096, len(self._keys) // 4):
            self._merge()

    def remove(self, key: Hashable) -> None:
        """Forget ``key`` (no error when it is absent)."""
        slot = self._slot_of.pop(key, None)
        if slot is not None:
            self._key_of[slot] = None
            self._live -= 1

    def query(self, values: np.ndarray) -> set:
        """The keys that share at least one band with ``values``."""
        q = self.band_keys(values)
        found: set[int] = set()
        if len(self._keys):
            # the directory gives each key's bucket of the sorted array (about 2 keys)
            prefix = (q >> self._shift).astype(np.int64)
            lo, hi = self._dir[prefix], self._dir[prefix + 1]
            lengths = hi - lo
            if lengths.any():
                # every position of every bucket, without a Python loop over the buckets
                pos = np.repeat(lo - np.cumsum(lengths) + lengths, lengths) + np.arange(lengths.sum())
                same = self._keys[pos] == np.repeat(q, lengths)
                found.update(self._slots[pos[same]].tolist())
        if self._pending:
            for k in q.tolist():
                found.update(self._pending.get(k, ()))
        return {self._key_of[s] for s in found if self._key_of[s] is not None}

    def compact(self) -> None:
        """Merge the pending keys now (after a bulk load, so that the next merge is far away)."""
        if self._pending_keys or len(self._key_of) != self._live:
            self._merge()

    def _merge(self) -> None:
        """Move the pending keys into the sorted arrays and drop removed stories."""
        keys = [self._keys]
        slots = [self._slots]
        if self._pending_keys:
            first = len(self._key_of) - len(self._pending_keys)     # pending slots are the newest ones
            keys.append(np.concatenate(self._pending_keys))
            slots.append(np.repeat(np.arange(first, len(self._key_of), dtype=np.int64), self.bands))
        all_keys, all_slots = np.concatenate(keys), np.concatenate(slots)
        alive = np.fromiter((k is not None for k in self._key_of), dtype=bool, count=len(self._key_of))
        keep = alive[all_slots]
        all_keys, all_slots = all_keys[keep], all_slots[keep]
        # Renumber the live slots 0..n-1 so that removed stories cost nothing after a merge.
        renumber = np.cumsum(alive, dtype=np.int64) - 1
        all_slots = renumber[all_slots]
        self._key_of = [k for k in self._key_of if k is not None]
        self._slot_of = {k: i for i, k in enumerate(self._key_of)}
        order = np.argsort(all_keys, kind="stable")
        self._keys, self._slots = all_keys[order], all_slots[order]
        self._pending, self._pending_n, self._pending_keys = {}, 0, []
        self._build_directory()

    def _build_directory(self) -> None:
        """A radix directory over the sorted keys: ``_dir[p]`` is the first position whose
        top ``bits`` bits are ``p`` (about two keys per bucket; 4 bytes a key)."""
        bits = int(min(26, max(4, np.ceil(np.log2(max(2, len(self._keys)))) - 1)))
        self._shift = np.uint64(64 - bits)
        prefixes = (self._keys >> self._shift).astype(np.int64)
        self._dir = np.searchsorted(prefixes, np.arange((1 << bits) + 1), side="left").astype(np.int32)
