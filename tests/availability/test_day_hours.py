"""A date whose hours are set ("these are the hours that day"): they replace the weekly hours of
that date only, can close the day, combine with extra hours and blocks on the same date, read on
the wall clock on daylight-saving days, and a refusal caused by buffers names the buffers."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError

from scheduling.availability import plan_slot, SlotUnavailable
from scheduling.availability.hours import DatedOverride, open_spans, WeeklyRule
from scheduling.models import HoursOverride
from tests.factories import HoursOverrideFactory, LocationFactory, weekly_hours

from .conftest import MONDAY, NOW
from .test_calendar_rules import at, starts
from .test_daylight_saving import chair_clinic, FALL, LA, local_starts, SPRING

pytestmark = pytest.mark.django_db

HOURS = HoursOverride.Kind.HOURS
TUESDAY = MONDAY + dt.timedelta(days=1)


def day_hours(**kwargs):
    return HoursOverrideFactory(**{"kind": HOURS, "reason": "", **kwargs})


def local(spans, tz) -> list[str]:
    return [
        f"{dt.datetime.fromtimestamp(s, tz):%d %H:%M}-{dt.datetime.fromtimestamp(e, tz):%d %H:%M}" for s, e in spans
    ]


def test_set_hours_replace_the_weekly_hours_of_that_date_only():
    tz = ZoneInfo("America/Phoenix")
    rules = [WeeklyRule(weekday, dt.time(9), dt.time(17)) for weekday in range(7)]
    overrides = [
        DatedOverride(MONDAY, True, dt.time(12), dt.time(14), sets_hours=True),
        DatedOverride(MONDAY, True, dt.time(15), dt.time(19), sets_hours=True),
        DatedOverride(MONDAY, True, dt.time(20), dt.time(21)),  # extra hours still add
        DatedOverride(MONDAY, False, dt.time(16), dt.time(17)),
    ]  # a block still takes away
    spans = open_spans(rules=rules, overrides=overrides, dates=[MONDAY, TUESDAY], tz=tz)
    assert local(spans, tz) == [
        "10 12:00-10 14:00",
        "10 15:00-10 16:00",
        "10 17:00-10 19:00",
        "10 20:00-10 21:00",
        "11 09:00-11 17:00",
    ]


def test_set_hours_without_times_close_the_day_but_extra_hours_that_day_still_open():
    tz = ZoneInfo("America/Phoenix")
    rules = [WeeklyRule(MONDAY.weekday(), dt.time(9), dt.time(17))]
    closed = DatedOverride(MONDAY, False, sets_hours=True)
    assert open_spans(rules=rules, overrides=[closed], dates=[MONDAY], tz=tz) == []
    extra = DatedOverride(MONDAY, True, dt.time(10), dt.time(11))
    assert local(open_spans(rules=rules, overrides=[closed, extra], dates=[MONDAY], tz=tz), tz) == ["10 10:00-10 11:00"]


def test_a_sites_set_hours_decide_the_starts_and_the_refusal_that_day(iv_clinic):
    day_hours(location=iv_clinic["location"], date=MONDAY, start_time=dt.time(12), end_time=dt.time(15))
    got = starts(iv_clinic)
    assert got[0] == "12:00" and got[-1] <= "13:35", got  # an 85-minute visit ends by 15:00
    assert starts(iv_clinic, day=TUESDAY)[0] == "09:00"  # the week's hours again the next day
    with pytest.raises(SlotUnavailable) as err:
        plan_slot(service=iv_clinic["service"], location=iv_clinic["location"], start=at(9), now=NOW)
    assert (err.value.code, err.value.detail) == (
        "outside_hours",
        "Outside Phoenix's hours: Mon 10 Mar 2025 09:00-10:25 MST does not fit in 12:00-15:00 MST.",
    )


def test_a_clinicians_set_hours_narrow_one_day_and_close_another(iv_clinic):
    nurse = iv_clinic["nurse"]
    day_hours(staff=nurse, date=MONDAY, start_time=dt.time(14), end_time=dt.time(17))
    got = starts(iv_clinic)
    assert got[0] == "14:00", got
    day_hours(staff=nurse, date=TUESDAY, reason="Training")  # closed that day
    assert starts(iv_clinic, day=TUESDAY) == []
    with pytest.raises(SlotUnavailable) as err:
        plan_slot(service=iv_clinic["service"], location=iv_clinic["location"], start=at(10, day=TUESDAY), now=NOW)
    assert err.value.code == "time_off"
    assert "Nurse Kim is unavailable on Tue 11 Mar 2025 (Training)" in err.value.detail


def test_set_hours_on_the_spring_forward_day_read_on_the_wall_clock():
    service, location = chair_clinic("America/Los_Angeles", day=SPRING, start=dt.time(9), end=dt.time(17))
    day_hours(location=location, date=SPRING, start_time=dt.time(1), end_time=dt.time(4))
    # 01:00 PST to 04:00 PDT is two hours long: nothing starts in the missing hour.
    assert local_starts(service, location, SPRING, LA) == ["01:00-0800", "01:30-0800", "03:00-0700", "03:30-0700"]


def test_set_hours_on_the_fall_back_day_hold_the_repeated_hour_twice():
    service, location = chair_clinic("America/Los_Angeles", day=FALL, start=dt.time(9), end=dt.time(17))
    day_hours(location=location, date=FALL, start_time=dt.time(0, 30), end_time=dt.time(2))
    assert local_starts(service, location, FALL, LA) == [
        "00:30-0700",
        "01:00-0700",
        "01:30-0700",
        "01:00-0800",
        "01:30-0800",
    ]
    next_week = FALL + dt.timedelta(days=7)
    assert local_starts(service, location, next_week, LA)[0] == "09:00-0800"


def test_a_closed_set_day_on_a_dst_change_offers_nothing():
    service, location = chair_clinic("America/Los_Angeles", day=SPRING, start=dt.time(0), end=dt.time(5))
    day_hours(location=location, date=SPRING)
    assert local_starts(service, location, SPRING, LA) == []


def test_a_refusal_caused_by_buffers_names_them(iv_clinic):
    service = iv_clinic["service"]
    service.buffer_before_minutes = service.buffer_after_minutes = 15
    service.save()
    with pytest.raises(SlotUnavailable) as err:
        plan_slot(service=service, location=iv_clinic["location"], start=at(15, 30), now=NOW)
    assert err.value.detail == (
        "Outside Phoenix's hours: with its 15-minute buffers before and after, Mon 10 Mar 2025 15:15-17:10 MST "
        "does not fit in 09:00-17:00 MST."
    )
    service.buffer_before_minutes = 0
    service.save()
    with pytest.raises(SlotUnavailable) as err:
        plan_slot(service=service, location=iv_clinic["location"], start=at(15, 45), now=NOW)
    assert "with its 15-minute buffer after, Mon 10 Mar 2025 15:45-17:25 MST does not fit" in err.value.detail


def test_a_day_is_either_closed_or_open_at_set_times_that_do_not_overlap():
    site = LocationFactory(name="Tempe")
    weekly_hours(location=site)
    day_hours(location=site, date=MONDAY, start_time=dt.time(9), end_time=dt.time(12))
    closed = HoursOverride(location=site, date=MONDAY, kind=HOURS)
    with pytest.raises(ValidationError, match="either closed or open at set times"):
        closed.full_clean()
    overlapping = HoursOverride(location=site, date=MONDAY, kind=HOURS, start_time=dt.time(11), end_time=dt.time(13))
    with pytest.raises(ValidationError, match="Overlaps the hours already set"):
        overlapping.full_clean()
    HoursOverride(location=site, date=MONDAY, kind=HOURS, start_time=dt.time(13), end_time=dt.time(17)).full_clean()
    assert str(HoursOverride(location=site, date=TUESDAY, kind=HOURS)) == "2025-03-11 These are the hours: closed"
