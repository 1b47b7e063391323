"""Build the benchmark corpus: article pages and RSS feeds in a site directory.

The story text is read at run time from ``../shared/data/hespress/dev.jsonl``
(beside the checkout); nothing of it is ever written inside the repository.
The site directory is laid out for :class:`pipeline.sample.server.SampleServer`:
a ``feeds.yaml`` listing the feeds, ``<site>/feeds/*.xml`` and
``<site>/<yyyy>/<mm>/*.html`` with ``{{BASE}}`` placeholders.
"""
from __future__ import annotations

import datetime as dt
import email.utils
import json
import random
import re
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

import yaml

from benchmarks.templates import BASE, SITES, PageContext, Story, render

REPO_ROOT = Path(__file__).resolve().parent.parent
DEV_RELATIVE = Path("data") / "hespress" / "dev.jsonl"

_MONTHS = {"يناير": 1, "فبراير": 2, "مارس": 3, "أبريل": 4, "ابريل": 4, "ماي": 5, "يونيو": 6,
           "يوليوز": 7, "يوليو": 7, "غشت": 8, "شتنبر": 9, "أكتوبر": 10, "اكتوبر": 10, "نونبر": 11,
           "دجنبر": 12}
_DATE = re.compile(r"(\d{1,2})\s+(\S+)\s+(\d{4})\s*-\s*(\d{1,2}):(\d{2})")
# A sentence end glued to the next sentence: the scrape lost the paragraph breaks.
_GLUED = re.compile(r"(?<=[.!؟?])(?=[^\s\d.،,:;)»\"'!؟?])")
_MOROCCO = dt.timezone(dt.timedelta(hours=1))


class SharedDataMissing(RuntimeError):
    """``../shared/data`` is not beside the checkout."""


def shared_dir() -> Path:
    """``../shared`` relative to the repository root (``$SHARED_DIR`` overrides)."""
    import os

    return Path(os.environ.get("SHARED_DIR") or REPO_ROOT.parent / "shared")


def dev_path() -> Path:
    path = shared_dir() / DEV_RELATIVE
    if not path.is_file():
        raise SharedDataMissing(
            f"benchmark corpus source not found: {path}. Put the project's shared data folder beside "
            f"the checkout (../shared/data/hespress/dev.jsonl) or set SHARED_DIR.")
    return path


def parse_date(text: str, fallback: dt.datetime) -> dt.datetime:
    m = _DATE.search(text or "")
    if m and m.group(2) in _MONTHS:
        day, _, year, hour, minute = m.groups()
        try:
            return dt.datetime(int(year), _MONTHS[m.group(2)], int(day), int(hour), int(minute), tzinfo=_MOROCCO)
        except ValueError:
            pass
    return fallback


def split_paragraphs(story: str) -> tuple:
    paras = [p.strip() for p in _GLUED.split(story or "") if p.strip()]
    merged: list[str] = []
    for p in paras:   # fold very short fragments into the previous paragraph
        if merged and len(p) < 40:
            merged[-1] += " " + p
        else:
            merged.append(p)
    return tuple(merged)


def load_stories(n: int, path: Path | None = None) -> list[Story]:
    """``n`` stories; when ``n`` exceeds the file they are reused under new ids."""
    rows = [json.loads(line) for line in (path or dev_path()).read_text(encoding="utf-8").splitlines() if line.strip()]
    rows = [r for r in rows if r.get("story") and r.get("title")]
    if not rows:
        raise SharedDataMissing(f"{path or dev_path()} holds no stories")
    # The file is grouped by section; a fixed shuffle gives every run the same
    # realistic mix of sections (crime stories included) at any N.
    random.Random(7).shuffle(rows)
    base = dt.datetime(2020, 1, 1, 8, 0, tzinfo=_MOROCCO)
    out = []
    for i in range(n):
        r = rows[i % len(rows)]
        cycle = i // len(rows)
        when = parse_date(r.get("date", ""), base + dt.timedelta(minutes=37 * i))
        out.append(Story(
            id=r["id"] if cycle == 0 else f"{r['id']}r{cycle}",
            title=r["title"].strip(), paragraphs=split_paragraphs(r["story"]),
            author=(r.get("author") or "").strip() or "هيئة التحرير",
            date_text=(r.get("date") or "").strip() or when.strftime("%d-%m-%Y %H:%M"),
            iso_date=when.isoformat(), topic=r.get("topic", "")))
    return out


@dataclass(frozen=True)
class Item:
    """One article of the corpus, as its feed lists it."""

    story_id: str
    site: str
    source: str
    feed_path: str           # /alyawm/feeds/societe-3.xml
    path: str                # /alyawm/2020/05/societe-abcdef.html
    title: str
    summary: str
    published: str           # ISO 8601

    def url(self, base: str) -> str:
        return base + self.path

    def feed_url(self, base: str) -> str:
        return base + self.feed_path


@dataclass(frozen=True)
class Corpus:
    site_dir: Path
    items: tuple
    feeds: tuple             # (feed_path, site, source, name)
    bytes_total: int

    @property
    def sizes(self) -> tuple:
        return tuple((self.site_dir / it.path.lstrip("/")).stat().st_size for it in self.items)


def feed_count(n_articles: int) -> int:
    return max(3, min(20, n_articles // 100))


def _rss(title: str, link: str, items: list[Item], stories: dict) -> str:
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:atom="http://www.w3.org/2005/Atom"><channel>',
        f"<title>{escape(title)}</title><link>{escape(link)}</link><description>{escape(title)}</description>"
        "<language>ar</language><generator>benchmark corpus</generator>"]
    newest = max((it.published for it in items), default="2020-01-01T00:00:00+01:00")
    parts.append(f"<lastBuildDate>{email.utils.format_datetime(dt.datetime.fromisoformat(newest))}</lastBuildDate>")
    for it in sorted(items, key=lambda x: x.published, reverse=True):
        when = email.utils.format_datetime(dt.datetime.fromisoformat(it.published))
        parts.append(
            f"<item><title>{escape(it.title)}</title><link>{BASE}{it.path}</link>"
            f'<guid isPermaLink="true">{BASE}{it.path}</guid><pubDate>{when}</pubDate>'
            f"<dc:creator>{escape(stories[it.story_id].author)}</dc:creator>"
            f"<category>{escape(stories[it.story_id].topic)}</category>"
            f"<description>{escape(it.summary)}</description></item>")
    parts.append("</channel></rss>\n")
    return "".join(parts)


def build_corpus(site_dir: Path, n_articles: int, seed: int = 7, dev: Path | None = None) -> Corpus:
    """Write ``n_articles`` pages and their feeds under ``site_dir``."""
    site_dir = Path(site_dir)
    site_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    stories = load_stories(n_articles, dev)
    by_id = {s.id: s for s in stories}
    site_keys = list(SITES)
    n_feeds = feed_count(n_articles)
    feeds = []
    for i in range(n_feeds):
        site = SITES[site_keys[i % len(site_keys)]]
        slug, label = site.sections[(i // len(site_keys)) % len(site.sections)]
        feeds.append((f"/{site.key}/feeds/{slug}-{i}.xml", site.key, site.source, f"{site.name} - {label}"))
    items: list[Item] = []
    for i, story in enumerate(stories):
        feed_path, site_key, source, _ = feeds[i % n_feeds]
        when = dt.datetime.fromisoformat(story.iso_date)
        slug = feed_path.rsplit("/", 1)[1].rsplit("-", 1)[0]
        path = f"/{site_key}/{when:%Y}/{when:%m}/{slug}-{story.id}.html"
        summary = (story.paragraphs[0] if story.paragraphs else story.title)[:200]
        items.append(Item(story.id, site_key, source, feed_path, path, story.title, summary, story.iso_date))
    by_site: dict[str, list[Item]] = {}
    for it in items:
        by_site.setdefault(it.site, []).append(it)
    total = 0
    for it in items:
        peers = by_site[it.site]
        related = [(p.title, BASE + p.path, by_id[p.story_id].date_text)
                   for p in rng.sample(peers, min(21, len(peers))) if p is not it][:20]
        page = PageContext(url=BASE + it.path, section=it.feed_path.rsplit("/", 1)[1].rsplit("-", 1)[0],
                           related=related, target_bytes=rng.randint(61_000, 120_000), seed=rng.randrange(1 << 30))
        html = render(it.site, by_id[it.story_id], page)
        target = site_dir / it.path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        data = html.encode("utf-8")
        target.write_bytes(data)
        total += len(data)
    for feed_path, site_key, _, name in feeds:
        listed = [it for it in items if it.feed_path == feed_path]
        target = site_dir / feed_path.lstrip("/")
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(_rss(name, f"{BASE}/{site_key}/", listed, by_id), encoding="utf-8")
    manifest = {"feeds": [{"url": f, "name": name, "source": source, "language": "ar", "respect_robots": True}
                          for f, _, source, name in feeds]}
    (site_dir / "feeds.yaml").write_text(yaml.safe_dump(manifest, allow_unicode=True, sort_keys=False),
                                         encoding="utf-8")
    return Corpus(site_dir=site_dir, items=tuple(items), feeds=tuple(feeds), bytes_total=total)


def export_pages(corpus: Corpus, out_dir: Path, base: str) -> list[Path]:
    """The pages with ``{{BASE}}`` resolved, one file each, for the trafilatura CLI and the bare loop."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for i, it in enumerate(corpus.items):
        src = corpus.site_dir / it.path.lstrip("/")
        dst = out_dir / f"{i:06d}.html"
        dst.write_text(src.read_text(encoding="utf-8").replace(BASE, base), encoding="utf-8")
        paths.append(dst)
    return paths
