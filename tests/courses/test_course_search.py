"""The course search is a real search: when the earliest choice leads to a dead end it backs up
and tries the next, and when nothing works it says where it got stuck."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from scheduling.services.course_search import CompanionRule, DoseStep, Opening, Pool, Problem, search

PHX = ZoneInfo("America/Phoenix")
H = dt.timedelta(hours=1)


def day(n: int, hour: int = 9) -> dt.datetime:
    return dt.datetime(2025, 3, 10 + n, hour, tzinfo=PHX).astimezone(dt.UTC)


def pool(*starts: dt.datetime, staff: int = 1) -> Pool:
    return Pool([Opening(s, s + H, (staff,), ()) for s in starts], PHX)


def doses(count: int, low: int, high: int | None) -> list[DoseStep]:
    return [DoseStep(n, dt.timedelta(hours=low), dt.timedelta(hours=high) if high else None)
            for n in range(1, count + 1)]


def test_the_search_backs_up_when_the_earliest_first_visit_leads_nowhere():
    # 48-72 h apart: from day 0 the second visit would need day 2 or 3 (none); from day 1, day 4 works.
    problem = Problem(doses=doses(2, 48, 72), earliest=day(0, 0), latest_first=day(5), zone=PHX)

    outcome = search(problem, pool(day(0), day(1), day(4)), None)

    assert [p.opening.start for p in outcome.placed] == [day(1), day(4)]


def test_a_later_dose_can_force_an_earlier_one_to_move():
    # Three visits 48-72 h apart; day 0 -> day 2 -> (day 4 or 5: none) fails; day 0 -> day 3 -> day 6 works.
    problem = Problem(doses=doses(3, 48, 72), earliest=day(0, 0), latest_first=day(0, 23), zone=PHX)

    outcome = search(problem, pool(day(0), day(2), day(3), day(6)), None)

    assert [p.opening.start for p in outcome.placed] == [day(0), day(3), day(6)]


def test_the_span_rule_prunes_and_is_named_when_it_is_what_fails():
    problem = Problem(doses=doses(3, 48, None), earliest=day(0, 0), latest_first=day(0, 23), zone=PHX,
                      max_span=dt.timedelta(days=5))

    outcome = search(problem, pool(day(0), day(2), day(6)), None)

    assert outcome.placed is None
    assert (outcome.dead_end.number, outcome.dead_end.cause) == (3, "max_span")


def test_a_companion_falls_in_its_window_and_before_the_next_dose():
    problem = Problem(doses=doses(2, 48, 96), earliest=day(0, 0), latest_first=day(0, 23), zone=PHX,
                      companion=CompanionRule(1, 3))

    outcome = search(problem, pool(day(0), day(2), day(3)), pool(day(2, 10), day(3, 8), day(4), staff=2))

    assert [(p.kind, p.number, p.opening.start) for p in outcome.placed] == [
        ("dose", 1, day(0)), ("companion", 1, day(2, 10)), ("dose", 2, day(3)), ("companion", 2, day(4))]


def test_a_dead_end_names_the_furthest_visit_and_the_window_it_searched():
    problem = Problem(doses=doses(3, 48, 72), earliest=day(0, 0), latest_first=day(0, 23), zone=PHX)

    outcome = search(problem, pool(day(0), day(2)), None)

    assert outcome.placed is None
    end = outcome.dead_end
    assert (end.kind, end.number, end.cause) == ("dose", 3, "no_opening")
    assert (end.lo, end.hi) == (day(4), day(5))
