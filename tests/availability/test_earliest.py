"""Earliest anywhere: find_earliest merges every site and video earliest first, reaches past
closed days through its widening windows, and keeps to the places it is given."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from scheduling.availability import find_earliest, find_slots, next_available
from tests.factories import (
    ClosureFactory,
    LocationFactory,
    ResourceFactory,
    StaffMemberFactory,
    video_therapy_service,
    weekly_hours,
)

from .conftest import NOW

pytestmark = pytest.mark.django_db
PHX, LA = ZoneInfo("America/Phoenix"), ZoneInfo("America/Los_Angeles")


@pytest.fixture
def talk():
    """Therapy in Phoenix and San Diego (an hour apart in March) and by video, a therapist at each."""
    phoenix = LocationFactory(name="Phoenix", time_zone="America/Phoenix", state="AZ")
    san_diego = LocationFactory(name="San Diego", time_zone="America/Los_Angeles", state="CA")
    for site in (phoenix, san_diego):
        weekly_hours(location=site, start=dt.time(9), end=dt.time(17))
        ResourceFactory(location=site, name=f"{site.name} room", kind="therapy_room")
        member = StaffMemberFactory(display_name=f"{site.name} therapist", roles=["therapist"], locations=[site],
                                    time_zone=site.time_zone, licensed_states=[site.state])
        weekly_hours(staff=member, start=dt.time(9), end=dt.time(17))
    online = StaffMemberFactory(display_name="Video therapist", roles=["therapist"], licensed_states=["AZ"],
                                time_zone="America/Phoenix")
    weekly_hours(staff=online, start=dt.time(7), end=dt.time(9))
    service = video_therapy_service(code="talk", modality="either", duration=60, locations=[phoenix, san_diego])
    return {"phoenix": phoenix, "san_diego": san_diego, "service": service}


def local(day: int, hour: int, tz=PHX) -> dt.datetime:
    return dt.datetime(2025, 3, day, hour, tzinfo=tz)


def test_every_site_and_video_earliest_first(talk):
    found = find_earliest(service=talk["service"], start=NOW, end=NOW + dt.timedelta(days=28), limit=16, now=NOW)

    quarter = dt.timedelta(minutes=15)
    assert [(placed.start, placed.location.name if placed.location else "video") for placed in found] == [
        *((local(1, 7) + n * quarter, "video") for n in range(5)),  # the video therapist's 7:00-9:00
        # From 9:00 the Phoenix therapist is free in the room or by video: a tie, sites first.
        *((local(1, 9) + n * quarter, place) for n in range(4) for place in ("Phoenix", "video")),
        # 09:00 in San Diego is 10:00 in Phoenix: sites by name, video last.
        (local(1, 10), "Phoenix"), (local(1, 9, LA), "San Diego"), (local(1, 10), "video"),
    ]


def test_the_answer_equals_merging_each_places_slots(talk):
    end = NOW + dt.timedelta(days=5)
    found = find_earliest(service=talk["service"], start=NOW, end=end, limit=40, now=NOW)

    merged = sorted(slot.start for place in (talk["phoenix"], talk["san_diego"], None)
                    for slot in find_slots(service=talk["service"], location=place, start=NOW, end=end,
                                           now=NOW).slots)
    assert [placed.start for placed in found] == merged[:40]


def test_it_reaches_past_closed_days_and_keeps_to_the_places_given(talk):
    for site in (talk["phoenix"], talk["san_diego"]):
        ClosureFactory(location=site, start_date=dt.date(2025, 3, 1), end_date=dt.date(2025, 3, 9))

    found = find_earliest(service=talk["service"], start=NOW, end=NOW + dt.timedelta(days=28),
                          places=[talk["san_diego"]], limit=2, now=NOW)

    assert [placed.start for placed in found] == [local(10, 9, LA), local(10, 9, LA) + dt.timedelta(minutes=15)]
    assert find_earliest(service=talk["service"], start=NOW, end=NOW + dt.timedelta(days=28), places=[],
                         now=NOW) == []


def test_next_available_gives_each_service_its_first_time(talk):
    first = next_available(services=[talk["service"]], start=NOW, end=NOW + dt.timedelta(days=28), now=NOW)

    assert first[talk["service"].pk].start == local(1, 7)
    assert first[talk["service"].pk].is_video
