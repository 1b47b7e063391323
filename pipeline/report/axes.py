"""Calendar axes and whole-number count axes for the report's Plotly charts.

A :class:`Calendar` is the report's period: every Moroccan day (or every ISO
week, Monday to Sunday) from its first to its last day, with no day skipped
and none added. Every time chart of the page takes its x axis from the same
calendar, so all of them start and end on the same days.

The axis range runs from the start of the first day to the end of the last:
nothing runs past the last day (today, by default). A bar or marker of a day
or week sits in the middle of its days inside the calendar (a week cut by the
calendar's start or end gets a narrower bar); a heatmap cell covers its whole
day or week (``xperiod``), and the axis range cuts a partial week. Tick labels
sit under the middle of the day or week they name.
"""
from __future__ import annotations

import dataclasses
import datetime as dt
import math

DAILY_MAX_SPAN = 35      # up to this many days, per-day marks; beyond, per ISO week
MAX_TICKS = 12           # at most this many labelled days or weeks on an axis
DAY_MS = 86_400_000
WEEK_MS = 7 * DAY_MS


def week_start(day: dt.date) -> dt.date:
    """The Monday of ``day``'s ISO week."""
    return day - dt.timedelta(days=day.weekday())


def _noon(day: dt.date, extra_days: float = 0) -> str:
    t = dt.datetime.combine(day, dt.time(12)) + dt.timedelta(days=extra_days)
    return t.strftime("%Y-%m-%d %H:%M")


@dataclasses.dataclass(frozen=True)
class Calendar:
    """Days ``start``..``end`` (inclusive, Moroccan days), per day or per ISO week.

    ``weekly`` is chosen by :meth:`for_span` (more than ``DAILY_MAX_SPAN``
    days) unless given. Raises ``ValueError`` when ``end < start``.
    """
    start: dt.date
    end: dt.date
    weekly: bool = False

    def __post_init__(self):
        if self.end < self.start:
            raise ValueError(f"calendar ends ({self.end}) before it starts ({self.start})")

    @classmethod
    def for_span(cls, start: dt.date, end: dt.date, *, weekly: bool | None = None) -> "Calendar":
        if weekly is None:
            weekly = (end - start).days + 1 > DAILY_MAX_SPAN
        return cls(start, end, weekly)

    def weeks(self) -> "Calendar":
        """The same days, per ISO week."""
        return dataclasses.replace(self, weekly=True)

    @property
    def days(self) -> list[dt.date]:
        return [self.start + dt.timedelta(days=i) for i in range((self.end - self.start).days + 1)]

    @property
    def periods(self) -> list[dt.date]:
        """Every day, or the Monday of every ISO week that has a day in the calendar."""
        if not self.weekly:
            return self.days
        first, last = week_start(self.start), week_start(self.end)
        return [first + dt.timedelta(weeks=i) for i in range((last - first).days // 7 + 1)]

    def bucket(self, day: dt.date) -> dt.date:
        """The period (day, or Monday of its week) that ``day`` falls in."""
        return week_start(day) if self.weekly else day

    def days_in(self, period: dt.date) -> int:
        """How many of the period's days lie inside the calendar (1..7)."""
        if not self.weekly:
            return 1
        last = period + dt.timedelta(days=6)
        return (min(last, self.end) - max(period, self.start)).days + 1

    @property
    def unit(self) -> str:
        return "per ISO week" if self.weekly else "per Moroccan day"

    def describe(self, today: dt.date | None = None) -> str:
        """``2026-11-02 → 2026-11-30 (today), per Moroccan day``."""
        end = f"{self.end} (today)" if today == self.end else str(self.end)
        return f"{self.start} → {end}, {self.unit}"

    def period_label(self, period: dt.date) -> str:
        if not self.weekly:
            return str(period)
        n = self.days_in(period)
        part = "" if n == 7 else f", {n} of its 7 days in the period"
        return f"week of {period}{part}"

    def span(self, period: dt.date) -> tuple[dt.date, dt.date]:
        """The period's days inside the calendar, as ``[first, after_last)``."""
        step = 7 if self.weekly else 1
        return max(period, self.start), min(period + dt.timedelta(days=step), self.end + dt.timedelta(days=1))

    def mark_x(self, period: dt.date) -> str:
        """Where a bar or marker of ``period`` goes: the middle of its days inside the calendar."""
        lo, hi = self.span(period)
        return _noon(lo, (hi - lo).days / 2 - 0.5)

    def width_ms(self, period: dt.date, fill: float = 0.8) -> float:
        """Bar width for ``period``: ``fill`` of its days inside the calendar, in ms."""
        lo, hi = self.span(period)
        return (hi - lo).days * DAY_MS * fill

    def trace_kw(self) -> dict:
        """Keyword arguments for a heatmap whose x values are :attr:`periods`: each cell
        covers its whole day or week (the axis range clips the part outside the calendar)."""
        return dict(xperiod=WEEK_MS if self.weekly else DAY_MS, xperiod0="2024-01-01",  # a Monday
                    xperiodalignment="middle")

    def ticks(self) -> list[dt.date]:
        """The labelled periods: all of them up to ``MAX_TICKS``, else every n-th
        (on a daily axis, Mondays only)."""
        periods = self.periods
        if len(periods) <= MAX_TICKS:
            return periods
        if not self.weekly:
            periods = [p for p in periods if p.weekday() == 0]
        return periods[::math.ceil(len(periods) / MAX_TICKS)]

    def xaxis(self, **extra) -> dict:
        """``layout.xaxis``: from the start of the first day to the end of the last
        (a week cut by either end is shown cut), ticks under the middle of the
        day or week they name."""
        years = {self.start.year, self.end.year}
        fmt = "%d %b" if len(years) == 1 else "%d %b %Y"
        title = "ISO week (label: its Monday)" if self.weekly else "Moroccan day"
        if len(years) == 1:
            title += f", {self.start.year}"
        ticks = self.ticks()
        axis = dict(type="date", range=[f"{self.start} 00:00", f"{self.end + dt.timedelta(days=1)} 00:00"],
                    tickvals=[self.mark_x(p) for p in ticks], ticktext=[p.strftime(fmt) for p in ticks],
                    showgrid=False, ticks="outside", title=dict(text=title, font=dict(size=12)))
        axis.update(extra)
        return axis


def nice_step(top: float, max_ticks: int = 6) -> int:
    """The smallest of 1, 2, 5, 10, 20, 50 ... with at most ``max_ticks`` steps up to ``top``."""
    step = 1
    while top / step > max_ticks:
        for factor in (2, 2.5, 2):          # 1 -> 2 -> 5 -> 10 -> 20 -> 50 ...
            step = int(step * factor)
            if top / step <= max_ticks:
                break
    return step


def count_axis(top: float, **extra) -> dict:
    """An axis for counts of stories: whole-number ticks from 0, never 0.5."""
    top = max(1, math.ceil(top))
    step = nice_step(top)
    axis = dict(rangemode="tozero", tick0=0, dtick=step, tickformat=",d",
                range=[0, max(top, step) * 1.08])
    axis.update(extra)
    return axis


def count_colorbar(top: float, **extra) -> dict:
    """A heatmap colour bar with whole-number ticks."""
    step = nice_step(max(1, math.ceil(top)), max_ticks=5)
    bar = dict(tick0=0, dtick=step, tickformat=",d")
    bar.update(extra)
    return bar
