"""Working hours as instants: weekly rules, dated overrides and closures read on a wall clock.

Pure functions over plain records, so the rules can be tested (and the demo seeded) without a
database. For each local date: the weekly rules in effect that day (or, when the date has its
hours set, those hours instead), plus extra hours, minus time off, and nothing at all on a closed
day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from zoneinfo import ZoneInfo

from scheduling import timeutils

from .intervals import normalise, Span, subtract


@dataclass(frozen=True)
class WeeklyRule:
    weekday: int
    start: dt.time
    end: dt.time
    effective_from: dt.date | None = None
    effective_to: dt.date | None = None

    def applies_on(self, day: dt.date) -> bool:
        return (day.weekday() == self.weekday
                and (self.effective_from is None or day >= self.effective_from)
                and (self.effective_to is None or day <= self.effective_to))


@dataclass(frozen=True)
class DatedOverride:
    """Extra hours (available=True, with times) or time off (a whole day when times are None).
    `sets_hours`: the date's own hours, replacing the weekly rules that day (available=True with
    times; available=False without times: closed that day)."""

    date: dt.date
    available: bool
    start: dt.time | None = None
    end: dt.time | None = None
    reason: str = ""
    sets_hours: bool = False


@dataclass(frozen=True)
class ClosedDays:
    start_date: dt.date
    end_date: dt.date
    reason: str = ""

    def covers(self, day: dt.date) -> bool:
        return self.start_date <= day <= self.end_date


def to_epoch(instant: dt.datetime) -> int:
    return int(instant.timestamp())


def from_epoch(seconds: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(seconds, dt.UTC)


@lru_cache(maxsize=1 << 16)
def _range(day: dt.date, start: dt.time | None, end: dt.time | None, tz: ZoneInfo) -> Span:
    """Cached: every holder working 9-17 on the same day shares one conversion."""
    lo, hi = timeutils.wall_range(day, start, end, tz)
    return to_epoch(lo), to_epoch(hi)


def open_spans(*, rules: Iterable[WeeklyRule], overrides: Iterable[DatedOverride] = (),
               closures: Iterable[ClosedDays] = (), dates: Iterable[dt.date], tz: ZoneInfo) -> list[Span]:
    """When an owner is available over `dates`, as epoch-second spans."""
    by_weekday: dict[int, list[WeeklyRule]] = {}
    for rule in rules:
        by_weekday.setdefault(rule.weekday, []).append(rule)
    by_date: dict[dt.date, list[DatedOverride]] = {}
    for override in overrides:
        by_date.setdefault(override.date, []).append(override)
    closures = list(closures)

    spans: list[Span] = []
    for day in dates:
        if any(c.covers(day) for c in closures):
            continue
        day_overrides = by_date.get(day, ())
        day_hours = [o for o in day_overrides if o.sets_hours]
        if day_hours:
            day_spans = [_range(day, o.start, o.end, tz) for o in day_hours if o.available]
        else:
            day_spans = [_range(day, r.start, r.end, tz) for r in by_weekday.get(day.weekday(), ())
                         if r.applies_on(day)]
        day_spans += [_range(day, o.start, o.end, tz) for o in day_overrides if o.available and not o.sets_hours]
        off = [_range(day, o.start, o.end, tz) for o in day_overrides if not o.available and not o.sets_hours]
        spans.extend(subtract(normalise(day_spans), off) if off else day_spans)
    return normalise(spans)
