from transforms.urls import canonical_from_html, canonicalize_url


def test_rel_canonical_is_preferred_and_cleaned():
    html = '<head><link rel="stylesheet" href="/s.css"><link href="/news/42?utm_source=x#c" rel="canonical"></head>'
    assert canonical_from_html(html, "https://www.site.ma/amp/42?fbclid=1") == "https://www.site.ma/news/42"


def test_canonical_on_another_site_or_scheme_is_ignored():
    page = "https://site.ma/a?gclid=3"
    assert canonical_from_html("<link rel=canonical href='https://evil.test/x'>", page) == "https://site.ma/a"
    assert canonical_from_html("<link rel='canonical' href='javascript:x'>", page) == "https://site.ma/a"
    assert canonical_from_html("<p>no head</p>", page) == canonicalize_url(page)


def test_www_difference_is_the_same_site():
    assert canonical_from_html('<link rel="canonical" href="https://www.site.ma/b">', "https://site.ma/a") \
        == "https://www.site.ma/b"
