"""MinHash signatures of story texts (transforms/signatures.py). Texts are invented."""
from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from transforms.signatures import (
    DEFAULT_SCHEME,
    Signature,
    SignatureScheme,
    containment,
    jaccard,
    shingles,
    sketch,
    story_signature,
)

STORY = ("أوقفت عناصر الشرطة بمدينة سلا، صباح أمس، شخصين يشتبه في تورطهما في ترويج الأقراص المهلوسة "
         "بمحيط مؤسسة تعليمية، بعد مراقبة دامت عدة أيام. وأسفر تفتيش المشتبه فيهما عن حجز ثلاثمائة قرص "
         "مهلوس ومبلغ مالي، فيما فتح بحث قضائي تحت إشراف النيابة العامة.")
WORDS = ["الشرطة", "مدينة", "توقيف", "حجز", "كمية", "المخدرات", "شاحنة", "السائق", "البحث", "القضائي",
         "النيابة", "العامة", "مراكش", "طنجة", "أكادير", "سيارة", "مبلغ", "مالي", "الأمن", "الوطني"]
DIACRITICS = ["\u064e", "\u064f", "\u0650", "\u0651", "\u0652", "\u0640"]


def test_spelling_variants_and_diacritics_give_the_same_signature():
    variant = (STORY.replace("أوقفت", "اوقفت").replace("مؤسسة", "مؤسسه").replace("إشراف", "اشراف")
               .replace("الشرطة", "الشُّرْطـة"))
    assert story_signature(variant).values == story_signature(STORY).values


def test_clitic_prefixes_are_stemmed_away_when_asked():
    stem = SignatureScheme(stem=True)
    a = shingles("الشرطة تحجز كمية من المخدرات في المدينة", stem)
    b = shingles("والشرطة تحجز كمية من المخدرات في المدينة", stem)
    assert a == b and shingles("الشرطة تحجز كمية", DEFAULT_SCHEME) != shingles("والشرطة تحجز كمية", DEFAULT_SCHEME)


def test_short_text_has_no_signature_and_a_short_shingle_list():
    assert story_signature("خبر قصير جدا") is None
    assert story_signature("") is None
    assert shingles("خبر عاجل") == {"خبر عاجل".encode()}
    assert shingles("") == set()


def test_encode_decode_round_trip_and_bad_text():
    sig = story_signature(STORY)
    assert len(sig.values) == 4 * DEFAULT_SCHEME.num_perm and sig.shingles == len(shingles(STORY))
    back = Signature.decode(sig.encode(), sig.shingles)
    assert back == sig
    with pytest.raises(ValueError):
        Signature.decode("not base64!", 3)
    with pytest.raises(ValueError):
        Signature.decode("AAA=", 3)          # 2 bytes: not a whole uint32


def test_a_trimmed_copy_has_high_containment_and_lower_jaccard():
    sentences = STORY.split(". ")
    long = story_signature(STORY + " " + " ".join(random.Random(1).sample(WORDS * 3, 40)))
    half = story_signature(sentences[0])
    j = jaccard(long, half)
    assert j < 0.6 and containment(long, half, j) > 0.8


def test_scheme_name_names_every_parameter():
    assert DEFAULT_SCHEME.name == "minhash-a32-p256-w3-s1-crc"
    assert SignatureScheme(num_perm=64, shingle_words=4, seed=7, stem=True).name == "minhash-a32-p64-w4-s7-stem-crc"


@settings(derandomize=True, max_examples=60, deadline=None)
@given(st.lists(st.sampled_from(WORDS), min_size=12, max_size=80), st.data())
def test_diacritics_and_tatweel_never_change_the_signature(words, data):
    decorated = []
    for w in words:
        pos = data.draw(st.integers(min_value=1, max_value=len(w) - 1))
        mark = data.draw(st.sampled_from(DIACRITICS))
        decorated.append(w[:pos] + mark + w[pos:])
    a, b = story_signature(" ".join(words)), story_signature(" ".join(decorated))
    assert (a is None) == (b is None)
    if a is not None:
        assert a.values == b.values


@settings(derandomize=True, max_examples=40, deadline=None)
@given(st.sets(st.integers(0, 5000), min_size=20, max_size=300), st.sets(st.integers(0, 5000), min_size=20,
                                                                           max_size=300))
def test_jaccard_estimate_is_close_to_the_exact_value(xs, ys):
    exact = len(xs & ys) / len(xs | ys)
    a, b = (sketch(sorted(s)) for s in (xs, ys))
    est = jaccard(Signature(a.hashvalues.astype("<u4").tobytes(), len(xs)),
                  Signature(b.hashvalues.astype("<u4").tobytes(), len(ys)))
    assert abs(est - exact) <= 0.2          # 128 permutations: standard error <= 0.045


def test_numbers_are_compared_by_overlap_and_ignored_when_too_few():
    from transforms.signatures import number_hashes, numbers_agree

    a = number_hashes("حجز 320 كيلوغراما وتوقيف 3 أشخاص تتراوح أعمارهم بين 24 و41 سنة")
    b = number_hashes("الدرك يحجز 320 كيلوغراما من الشيرا ويوقف 3 أشخاص")
    c = number_hashes("حجز 45 كيلوغراما وتوقيف شخصين عمرهما 19 و22 سنة")
    assert numbers_agree(a, b) and not numbers_agree(a, c)
    assert numbers_agree(a, number_hashes("خبر بلا أرقام")) and numbers_agree(a, None)
    assert story_signature(STORY).numbers == number_hashes(STORY)
