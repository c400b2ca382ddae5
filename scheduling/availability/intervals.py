"""Sets of instants as sorted lists of disjoint half-open integer spans [start, end).

Instants are whole seconds since the Unix epoch, so a closed range of start times [a, b] is the
span (a, b + 1). Every function returns a normalised list (sorted, disjoint, non-adjacent).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable

Span = tuple[int, int]
INFINITY = 1 << 62


def normalise(spans: Iterable[Span]) -> list[Span]:
    out: list[Span] = []
    for start, end in sorted(s for s in spans if s[1] > s[0]):
        if out and start <= out[-1][1]:
            if end > out[-1][1]:
                out[-1] = (out[-1][0], end)
        else:
            out.append((start, end))
    return out


def union(*sets: list[Span]) -> list[Span]:
    return normalise(span for spans in sets for span in spans)


def intersect(a: list[Span], b: list[Span]) -> list[Span]:
    out: list[Span] = []
    i = j = 0
    while i < len(a) and j < len(b):
        start = max(a[i][0], b[j][0])
        end = min(a[i][1], b[j][1])
        if start < end:
            out.append((start, end))
        if a[i][1] < b[j][1]:
            i += 1
        else:
            j += 1
    return out


def intersect_all(sets: list[list[Span]], within: list[Span]) -> list[Span]:
    result = within
    for spans in sets:
        result = intersect(result, spans)
        if not result:
            break
    return result


def subtract(a: list[Span], b: list[Span]) -> list[Span]:
    """a minus b; b need not be normalised."""
    b = normalise(b)
    out: list[Span] = []
    j = 0
    for start, end in a:
        while j < len(b) and b[j][1] <= start:
            j += 1
        k = j
        cursor = start
        while k < len(b) and b[k][0] < end:
            if b[k][0] > cursor:
                out.append((cursor, b[k][0]))
            cursor = max(cursor, b[k][1])
            k += 1
        if cursor < end:
            out.append((cursor, end))
    return out


def contains(spans: list[Span], instant: int) -> bool:
    i = bisect_right(spans, (instant, INFINITY)) - 1
    return i >= 0 and spans[i][0] <= instant < spans[i][1]


def covers(spans: list[Span], start: int, end: int) -> bool:
    """Whether [start, end) lies inside one span."""
    i = bisect_right(spans, (start, INFINITY)) - 1
    return i >= 0 and spans[i][0] <= start and end <= spans[i][1]


def starts_fitting(free: list[Span], offset_start: int, offset_end: int) -> list[Span]:
    """Start times s for which [s + offset_start, s + offset_end) lies inside `free`."""
    out: list[Span] = []
    for start, end in free:
        lo, hi = start - offset_start, end - offset_end + 1
        if hi > lo:
            out.append((lo, hi))
    return out


def below_capacity(loads: Iterable[tuple[int, int, int]], limit: int, within: list[Span]) -> list[Span]:
    """The parts of `within` where the summed load of (start, end, units) rows is <= limit."""
    if limit < 0:
        return []  # no load is that low, not even none
    events: dict[int, int] = {}
    for start, end, units in loads:
        if end > start:
            events[start] = events.get(start, 0) + units
            events[end] = events.get(end, 0) - units
    if not events:
        return within
    over: list[Span] = []
    level = 0
    over_since: int | None = None
    for instant in sorted(events):
        level += events[instant]
        if level > limit and over_since is None:
            over_since = instant
        elif level <= limit and over_since is not None:
            over.append((over_since, instant))
            over_since = None
    return subtract(within, over)


def peak_load(rows: Iterable[tuple], start: int, end: int) -> int:
    """The most units that (start, end, units, ...) rows hold at one instant of [start, end)."""
    events = []
    for row in rows:
        if row[0] < end and row[1] > start and row[1] > row[0]:
            events += [(max(row[0], start), row[2]), (row[1], -row[2])]
    level = peak = 0
    for _, units in sorted(events):  # at one instant a row ending goes before one starting
        level += units
        peak = max(peak, level)
    return peak


def overlapping(rows: list, start: int, end: int) -> list:
    """Rows (start, end, ...) that overlap [start, end), in order."""
    return [row for row in rows if row[0] < end and row[1] > start]
