"""Slots on daylight-saving days: none in the spring-forward gap, none lost or doubled on fall-back
night, Phoenix (no DST) unchanged on the same dates, and video on the clinician's own clock."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from scheduling.availability import find_slots
from tests.factories import (
    LocationFactory,
    PhaseFactory,
    ResourceFactory,
    ServiceFactory,
    StaffMemberFactory,
    video_therapy_service,
    WorkingHoursFactory,
)

pytestmark = pytest.mark.django_db

LA, PHX = ZoneInfo("America/Los_Angeles"), ZoneInfo("America/Phoenix")
SPRING = dt.date(2025, 3, 9)   # 02:00 -> 03:00 in Los Angeles
FALL = dt.date(2025, 11, 2)    # 02:00 -> 01:00 in Los Angeles
NOW = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)


def chair_clinic(zone: str, *, day: dt.date, start: dt.time, end: dt.time):
    """A location open on `day`'s weekday from `start` to `end`, one chair, a 30-minute visit on a
    30-minute step."""
    location = LocationFactory(time_zone=zone)
    WorkingHoursFactory(location=location, weekday=day.weekday(), start_time=start, end_time=end)
    ResourceFactory(location=location)
    service = ServiceFactory(slot_step_minutes=30, locations=[location])
    PhaseFactory(service=service, order=1, duration_minutes=30, resource_kind="infusion_chair")
    return service, location


def local_starts(service, location, day: dt.date, tz: ZoneInfo) -> list[str]:
    start = dt.datetime.combine(day, dt.time(0), tzinfo=dt.UTC) - dt.timedelta(hours=2)
    slots = find_slots(service=service, location=location, start=start, end=start + dt.timedelta(days=1),
                       now=NOW).slots
    instants = [s.start for s in slots]
    assert instants == sorted(set(instants)), "slots are distinct instants in order"
    return [s.start.astimezone(tz).strftime("%H:%M%z") for s in slots]


def test_no_slot_starts_in_the_spring_forward_gap_and_the_night_is_an_hour_shorter():
    service, location = chair_clinic("America/Los_Angeles", day=SPRING, start=dt.time(0), end=dt.time(5))
    assert local_starts(service, location, SPRING, LA) == [
        "00:00-0800", "00:30-0800", "01:00-0800", "01:30-0800",
        "03:00-0700", "03:30-0700", "04:00-0700", "04:30-0700"]


def test_the_repeated_hour_on_fall_back_night_is_offered_twice_as_two_different_instants():
    service, location = chair_clinic("America/Los_Angeles", day=FALL, start=dt.time(0), end=dt.time(5))
    assert local_starts(service, location, FALL, LA) == [
        "00:00-0700", "00:30-0700", "01:00-0700", "01:30-0700", "01:00-0800", "01:30-0800",
        "02:00-0800", "02:30-0800", "03:00-0800", "03:30-0800", "04:00-0800", "04:30-0800"]


@pytest.mark.parametrize("day", [SPRING, FALL])
def test_phoenix_offers_the_same_ten_slots_on_both_change_days(day):
    service, location = chair_clinic("America/Phoenix", day=day, start=dt.time(0), end=dt.time(5))
    assert local_starts(service, location, day, PHX) == [
        f"{h:02d}:{m:02d}-0700" for h in range(5) for m in (0, 30)]


def test_hours_ending_inside_the_gap_end_when_the_clock_jumps():
    service, location = chair_clinic("America/Los_Angeles", day=SPRING, start=dt.time(1), end=dt.time(2, 30))
    assert local_starts(service, location, SPRING, LA) == ["01:00-0800", "01:30-0800"]


def test_hours_starting_inside_the_gap_start_when_the_clock_lands():
    service, location = chair_clinic("America/Los_Angeles", day=SPRING, start=dt.time(2, 30), end=dt.time(4))
    assert local_starts(service, location, SPRING, LA) == ["03:00-0700", "03:30-0700"]


def test_a_normal_day_in_los_angeles_keeps_its_wall_clock_hours_either_side_of_the_change():
    before = SPRING - dt.timedelta(days=7)
    service, location = chair_clinic("America/Los_Angeles", day=before, start=dt.time(9), end=dt.time(10))
    assert local_starts(service, location, before, LA) == ["09:00-0800", "09:30-0800"]
    after = SPRING + dt.timedelta(days=7)
    assert local_starts(service, location, after, LA) == ["09:00-0700", "09:30-0700"]


def test_a_video_visit_is_offered_on_the_clinicians_own_wall_clock():
    winter = dt.date(2025, 1, 13)
    therapist = StaffMemberFactory(roles=["therapist"], time_zone="America/Los_Angeles", licensed_states=["AZ", "CA"])
    WorkingHoursFactory(staff=therapist, weekday=winter.weekday(), start_time=dt.time(9), end_time=dt.time(11))
    service = video_therapy_service(duration=50, slot_step_minutes=60)
    start = dt.datetime.combine(winter, dt.time(0), tzinfo=PHX)
    slots = find_slots(service=service, location=None, start=start, end=start + dt.timedelta(days=1), now=NOW).slots
    # 09:00 and 10:00 in Los Angeles are 10:00 and 11:00 for a patient in Phoenix.
    assert [s.start.astimezone(LA).strftime("%H:%M") for s in slots] == ["09:00", "10:00"]
    assert [s.start.astimezone(PHX).strftime("%H:%M") for s in slots] == ["10:00", "11:00"]
    assert [a.resource_id for s in slots for a in s.assignments] == [None, None]


def test_a_clinician_on_a_half_hour_zone_gets_starts_on_their_own_half_hours():
    therapist = StaffMemberFactory(roles=["therapist"], time_zone="America/St_Johns")
    day = dt.date(2025, 1, 13)
    WorkingHoursFactory(staff=therapist, weekday=day.weekday(), start_time=dt.time(9), end_time=dt.time(11))
    service = video_therapy_service(duration=50, slot_step_minutes=60)
    start = dt.datetime.combine(day, dt.time(0), tzinfo=dt.UTC)
    slots = find_slots(service=service, location=None, start=start, end=start + dt.timedelta(days=1), now=NOW).slots
    assert [s.start.strftime("%H:%M") for s in slots] == ["12:30", "13:30"]
