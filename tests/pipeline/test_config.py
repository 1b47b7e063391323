import pytest

from pipeline.config import ConfigError, load_config


def write(tmp_path, text):
    p = tmp_path / "feeds.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def test_shipped_config_lists_real_moroccan_arabic_feeds():
    cfg = load_config()
    assert len(cfg.feeds) >= 15
    assert all(f.url.startswith("https://") for f in cfg.feeds)
    assert all(f.name and f.language for f in cfg.feeds)
    hosts = {f.url.split("/")[2] for f in cfg.feeds}
    assert {"www.hespress.com", "alyaoum24.com", "al3omk.com"} <= hosts
    assert cfg.project["contact_url"].startswith("https://")


def test_ad_hoc_feeds_replace_config_list():
    cfg = load_config(feeds=["http://127.0.0.1:8000/feed.xml"])
    assert [f.url for f in cfg.feeds] == ["http://127.0.0.1:8000/feed.xml"]
    assert cfg.feeds[0].source == "127.0.0.1"
    assert cfg.http  # HTTP settings still come from the shipped config


@pytest.mark.parametrize("text, fragment", [
    ("feeds: [\n  - url: x\n", "invalid YAML at line"),
    ("feeds:\n  - name: No URL\n", "has no 'url'"),
    ("feeds:\n  - url: https://a.ma/feed\n    colour: red\n", "unknown key(s) colour"),
    ("feedz:\n  - url: https://a.ma/feed\n", "unknown top-level key(s) feedz"),
    ("feeds: []\n", "non-empty list"),
    ("feeds:\n  - url: ftp://a.ma/feed\n", "must start with http"),
    ("feeds:\n  - https://a.ma/feed\n  - https://a.ma/feed\n", "listed twice"),
])
def test_config_errors_are_one_line_and_say_what_to_fix(tmp_path, text, fragment):
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text))
    msg = str(info.value)
    assert fragment in msg
    assert "\n" not in msg


def test_missing_config_file(tmp_path):
    with pytest.raises(ConfigError, match="not found"):
        load_config(tmp_path / "nope.yaml")


def test_feed_defaults(tmp_path):
    cfg = load_config(write(tmp_path, "feeds:\n  - url: https://www.Example.ma/feed\n"))
    f = cfg.feeds[0]
    assert (f.name, f.language, f.source) == ("www.example.ma", "ar", "example.ma")
