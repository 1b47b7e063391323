"""The sorted-array LSH band index (transforms/lsh_bands.py), checked against brute force."""
from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from transforms.lsh_bands import BandIndex


def sig(seed: int, n: int = 16) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 2**32, n, dtype=np.uint64).astype(np.uint32)


def test_finds_a_story_sharing_one_band_and_not_an_unrelated_one():
    idx = BandIndex(8, 2)
    a = sig(1)
    b = sig(2)
    b[4:6] = a[4:6]                  # band 2 in common
    idx.insert("a", a)
    assert idx.query(b) == {"a"}
    assert idx.query(sig(3)) == set()
    c = sig(4)
    c[6:8] = a[4:6]                  # the same values in another band: not a shared band
    assert idx.query(c) == set()


def test_remove_replace_and_merge():
    idx = BandIndex(8, 2)
    for i in range(1000):            # 8,000 band keys: at least one merge into the arrays
        idx.insert(i, sig(i))
    assert len(idx._keys) > 0 and len(idx) == 1000
    assert idx.query(sig(5)) == {5}
    idx.remove(5)
    idx.remove("absent")             # no error
    assert idx.query(sig(5)) == set() and 5 not in idx and len(idx) == 999
    idx.insert(7, sig(99_999))       # replaced: the old values no longer find it
    assert idx.query(sig(7)) == set() and idx.query(sig(99_999)) == {7}
    for i in range(1000, 3000):
        idx.insert(i, sig(i))
    assert idx.query(sig(5)) == set() and idx.query(sig(2999)) == {2999} and idx.query(sig(10)) == {10}


def test_bad_shapes():
    with pytest.raises(ValueError):
        BandIndex(65, 2)
    with pytest.raises(ValueError):
        BandIndex(8, 0)
    with pytest.raises(ValueError):
        BandIndex(8, 2).insert("a", sig(1, n=10))


@settings(derandomize=True, max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.sampled_from(["insert", "remove"]), st.integers(0, 30),
                          st.lists(st.integers(0, 3), min_size=8, max_size=8)), max_size=120))
def test_query_equals_brute_force(ops):
    idx = BandIndex(4, 2)
    model: dict = {}
    for op, key, values in ops:
        arr = np.array(values, dtype=np.uint32)
        if op == "insert":
            idx.insert(key, arr)
            model[key] = arr
        else:
            idx.remove(key)
            model.pop(key, None)
    for probe in [np.array(v, dtype=np.uint32) for _, _, v in ops[:10]]:
        expected = {k for k, v in model.items()
                    if any((v[2 * i:2 * i + 2] == probe[2 * i:2 * i + 2]).all() for i in range(4))}
        assert idx.query(probe) == expected
