"""The courses scenario's own code, on fixed data with the clock pinned: where each course is
searched from, what counts as an answer, and the figures it reports. The measuring runs are
`make bench`'s; the suite never runs one."""

import datetime as dt

import pytest
import time_machine
from django.utils import timezone

from bench.scenarios import courses

UTC = dt.UTC


@pytest.mark.parametrize("now", [
    dt.datetime(2026, 12, 6, 6, 30, tzinfo=UTC),   # 23:30 the day before in Phoenix
    dt.datetime(2026, 12, 6, 7, 30, tzinfo=UTC),   # 00:30 in Phoenix
    dt.datetime(2026, 12, 6, 23, 59, tzinfo=UTC),  # late afternoon in Phoenix, the next day in UTC soon
])
def test_a_course_is_searched_from_midnight_at_its_site_one_to_ten_days_after_the_sites_today(now):
    phoenix_today = now.astimezone(dt.timezone(dt.timedelta(hours=-7))).date()

    starts = [courses.course_start(n=n, time_zone="America/Phoenix", now=now) for n in range(12)]

    local = [start.astimezone(dt.timezone(dt.timedelta(hours=-7))) for start in starts]
    assert {start.time() for start in local} == {dt.time(0)}
    assert [(start.date() - phoenix_today).days for start in local] == [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 1, 2]


def test_the_search_start_follows_the_pinned_clock_not_the_machines_date():
    with time_machine.travel(dt.datetime(2026, 12, 31, 23, 0, tzinfo=UTC), tick=False):
        new_years_eve = courses.course_start(n=0, time_zone="America/New_York", now=timezone.now())
    with time_machine.travel(dt.datetime(2027, 1, 1, 6, 0, tzinfo=UTC), tick=False):
        just_after = courses.course_start(n=0, time_zone="America/New_York", now=timezone.now())

    # 18:00 and 01:00 in New York: the site's today moved by one day, and so did the search.
    assert new_years_eve == dt.datetime(2027, 1, 1, 5, 0, tzinfo=UTC)
    assert just_after == dt.datetime(2027, 1, 2, 5, 0, tzinfo=UTC)


def test_placed_and_unplaceable_courses_are_figures():
    placed = courses.outcome(120.0, 201, {"visits": [{}] * 12})
    unplaceable = courses.outcome(80.0, 422, {"code": "course_unplaceable"})

    assert placed == {"ms": 120.0, "status": 201, "visits": 12, "code": None}
    assert unplaceable == {"ms": 80.0, "status": 422, "visits": 0, "code": "course_unplaceable"}


@pytest.mark.parametrize("status", [400, 401, 403, 409, 500])
def test_any_other_answer_stops_the_run_with_the_answer_instead_of_placing_nothing(status):
    # A refused host once came back 400 for every course, and the run reported 0 placed.
    with pytest.raises(RuntimeError, match=f"answered {status}: .*bad_request"):
        courses.outcome(5.0, status, {"code": "bad_request", "detail": "The request could not be understood."})


def test_figures_count_placed_and_unplaceable_courses_and_take_the_worst_audit():
    rounds = [
        {"results": {"iv": [{"ms": 100.0, "status": 201, "visits": 12, "code": None},
                            {"ms": 300.0, "status": 201, "visits": 12, "code": None}], "iv_search": [40.0, 60.0]},
         "overlaps": 0},
        {"results": {"iv": [{"ms": 50.0, "status": 422, "visits": 0, "code": "course_unplaceable"}],
                     "iv_search": [90.0]}, "overlaps": 0},
    ]

    figures = courses._figures(rounds, "the demo clinic")

    assert figures["courses_placed"] == 2
    assert figures["courses_tried"] == 3
    assert figures["unplaceable"] == 1
    assert (figures["place_p50_ms"], figures["unplaceable_p50_ms"]) == (200.0, 50.0)
    assert figures["search_p50_ms"] == 60.0
    assert figures["visits_per_course"] == 12
    assert figures["double_bookings"] == 0
