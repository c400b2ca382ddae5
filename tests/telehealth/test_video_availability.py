"""Video availability: on each clinician's own hours and clock, no room needed, only clinicians
licensed in the patient's state, optionally only those speaking a language; each side reads the
times on their own clock."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from scheduling.availability import find_slots
from tests.factories import PatientFactory
from tests.telehealth.conftest import client_for, LA, la, NOW, PHX, VISIT_DAY


def day_range(day: dt.date = VISIT_DAY) -> tuple[dt.datetime, dt.datetime]:
    return la(0, day=day), la(0, day=day + dt.timedelta(days=1))


def clinicians(result) -> set[int]:
    return {pk for slot in result.slots for pk in slot.staff_ids}


def test_a_video_visit_is_offered_on_the_clinicians_own_hours_and_needs_no_room(clinic):
    start, end = day_range()
    result = find_slots(service=clinic.follow_up, location=None, start=start, end=end, patient=clinic.ana, now=NOW)
    assert result.earliest.start == la(8) and result.slots[-1].start == la(16, 30)
    assert all(a.resource_id is None for slot in result.slots for a in slot.assignments)
    # Sam's therapy session by video needs no therapy room either (there is none).
    therapy = find_slots(service=clinic.integration, location=None, start=start, end=end, patient=clinic.ana, now=NOW)
    assert therapy.slots and clinicians(therapy) == {clinic.sam.pk}


def test_only_clinicians_licensed_in_the_patients_state_are_offered(clinic):
    start, end = day_range()
    in_california = PatientFactory(state="CA", time_zone="America/Los_Angeles")
    in_texas = PatientFactory(state="TX", time_zone="America/Chicago")
    therapy_for_ana = find_slots(service=clinic.integration, location=None, start=start, end=end,
                                 patient=clinic.ana, now=NOW)
    therapy_for_ca = find_slots(service=clinic.integration, location=None, start=start, end=end,
                                patient=in_california, now=NOW)
    follow_up_for_ca = find_slots(service=clinic.follow_up, location=None, start=start, end=end,
                                  patient=in_california, now=NOW)
    follow_up_for_tx = find_slots(service=clinic.follow_up, location=None, start=start, end=end,
                                  patient=in_texas, now=NOW)
    assert clinicians(therapy_for_ana) == {clinic.sam.pk}
    assert therapy_for_ca.slots == []  # Sam is licensed in Arizona only
    assert clinicians(follow_up_for_ca) == {clinic.lee.pk}
    assert follow_up_for_tx.slots == []


def test_the_language_filter_keeps_only_clinicians_who_speak_it(clinic):
    start, end = day_range()
    spanish = find_slots(service=clinic.integration, location=None, start=start, end=end, patient=clinic.ana,
                         language="es", now=NOW)
    english = find_slots(service=clinic.integration, location=None, start=start, end=end, patient=clinic.ana,
                         language="en", now=NOW)
    assert spanish.slots == [] and clinicians(english) == {clinic.sam.pk}
    follow_up = find_slots(service=clinic.follow_up, location=None, start=start, end=end, patient=clinic.ana,
                           language="es", now=NOW)
    assert clinicians(follow_up) == {clinic.lee.pk}


def test_the_availability_api_filters_video_clinicians_by_the_signed_in_patients_state_and_language(clinic):
    api = client_for(clinic.ana.user)
    start, end = day_range()
    query = {"service": "integration", "modality": "video", "start": start.isoformat(), "end": end.isoformat()}
    with time_machine.travel(NOW, tick=False):
        assert api.get("/api/v1/availability", query).json()["slots"]
        assert api.get("/api/v1/availability", {**query, "language": "es"}).json()["slots"] == []
        clinic.ana.state = "CA"
        clinic.ana.save()
        assert api.get("/api/v1/availability", query).json()["slots"] == []


@pytest.mark.parametrize(("day", "la_offset", "phoenix_clock"), [
    (VISIT_DAY, "-08:00", "10:00"),                # January: Los Angeles is an hour behind Phoenix
    (dt.date(2025, 7, 8), "-07:00", "09:00"),      # July: Los Angeles on daylight time, same clock as Phoenix
])
def test_video_times_read_right_on_each_side_across_time_zones(clinic, day, la_offset, phoenix_clock):
    api = client_for(clinic.ana.user)
    start, end = day_range(day)
    with time_machine.travel(NOW, tick=False):
        body = api.get("/api/v1/availability", {"service": "follow-up", "modality": "video", "staff": clinic.lee.pk,
                                                "start": start.isoformat(), "end": end.isoformat()}).json()
    first = body["earliest"]
    nine_in_la = dt.datetime.combine(day, dt.time(9), tzinfo=LA)
    slot = next(s for s in body["slots"] if s["start"] == nine_in_la.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    assert first["clinician_time_zone"] == "America/Los_Angeles" and first["time_zone"] == "America/Phoenix"
    assert slot["clinician_local_start"] == f"{day.isoformat()}T09:00:00{la_offset}"
    assert slot["local_start"] == f"{day.isoformat()}T{phoenix_clock}:00-07:00"
    assert nine_in_la.astimezone(PHX).strftime("%H:%M") == phoenix_clock
