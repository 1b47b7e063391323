"""One story, one key: URL spellings that must fold, links that must never crash, and properties."""
import pytest
from hypothesis import example, given, settings, strategies as st

from transforms.urls import (article_id, canonicalize_url, check_canonical, registrable_domain, story_key,
                             url_problem)

SLUG_IRI = "https://www.hespress.ma/خبر/توقيف-مروج-مخدرات-123.html"
SLUG_URI = "https://www.hespress.ma/%D8%AE%D8%A8%D8%B1/%D8%AA%D9%88%D9%82%D9%8A%D9%81-%D9%85%D8%B1%D9%88%D8%AC-%D9%85%D8%AE%D8%AF%D8%B1%D8%A7%D8%AA-123.html"


@pytest.mark.parametrize("variant", [
    SLUG_IRI, SLUG_URI, SLUG_URI.lower().replace("https://www.hespress.ma", "https://www.hespress.ma"),
    SLUG_URI.replace("www.hespress.ma", "WWW.Hespress.MA"), SLUG_URI.replace("www.hespress.ma", "www.hespress.ma."),
    SLUG_URI.replace("www.hespress.ma", "www.hespress.ma:443"), SLUG_IRI + "?utm_source=rss&utm_medium=feed",
    SLUG_IRI + "?fbclid=abc#comments", SLUG_URI + "?xtor=RSS-1&gclid=2", "  " + SLUG_IRI + "\n",
    SLUG_IRI.replace("https://", "https://editor:s3cret@"),
    # the README's rule: http/https and www./bare host of one outlet's path are one story
    SLUG_IRI.replace("https://", "http://"), SLUG_IRI.replace("www.", ""),
])
def test_spellings_of_one_story_have_one_id(variant):
    assert article_id(variant) == article_id(SLUG_URI)


def test_canonical_url_is_the_uri_form_and_stays_fetchable():
    assert canonicalize_url(SLUG_IRI) == SLUG_URI
    assert canonicalize_url("http://x.ma:80/a") == "http://x.ma/a"           # scheme kept: it must still work
    assert canonicalize_url("http://127.0.0.1:8765/a/b.html") == "http://127.0.0.1:8765/a/b.html"


@pytest.mark.parametrize("url", [
    "https://www.hespress.com/societe/some-story-123456.html", "https://alyaoum24.com/1234567.html",
    "https://www.barlamane.com/?p=123", "https://x.ma/a/b?id=3&page=2", "https://x.ma/",
])
def test_already_canonical_ascii_urls_are_unchanged(url):
    assert canonicalize_url(url) == url


def test_story_key_folds_scheme_and_www_only():
    assert story_key("http://www.x.ma/a") == "https://x.ma/a"
    assert article_id("https://ar.le360.ma/a") != article_id("https://fr.le360.ma/a")   # editions differ
    assert article_id("https://x.ma/a") != article_id("https://x.ma/b")


@pytest.mark.parametrize("url,reason", [
    ("http://127.0.0.1:99999/x", "bad port"), ("http://127.0.0.1:abc/x", "bad port"),
    ("http://[::1/x", "unparsable"), ("http://x.ma:0/a", "bad port"), ("http:///a", "no host"),
    ("/relative", "relative"),
])
def test_unusable_links_are_named_not_raised(url, reason):
    assert reason in url_problem(url)
    assert canonicalize_url(url) == url and len(article_id(url)) == 40


@pytest.mark.parametrize("url", ["http://exa\u202emple.com/x", "https://x.ma/a\u200bb", "http://x.ma/\x00a",
                                 "https://x.ma/a\u2028b"])
def test_links_with_invisible_or_control_characters_are_refused_not_repaired(url):
    assert "invisible or control character" in url_problem(url)


def test_canonicals_naming_the_home_page_or_a_listing_are_ignored():
    assert check_canonical("https://site.ma/", "https://site.ma/2026/11/a") == \
        ("https://site.ma/2026/11/a", "canonical ignored: it names the site's home page, not this story")
    assert "listing page" in check_canonical("/category/news", "https://site.ma/2026/11/a")[1]
    assert check_canonical("https://site.ma/", "https://site.ma/") == ("https://site.ma/", None)
    assert check_canonical("/2026/11/a-story", "https://site.ma/amp/a") == ("https://site.ma/2026/11/a-story", None)


def test_canonicals_on_another_site_or_scheme_are_refused_with_a_reason():
    assert check_canonical("https://evil.test/story", "https://www.site.ma/a") == \
        ("https://www.site.ma/a", "canonical ignored: on another site (evil.test)")
    assert "not http(s)" in check_canonical("javascript:void(0)", "https://site.ma/a")[1]
    assert "not http(s)" in check_canonical("data:text/html,x", "https://site.ma/a")[1]
    assert check_canonical("https://site.ma/b", "https://www.site.ma/a") == ("https://site.ma/b", None)
    assert check_canonical("/b?utm_source=x", "https://site.ma/a") == ("https://site.ma/b", None)
    assert check_canonical("http://127.0.0.2:9/x", "http://127.0.0.1:9/a")[1] is not None
    assert registrable_domain("www.hespress.com") == "hespress.com"
    assert registrable_domain("ar.le360.ma") == "le360.ma"


URLISH = st.one_of(
    st.text(max_size=120),
    st.builds(lambda scheme, user, host, port, path, q, frag: f"{scheme}://{user}{host}{port}/{path}{q}{frag}",
              st.sampled_from(["http", "https", "HTTP", "ftp", "javascript"]),
              st.sampled_from(["", "u:p@", "@", "a@b@"]),
              st.one_of(st.from_regex(r"[A-Za-z0-9.\-\[\]:]{0,30}", fullmatch=True), st.text(max_size=20)),
              st.sampled_from(["", ":80", ":443", ":99999", ":abc", ":", ":0", ":8080"]),
              st.text(max_size=40), st.sampled_from(["", "?utm_source=x&a=1", "?b=%zz&a", "?%"]),
              st.sampled_from(["", "#frag", "#"])),
)


@settings(max_examples=500, deadline=None)
@given(URLISH)
@example("HTTP://\x1b@0")      # a control character in the credentials alone (found by hypothesis)
def test_canonicalize_never_raises_is_idempotent_and_drops_credentials(url):
    once = canonicalize_url(url)
    assert canonicalize_url(once) == once
    assert article_id(url) == article_id(once)
    problem = url_problem(url)
    if problem is None and once.lower().startswith(("http://", "https://")):
        assert "@" not in once.split("/")[2]
        assert "#" not in once
