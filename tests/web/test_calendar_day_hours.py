"""The desk's day shows a date's own hours: hours set for the date replace the week's (the rest of
the day shows as closed), extra hours add to them, and a date set to closed says so."""

from __future__ import annotations

import datetime as dt

import pytest

from scheduling.models import HoursOverride
from tests.factories import HoursOverrideFactory
from web.selectors.calendar import day_grid

from .conftest import MONDAY, NOW

pytestmark = pytest.mark.django_db
TUESDAY = MONDAY + dt.timedelta(days=1)


def grid(clinic, day):
    return day_grid(user=clinic.desk, location=clinic.phoenix, day=day, now=NOW)


def open_share(closed: list[tuple[float, float]]) -> float:
    return round(100 - sum(height for _, height in closed), 1)


def test_hours_set_for_a_date_replace_the_weeks_on_the_calendar(clinic):
    week = grid(clinic, MONDAY)  # open 7:00-19:00 on the week's rules
    assert open_share(week.closed) == 100.0
    HoursOverrideFactory(
        location=clinic.phoenix,
        date=MONDAY,
        kind=HoursOverride.Kind.HOURS,
        reason="",
        start_time=dt.time(10),
        end_time=dt.time(14),
    )
    HoursOverrideFactory(
        location=clinic.phoenix,
        date=MONDAY,
        kind=HoursOverride.Kind.AVAILABLE,
        reason="",
        start_time=dt.time(16),
        end_time=dt.time(17),
    )
    day = grid(clinic, MONDAY)
    shown = (day.ends_at - day.starts_at).total_seconds() / 3600
    assert open_share(day.closed) == round(100 * 5 / shown, 1)  # 10-14 and 16-17 open
    assert open_share(grid(clinic, TUESDAY).closed) == 100.0  # the week's hours the next day


def test_a_date_set_to_closed_shows_closed_and_says_so(clinic):
    HoursOverrideFactory(location=clinic.phoenix, date=MONDAY, kind=HoursOverride.Kind.HOURS, reason="Staff training")
    day = grid(clinic, MONDAY)
    assert day.closed == [(0.0, 100.0)]
    assert "Phoenix is closed that day (Staff training). Video visits still run." in day.notices
