"""An article's publication date: which candidate wins, and why the others were refused.

Used by :func:`transforms.extract.extract_article`. The candidates, in order:
the page's own date element (:mod:`transforms.page_dates`, already judged
there), htmldate's ``original_date`` when the page's rules allow its day, the
feed entry's date, the page's update date. Each is checked by
:func:`transforms.dates.check_plausible`; a refused one is named with its
reason (``"feed: future: ..."``) and ends up in the row's ``date_rejected``,
so no date is dropped silently.
"""
from __future__ import annotations

from transforms import dates
from transforms.core.records import FeedEntry
from transforms.feed_fields import FUTURE_TOLERANCE


def choose_publication(info, doc, entry: FeedEntry | None, now) -> tuple:
    """(published_at, published_date, source, how, rejected): the page's own date (see
    :mod:`transforms.page_dates`), else htmldate's ``original_date`` when the page's
    rules allow its day, else the feed's date, else the page's update date, else none.
    ``source`` is "page", "feed" or "none"; ``how`` names the element; ``rejected``
    lists "how: reason" for each candidate refused as implausible (never silently).

    The feed's date was judged at the poll with the feed stage's tolerance
    (:data:`transforms.feed_fields.FUTURE_TOLERANCE`, 3 h: sites stamp Morocco
    time as UTC); it is judged again here, at extraction time, with the same
    tolerance, not the page dates' 15-minute clock skew."""
    rejected: list[str] = []

    def plausible(how: str, d, skew=dates.CLOCK_SKEW):
        ok, why = dates.check_plausible(d, now=now, skew=skew)
        if why:
            rejected.append(f"{how}: {why}")
        return ok

    if info.published is not None:
        return info.published, info.published_day, "page", info.published_how, rejected
    guess = dates.parse_date(getattr(doc, "date", None) or "", now=now) if doc is not None else None
    guess = plausible("htmldate", guess) if guess else None
    choice = info.date_choice
    if guess is not None and (choice is None or choice.accepts_guess(dates.stated_day(guess))):
        return guess, dates.stated_day(guess), "page", "htmldate", rejected
    if entry is not None and entry.published is not None:
        pub = plausible("feed", entry.published, FUTURE_TOLERANCE)
        if pub is not None:
            return pub, dates.stated_day(pub), "feed", "feed", rejected
    if choice is not None and choice.updated is not None:
        upd = plausible("updated", choice.updated)
        if upd is not None:
            return upd, dates.stated_day(upd), "page", "updated", rejected
    return None, None, "none", "", rejected
