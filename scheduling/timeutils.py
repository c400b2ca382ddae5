"""Every conversion between wall-clock rules and instants, in one place.

Instants are aware UTC datetimes. Wall-clock rules ("9:00-17:00 on Mondays", "closed on
25 December", "quiet hours after 21:00") are read in a named IANA zone with these rules:

- A wall-clock time that does not exist (the spring-forward gap) means the first instant after
  the gap: hours "01:00-02:30" on that night end at 03:00 local, which is the same instant.
- A wall-clock time that happens twice (the fall-back fold) means its first occurrence, so an
  interval keeps its real length: "00:00-03:00" on fall-back night lasts four hours.
- Slot grids are the instants at which the local clock reads a multiple of the step from local
  midnight: none in a gap, both occurrences in a fold (they are different instants).
"""

from __future__ import annotations

import datetime as dt
from bisect import bisect_left
from functools import cache
from zoneinfo import ZoneInfo

UTC = dt.UTC
DAY = dt.timedelta(days=1)


@cache
def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


def require_aware(value: dt.datetime, *, name: str = "datetime") -> dt.datetime:
    """The same instant in UTC; a naive datetime is an error, never silently guessed."""
    if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
        raise ValueError(f"{name} must include a UTC offset or 'Z' (got {value.isoformat()}).")
    return value.astimezone(UTC)


def to_local(instant: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    return instant.astimezone(tz)


def local_date(instant: dt.datetime, tz: ZoneInfo) -> dt.date:
    return instant.astimezone(tz).date()


def _exists(naive: dt.datetime, tz: ZoneInfo) -> bool:
    aware = naive.replace(tzinfo=tz)
    return aware.astimezone(UTC).astimezone(tz).replace(tzinfo=None) == naive


def _transition_after(lo: dt.datetime, hi: dt.datetime, tz: ZoneInfo) -> dt.datetime:
    """The instant in (lo, hi] where tz's offset changes (to the second), by bisection."""
    before = lo.astimezone(tz).utcoffset()
    while hi - lo > dt.timedelta(seconds=1):
        mid = lo + (hi - lo) / 2
        mid = mid.replace(microsecond=0)
        if mid.astimezone(tz).utcoffset() == before:
            lo = mid
        else:
            hi = mid
    return hi


def wall_to_utc(day: dt.date, clock: dt.time, tz: ZoneInfo) -> dt.datetime:
    """The instant the clock in tz reads `clock` on `day` (gap: the end of the gap; fold: first)."""
    naive = dt.datetime.combine(day, clock)
    first = naive.replace(tzinfo=tz, fold=0).astimezone(UTC)
    if _exists(naive, tz):
        return first
    # In a gap fold=0 applies the offset from before the jump (an instant after the gap) and
    # fold=1 the one from after it (an instant before): the jump lies between them.
    earlier = naive.replace(tzinfo=tz, fold=1).astimezone(UTC)
    return _transition_after(earlier, first, tz)


def day_bounds(day: dt.date, tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """[local midnight, next local midnight) of `day` as UTC instants (23, 24 or 25 hours)."""
    return wall_to_utc(day, dt.time(0), tz), wall_to_utc(day + DAY, dt.time(0), tz)


def wall_range(day: dt.date, start: dt.time | None, end: dt.time | None,
               tz: ZoneInfo) -> tuple[dt.datetime, dt.datetime]:
    """A same-day wall-clock range as UTC instants; None for start/end means midnight/next midnight."""
    lo = wall_to_utc(day, start, tz) if start is not None else wall_to_utc(day, dt.time(0), tz)
    hi = wall_to_utc(day, end, tz) if end is not None else wall_to_utc(day + DAY, dt.time(0), tz)
    return lo, hi


def local_dates(start: dt.datetime, end: dt.datetime, tz: ZoneInfo) -> list[dt.date]:
    """Every local date that [start, end) touches in tz."""
    first = start.astimezone(tz).date()
    last = (end - dt.timedelta(microseconds=1)).astimezone(tz).date() if end > start else first
    return [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]


def grid_seconds(start: dt.datetime, end: dt.datetime, tz: ZoneInfo, step_minutes: int) -> list[int]:
    """Epoch seconds in [start, end) at which tz's clock reads a multiple of `step_minutes` after
    local midnight. Days without a transition are computed arithmetically."""
    step = step_minutes * 60
    per_day = -(-86400 // step)
    lo, hi = start.timestamp(), end.timestamp()
    out: list[int] = []
    for day in local_dates(start, end, tz):
        midnight, next_midnight = day_bounds(day, tz)
        first, last = int(midnight.timestamp()), int(next_midnight.timestamp())
        if last - first == 86400 and midnight.astimezone(tz).utcoffset() == \
                (next_midnight - dt.timedelta(seconds=1)).astimezone(tz).utcoffset():
            instants = range(first, first + per_day * step, step)
            out.extend(instants[bisect_left(instants, lo):bisect_left(instants, min(hi, last))])
            continue
        instants = []
        naive_midnight = dt.datetime.combine(day, dt.time(0))
        for k in range(per_day):
            naive = naive_midnight + dt.timedelta(seconds=step * k)
            if not _exists(naive, tz):
                continue
            for fold in (0, 1):
                instant = int(naive.replace(tzinfo=tz, fold=fold).timestamp())
                if not instants or instants[-1] != instant:
                    instants.append(instant)
        out.extend(i for i in instants if lo <= i < hi and i < last)
    out.sort()
    return out


def grid(start: dt.datetime, end: dt.datetime, tz: ZoneInfo, step_minutes: int) -> list[dt.datetime]:
    """The instants of `grid_seconds` as aware UTC datetimes."""
    return [dt.datetime.fromtimestamp(s, UTC) for s in grid_seconds(start, end, tz, step_minutes)]


def on_grid(instant: dt.datetime, tz: ZoneInfo, step_minutes: int) -> bool:
    local = instant.astimezone(tz)
    minutes = local.hour * 60 + local.minute
    return local.second == 0 and local.microsecond == 0 and minutes % step_minutes == 0


def clock(instant: dt.datetime, tz: ZoneInfo) -> str:
    """'09:15' on tz's wall clock."""
    return instant.astimezone(tz).strftime("%H:%M")


def clock_range(start: dt.datetime, end: dt.datetime, tz: ZoneInfo) -> str:
    """'10:15-11:45' in tz, with the date of the end when it falls on another day."""
    lo, hi = start.astimezone(tz), end.astimezone(tz)
    tail = hi.strftime("%H:%M") if hi.date() == lo.date() else hi.strftime("%Y-%m-%d %H:%M")
    return f"{lo:%H:%M}-{tail}"


def describe_range(start: dt.datetime, end: dt.datetime, tz: ZoneInfo) -> str:
    """'Mon 10 Mar 2025 10:15-11:45 MST': a span with its day and its zone, for refusals. The end
    names its own day when it falls on another, and each end its zone when the clock changed between."""
    lo, hi = start.astimezone(tz), end.astimezone(tz)
    same_day = hi.date() == lo.date()
    head = f"{lo:%a %d %b %Y %H:%M}" + ("" if lo.tzname() == hi.tzname() else f" {lo.tzname()}")
    tail = f"{hi:%H:%M}" if same_day else f"{hi:%a %d %b %Y %H:%M}"
    return f"{head}{'-' if same_day else ' - '}{tail} {hi.tzname()}"


def describe(instant: dt.datetime, tz: ZoneInfo) -> str:
    """'Mon 10 Mar 2025 09:15 MST', for messages a person reads."""
    return instant.astimezone(tz).strftime("%a %d %b %Y %H:%M %Z")
