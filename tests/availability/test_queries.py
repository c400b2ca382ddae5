"""A request costs the same handful of queries however long the range and however many staff,
and reads only the allocations that can touch its window."""

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from scheduling.availability import find_slots, plan_slot
from scheduling.availability.loader import load
from tests.factories import book_slot, ResourceFactory, StaffMemberFactory, weekly_hours

from .conftest import MONDAY, NOW

pytestmark = pytest.mark.django_db

PHX = dt.timezone(dt.timedelta(hours=-7))
START = dt.datetime.combine(MONDAY, dt.time(0), tzinfo=PHX)


def queries_for(clinic, days: int) -> int:
    with CaptureQueriesContext(connection) as captured:
        find_slots(service=clinic["service"], location=clinic["location"], start=START,
                   end=START + dt.timedelta(days=days), now=NOW)
    return len(captured.captured_queries)


def test_the_number_of_queries_does_not_grow_with_the_range_or_the_staff(iv_clinic):
    cold = queries_for(iv_clinic, 1)  # the first request loads the clinic's set-up
    warm = queries_for(iv_clinic, 1)
    # Warm: the set-up's version, the window's allocations, and the service's phases and
    # locations (this copy of the service has none prefetched). Cold: ten more, the set-up itself.
    assert (cold, warm) == (14, 4)
    assert queries_for(iv_clinic, 62) == warm
    for _ in range(10):
        member = StaffMemberFactory(locations=[iv_clinic["location"]])
        weekly_hours(staff=member)
        ResourceFactory(location=iv_clinic["location"])
    assert queries_for(iv_clinic, 62) == cold  # the set-up changed: read once more
    assert queries_for(iv_clinic, 62) == warm


def test_only_allocations_that_can_touch_the_window_are_read(iv_clinic):
    service, location = iv_clinic["service"], iv_clinic["location"]
    long_ago = dt.datetime.combine(MONDAY - dt.timedelta(days=30), dt.time(9), tzinfo=PHX)
    old = book_slot(plan_slot(service=service, location=location, start=long_ago, now=long_ago - dt.timedelta(days=1)),
                    service=service, location=location)
    current = book_slot(plan_slot(service=service, location=location, start=START + dt.timedelta(hours=9), now=NOW),
                        service=service, location=location)
    ctx = load(service=service, location=location, window_start=START, window_end=START + dt.timedelta(days=1),
               now=NOW)
    seen = {row[2] for pool in ctx.calendar.resources.values() for holder in pool for row in holder.busy}
    assert seen == {current.id}
    assert old.id not in seen


def test_the_availability_answer_costs_two_queries_for_a_day_or_two_months(iv_clinic, client):
    """The set-up's version and the window's allocations: the service, place and clinicians come
    from the set-up in memory, and a lean answer never works out who would take each slot."""
    def answer(days: int, **extra) -> tuple[int, int]:
        params = {"service": "iv", "location": iv_clinic["location"].pk, "start": START.isoformat(),
                  "end": (START + dt.timedelta(days=days)).isoformat(), **extra}
        with time_machine.travel(NOW, tick=False), CaptureQueriesContext(connection) as captured:
            response = client.get("/api/v1/availability", params)
        assert response.status_code == 200, response.content
        return len(captured.captured_queries), len(response.json()["slots"])

    answer(1)  # the first request loads the clinic's set-up
    queries, one_day = answer(1)
    assert queries == 2 and one_day > 0
    queries, two_months = answer(62)
    assert queries == 2 and two_months > 30 * one_day
    assert answer(62, detail="full") == (2, two_months)  # who takes each slot comes from the set-up too
