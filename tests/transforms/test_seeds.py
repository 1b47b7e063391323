"""The five seed documents, through the real stages: clean -> language -> classify.

All five are Arabic security stories (../shared/seeds/gold.json); the test
skips with a reason when ../shared is absent.
"""
import json

import pytest

from transforms.clean import clean_article, load_rules
from transforms.core.records import Article
from transforms.language import detect_language
from transforms.security_model import SecurityClassifier


@pytest.fixture(scope="module")
def classifier():
    return SecurityClassifier.load()


def seeds(shared):
    gold = json.loads((shared / "seeds" / "gold.json").read_text(encoding="utf-8"))
    return [(name, (shared / "seeds" / name).read_text(encoding="utf-8"), g)
            for name, g in sorted(gold.items()) if not name.startswith("_")]


def test_all_five_seeds_are_arabic_security_stories_with_their_places(shared_dir, classifier):
    found = seeds(shared_dir)
    assert len(found) == 5
    rules = load_rules()
    for name, raw, gold in found:
        article = clean_article(Article(url=f"file:{name}", canonical_url=f"file:{name}", source="seed",
                                        feed_url="", text=raw), rules)
        language = detect_language(f"{article.title}\n{article.text}")
        assert language == gold["language"] == "ar", name
        cls = classifier.classify(article.title, article.text, language)
        assert cls.is_security is True, (name, cls.security_score)
        assert cls.is_accident is False, name
        assert cls.categories and cls.categories[0] in gold["categories"], (name, cls.categories)
        assert cls.matched_terms, name
        assert gold["places"][0] in cls.places, (name, cls.places)
