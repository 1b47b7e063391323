from transforms.urls import article_id, canonicalize_url


def test_tracking_parameters_fragment_case_and_default_port_are_dropped():
    assert canonicalize_url("HTTPS://WWW.Example.MA:443/A/b?utm_source=rss&utm_medium=x&fbclid=1&gclid=2&id=3#c") \
        == "https://www.example.ma/A/b?id=3"


def test_query_order_does_not_change_the_id():
    a = article_id("https://x.ma/p?b=2&a=1")
    assert a == article_id("https://x.ma/p?a=1&b=2&utm_campaign=z")
    assert len(a) == 40


def test_non_default_port_is_kept():
    assert canonicalize_url("http://127.0.0.1:8080/x") == "http://127.0.0.1:8080/x"


def test_different_paths_differ():
    assert article_id("https://x.ma/a") != article_id("https://x.ma/b")
