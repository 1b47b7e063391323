"""Extract and clean one page: print title, author, date, text and language as JSON.

``date`` is the publication time with the offset the page states (never shifted
to UTC), ``published_date`` the calendar day the page states.

    python -m pipeline.extract page.html
    python -m pipeline.extract story.txt          # already-extracted text: cleaning only
    python -m pipeline.extract https://example.ma/article/123

Bad input prints one line on stderr and exits non-zero (2 for usage/IO,
3 for a page that is not an article).
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

from pipeline.tools.errors import CommandParser, command
from transforms.core.records import Article
from transforms.clean import clean_article, load_rules
from transforms.extract import ExtractionError, extract_article, make_trafilatura_config


def _language(text: str) -> str:
    try:
        from transforms.language import detect_language
    except ImportError:  # pragma: no cover - the lead's module
        return "und"
    return detect_language(text)


def _fetch(url: str, allow_private: bool = False) -> tuple[str, str]:
    from transforms.http_client import HttpClient, HttpSettings

    try:
        resp = HttpClient(HttpSettings(retries=0, allow_private_hosts=allow_private)).get(url)
    except Exception as exc:  # noqa: BLE001 - any fetch failure is one line on stderr
        raise OSError(f"fetch failed: {type(exc).__name__}: {exc}") from exc
    status = getattr(resp, "status", 200)
    if status and status >= 400:
        raise OSError(f"HTTP {status} for {url}")
    return resp.text, getattr(resp, "final_url", None) or url


def _looks_like_html(text: str) -> bool:
    head = text[:2000].lower()
    return "<html" in head or "<body" in head or "<!doctype" in head or "<p" in head or "<div" in head


def run(target: str, rules_path: str | None = None, allow_private: bool = False) -> dict:
    rules = load_rules(rules_path)
    if target.startswith(("http://", "https://")):
        html, url = _fetch(target, allow_private)
        is_html = True
    else:
        path = Path(target)
        text = path.read_text(encoding="utf-8", errors="replace")
        url = path.resolve().as_uri()
        is_html = path.suffix.lower() in (".html", ".htm") or _looks_like_html(text)
        html = text
    if is_html:
        art = extract_article(html, url, config=make_trafilatura_config())
    else:
        art = Article(url=url, canonical_url=url, source="", feed_url="", text=html)
    lang = _language(art.text)
    art = clean_article(art.replace(language=lang if lang != "und" else "ar"), rules)
    if not art.text.strip():
        raise ExtractionError("empty_extraction", "nothing left after cleaning")
    lang = _language(art.text)
    return {
        "title": art.title,
        "author": art.author,
        # the page's own offset, never shifted to UTC (issue 15)
        "date": art.published_at.isoformat() if art.published_at else None,
        "published_date": _day(art),
        "text": art.text,
        "language": lang,
        "canonical_url": art.canonical_url,
        "field_sources": art.field_sources,
        "removed": art.removed,
    }


def _day(art: Article) -> str | None:
    """The calendar day the page states (``Article.published_date``, else the day of
    ``published_at`` in its own zone), as YYYY-MM-DD."""
    from transforms.dates import stated_day

    day = art.published_date or (stated_day(art.published_at) if art.published_at else None)
    return day.isoformat() if day else None


@command("extract")
def main(argv: list[str] | None = None) -> int:
    """``extract``: exit 0, 2 (usage, unreadable input, fetch failure) or 3 (not an article), one line."""
    ap = CommandParser(prog="python -m pipeline.extract", description=__doc__.split("\n")[0])
    ap.add_argument("target", help="an HTML file, an extracted text file, or an http(s) URL")
    ap.add_argument("--rules", default=None, help="boilerplate rules YAML")
    ap.add_argument("--allow-private-hosts", action="store_true",
                    help="allow fetching from private/loopback addresses (local testing)")
    args = ap.parse_args(argv)
    try:
        out = run(args.target, args.rules, args.allow_private_hosts)
    except ExtractionError as exc:
        print(f"error: {exc.error_type}: {exc.message}", file=sys.stderr)
        return 3
    except (OSError, UnicodeError, ImportError) as exc:
        print(f"error: cannot read {args.target}: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(out, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(main())
