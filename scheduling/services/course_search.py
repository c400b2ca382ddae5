"""Finding a whole course's times: a depth-first search with pruning over the openings the
availability engine listed (no database here).

The doses are placed in order, each followed by its companion visit (if the course has them).
Dose k may start `min_gap`-`max_gap` after dose k-1, not before the previous visit ends, and
(with a maximum span) early enough that the remaining doses' minimum gaps still fit. A companion
falls on a calendar day `min_days`-`max_days` after its dose, and before the next dose. For each
visit the candidates are one opening per calendar day (the earliest; with a preferred clinician,
their earliest as well), earliest day first, so the course comes out as compact as it can; a
companion tries the preferred clinician's days before others. A later opening on the same day
never helps (it only pushes the next dose later), which is what makes one per day enough.
A dead end is remembered by (visit, previous dose start, previous visit end, first dose start),
so no sub-problem is solved twice, and a node budget bounds the worst case.
"""

from __future__ import annotations

import bisect
import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from scheduling import timeutils

NODE_BUDGET = 50_000


@dataclass(frozen=True)
class Opening:
    """A bookable start for one visit, from find_slots: what it would hold, and whether it is with
    the clinician the patient prefers."""

    start: dt.datetime
    end: dt.datetime
    staff_ids: tuple[int, ...] = ()
    resource_ids: tuple[int, ...] = ()
    preferred: bool = False
    slot: object = field(default=None, compare=False, repr=False)  # the engine's Slot, for booking it

    @property
    def staff_id(self) -> int | None:
        return self.staff_ids[0] if len(self.staff_ids) == 1 else None


class Pool:
    """The openings of one kind of visit, sorted, with one candidate per local day."""

    def __init__(self, openings: list[Opening], zone: ZoneInfo):
        self.zone = zone
        by_day: dict[dt.date, list[Opening]] = defaultdict(list)
        for opening in sorted(openings, key=lambda o: (o.start, not o.preferred)):
            by_day[timeutils.local_date(opening.start, zone)].append(opening)
        self.days = sorted(by_day)
        self.by_day = by_day
        self.starts = sorted(o.start for o in openings)

    def __bool__(self) -> bool:
        return bool(self.days)

    def per_day(self, lo: dt.datetime, hi: dt.datetime, *, preferred_first: bool = False) -> list[Opening]:
        """Per day, the earliest opening starting in [lo, hi] (and the earliest preferred one)."""
        if hi < lo:
            return []
        first = bisect.bisect_left(self.days, timeutils.local_date(lo, self.zone))
        last = bisect.bisect_right(self.days, timeutils.local_date(hi, self.zone))
        chosen: list[Opening] = []
        for day in self.days[first:last]:
            inside = [o for o in self.by_day[day] if lo <= o.start <= hi]
            if not inside:
                continue
            best = [o for o in inside if o.preferred][:1]
            if not best or best[0] is not inside[0]:
                best.append(inside[0])
            chosen.extend(best)
        if preferred_first:
            chosen.sort(key=lambda o: not o.preferred)
        return chosen

    def any_between(self, lo: dt.datetime, hi: dt.datetime) -> bool:
        i = bisect.bisect_left(self.starts, lo)
        return i < len(self.starts) and self.starts[i] <= hi


@dataclass(frozen=True)
class DoseStep:
    number: int
    min_gap: dt.timedelta
    max_gap: dt.timedelta | None


@dataclass(frozen=True)
class CompanionRule:
    min_days: int
    max_days: int


@dataclass(frozen=True)
class Problem:
    """What to search: the doses in order (the first one's gap counts from `anchor_start` when the
    course already has doses), the companion rule, and the window for the first dose."""

    doses: list[DoseStep]
    earliest: dt.datetime
    latest_first: dt.datetime
    zone: ZoneInfo
    companion: CompanionRule | None = None
    max_span: dt.timedelta | None = None
    anchor_start: dt.datetime | None = None
    anchor_end: dt.datetime | None = None


@dataclass(frozen=True)
class Placed:
    kind: str  # "dose" or "companion"
    number: int
    opening: Opening


@dataclass
class DeadEnd:
    """The furthest visit the search could not place, and the window it looked in."""

    depth: int = -1
    kind: str = ""
    number: int = 0
    lo: dt.datetime | None = None
    hi: dt.datetime | None = None
    cause: str = ""  # no_opening | max_span | budget


@dataclass
class Outcome:
    placed: list[Placed] | None
    dead_end: DeadEnd = field(default_factory=DeadEnd)
    nodes: int = 0


def search(problem: Problem, doses: Pool, companions: Pool | None) -> Outcome:
    """The earliest-starting, most compact course that satisfies every rule, or where it got stuck."""
    outcome = Outcome(placed=None)
    failed: set[tuple] = set()
    remaining_min = [sum((d.min_gap for d in problem.doses[i + 1:]), dt.timedelta()) for i in range(len(problem.doses))]
    use_companions = problem.companion is not None and companions is not None

    def stuck(depth: int, kind: str, number: int, lo, hi, cause: str) -> None:
        if depth >= outcome.dead_end.depth:
            outcome.dead_end = DeadEnd(depth, kind, number, lo, hi, cause)

    def place_dose(i: int, prev_start, prev_end, first_start) -> list[Placed] | None:
        if i == len(problem.doses):
            return []
        key = ("dose", i, prev_start, prev_end, first_start)
        if key in failed:
            return None
        outcome.nodes += 1
        if outcome.nodes > NODE_BUDGET:
            stuck(10**6, "dose", problem.doses[i].number, None, None, "budget")
            return None
        step = problem.doses[i]
        depth = 2 * i
        lo = max(problem.earliest, prev_end) if prev_end else problem.earliest
        hi = problem.latest_first if prev_start is None else None
        if prev_start is not None:
            lo = max(lo, prev_start + step.min_gap)
            if step.max_gap is not None:
                hi = prev_start + step.max_gap
        hi = hi or doses.starts[-1]
        span_hi = None
        if problem.max_span is not None and first_start is not None:
            span_hi = first_start + problem.max_span - remaining_min[i]
        window_hi = hi if span_hi is None else min(hi, span_hi)
        candidates = doses.per_day(lo, window_hi)
        if not candidates:
            # The span rule is to blame when there are openings it alone rules out.
            spanned = window_hi < hi and doses.any_between(max(lo, window_hi), hi)
            stuck(depth, "dose", step.number, lo, hi if spanned else window_hi, "max_span" if spanned else "no_opening")
        for opening in candidates:
            rest = place_companion(i, opening, first_start or opening.start)
            if rest is not None:
                return [Placed("dose", step.number, opening), *rest]
        failed.add(key)
        return None

    def place_companion(i: int, dose: Opening, first_start) -> list[Placed] | None:
        if not use_companions:
            return place_dose(i + 1, dose.start, dose.end, first_start)
        rule = problem.companion
        day = timeutils.local_date(dose.start, problem.zone)
        lo = max(dose.end, timeutils.day_bounds(day + dt.timedelta(days=rule.min_days), problem.zone)[0])
        hi = timeutils.day_bounds(day + dt.timedelta(days=rule.max_days), problem.zone)[1] - dt.timedelta(seconds=1)
        if i + 1 < len(problem.doses) and problem.doses[i + 1].max_gap is not None:
            hi = min(hi, dose.start + problem.doses[i + 1].max_gap)
        candidates = companions.per_day(lo, hi, preferred_first=True)
        if not candidates:
            stuck(2 * i + 1, "companion", problem.doses[i].number, lo, hi, "no_opening")
        for opening in candidates:
            rest = place_dose(i + 1, dose.start, opening.end, first_start)
            if rest is not None:
                return [Placed("companion", problem.doses[i].number, opening), *rest]
        return None

    if problem.doses and doses:
        outcome.placed = place_dose(0, problem.anchor_start, problem.anchor_end, None)
    elif problem.doses:
        stuck(0, "dose", problem.doses[0].number, problem.earliest, problem.latest_first, "no_opening")
    return outcome
