import datetime as dt

import apache_beam as beam
from apache_beam.testing.test_pipeline import TestPipeline
from apache_beam.testing.util import assert_that, equal_to

from transforms.clean import CleanArticles, load_rules
from transforms.core.records import Article
from transforms.source_boilerplate import (
    TOTAL_KEY,
    LearnSourceBoilerplate,
    count_lines,
    history_from_rows,
    learned_lines,
    line_key,
)

SLOGAN = "تابعوا جديد الأخبار على قناتنا في واتساب"
T0 = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)


def para(i):
    return (f"أوقفت عناصر الشرطة بالمدينة رقم {i} شخصا يشتبه في تورطه في قضية سرقة بالعنف، "
            f"وذلك بعد أبحاث دامت عدة أيام شملت الأحياء المجاورة للسوق المركزي للمدينة رقم {i}.")


def art(i, source="s1", slogan=True):
    lines = [para(i), para(i + 1000)] + ([SLOGAN] if slogan else [])
    return Article(url=f"https://e.ma/{source}/{i}", canonical_url=f"https://e.ma/{source}/{i}",
                   source=source, feed_url="f", text="\n".join(lines), fetched_at=T0)


def test_line_key_ignores_spelling_variants():
    assert line_key("  جميع الحقوق محفوظـة.  ") == line_key("جميع الحقوق محفوظة")
    assert line_key("a") != line_key("b")
    assert len(line_key("x")) == 40


def test_count_lines_counts_distinct_articles_and_totals():
    arts = [art(i) for i in range(6)] + [art(0)]          # a duplicate article is counted once
    counts = count_lines(arts)
    assert counts[("s1", TOTAL_KEY)] == 6
    assert counts[("s1", line_key(SLOGAN))] == 6
    # long paragraphs are never candidates
    assert ("s1", line_key(para(0))) not in counts


def test_learned_lines_thresholds():
    counts = count_lines([art(i) for i in range(6)] + [art(i, slogan=False) for i in range(6, 30)])
    assert learned_lines(counts, min_articles=5, min_share=0.2) == {"s1": frozenset({line_key(SLOGAN)})}
    assert learned_lines(counts, min_articles=5, min_share=0.5) == {}     # 6/30 is not enough
    assert learned_lines(counts, min_articles=7, min_share=0.1) == {}


def test_other_sources_do_not_learn_each_others_lines():
    counts = count_lines([art(i) for i in range(6)] + [art(i, "s2", slogan=False) for i in range(6)])
    assert set(learned_lines(counts)) == {"s1"}


def test_history_from_rows():
    rows = [{"source": "s1", "line_hash": "abc", "articles": 3, "line_sample": "", "last_seen": None}]
    assert history_from_rows(rows) == {("s1", "abc"): 3}


def test_beam_learn_then_clean_with_side_input():
    history = {("s1", line_key(SLOGAN)): 10, ("s1", TOTAL_KEY): 10}
    arts = [art(i) for i in range(3)]
    with TestPipeline() as p:
        pc = p | beam.Create(arts)
        learned = pc | LearnSourceBoilerplate(history)
        cleaned = pc | CleanArticles(load_rules(), beam.pvalue.AsSingleton(learned.learned))
        assert_that(cleaned.main | beam.Map(lambda a: (SLOGAN in a.text, a.removed)),
                    equal_to([(False, {"learned_source_line": 1})] * 3), label="cleaned")
        assert_that(learned.rows | beam.Filter(lambda r: r["line_hash"] in (line_key(SLOGAN), TOTAL_KEY))
                    | beam.Map(lambda r: (r["source"], r["line_hash"], r["articles"], r["last_seen"])),
                    equal_to([("s1", line_key(SLOGAN), 13, T0), ("s1", TOTAL_KEY, 13, T0)]), label="rows")


def test_beam_learning_without_history_needs_enough_articles():
    with TestPipeline() as p:
        pc = p | beam.Create([art(i) for i in range(3)])
        learned = pc | LearnSourceBoilerplate(None)
        assert_that(learned.learned, equal_to([{}]))
