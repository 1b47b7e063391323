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


FEED = "feeds:\n  - {url: 'https://a.ma/feed'%s}\n"


@pytest.mark.parametrize("text, field, value", [
    (FEED % ", respect_robots: 'no'", "respect_robots", "'no'"),
    (FEED % ", respect_robots: 'false'", "respect_robots", "'false'"),
    (FEED % ", respect_robots: 0", "respect_robots", "0"),
    (FEED % ", name: [a, b]", "name", "['a', 'b']"),
    (FEED % ", language: 5", "language", "5"),
    (FEED % ", language: arabic", "language", "'arabic'"),
    (FEED % ", source: 'hes press'", "source", "'hes press'"),
    (FEED % ", max_entries: 0", "max_entries", "0"),
    (FEED % ", max_entries: '100'", "max_entries", "'100'"),
    ("feeds:\n  - url: 'http://'\n", "url", "'http://'"),
    ("feeds:\n  - url: 'https://a.ma/my feed'\n", "url", "'https://a.ma/my feed'"),
    ("feeds:\n  - url: 'https://a.ma:99999/feed'\n", "url", "'https://a.ma:99999/feed'"),
    ("feeds:\n  - url: 5\n", "url", "5"),
    ("project: {quiet_after_hours: soon}\n" + FEED % "", "project.quiet_after_hours", "'soon'"),
    ("project: {quiet_after_hours: -1}\n" + FEED % "", "project.quiet_after_hours", "-1"),
    ("project: {failing_after: 0}\n" + FEED % "", "project.failing_after", "0"),
    ("project: {failing_after: 2.5}\n" + FEED % "", "project.failing_after", "2.5"),
    ("project: {contact_url: 'mailto:me@x.ma'}\n" + FEED % "", "project.contact_url", "'mailto:me@x.ma'"),
    ("run: {max_entries_per_feed: 0}\n" + FEED % "", "run.max_entries_per_feed", "0"),
    ("run: {max_failed_feeds_share: 1.5}\n" + FEED % "", "run.max_failed_feeds_share", "1.5"),
    ("run: {max_failed_feeds_share: half}\n" + FEED % "", "run.max_failed_feeds_share", "'half'"),
    ("http: {per_host_min_delay: '1.0'}\n" + FEED % "", "http.per_host_min_delay", "'1.0'"),
    ("http: {respect_robots: 'no'}\n" + FEED % "", "http.respect_robots", "'no'"),
    ("http: {private_allowlist: [1, 2]}\n" + FEED % "", "http.private_allowlist", "[1, 2]"),
])
def test_every_field_is_type_checked_with_one_line_naming_field_and_value(tmp_path, text, field, value):
    with pytest.raises(ConfigError) as info:
        load_config(write(tmp_path, text))
    msg = str(info.value)
    assert field in msg and value in msg, msg
    assert "\n" not in msg and str(tmp_path) in msg


def test_yaml_booleans_and_the_run_section(tmp_path):
    cfg = load_config(write(tmp_path, "run: {max_entries_per_feed: 50, max_failed_feeds_share: 0.25}\n"
                                      "feeds:\n  - {url: 'https://a.ma/feed', respect_robots: no}\n"
                                      "  - {url: 'https://b.ma/feed', respect_robots: false, max_entries: 7}\n"
                                      "  - https://c.ma/feed\n"))
    assert [f.respect_robots for f in cfg.feeds] == [False, False, True]
    assert [f.max_entries for f in cfg.feeds] == [50, 7, 50]
    assert (cfg.max_entries_per_feed, cfg.max_failed_feeds_share) == (50, 0.25)


def test_shipped_config_has_the_run_section_defaults():
    cfg = load_config()
    assert cfg.max_entries_per_feed >= 100 and 0 <= cfg.max_failed_feeds_share <= 1
    assert all(f.max_entries == cfg.max_entries_per_feed for f in cfg.feeds)
    assert cfg.project["quiet_after_hours"] > 0 and cfg.project["failing_after"] >= 1


@pytest.mark.parametrize("url", ["http://", "https://a.ma/x y", "ftp://a.ma/f", "http://[::1/x"])
def test_bad_ad_hoc_feed_urls_are_config_errors(url):
    with pytest.raises(ConfigError) as info:
        load_config(feeds=[url])
    assert "--feed" in str(info.value) and "\n" not in str(info.value)
