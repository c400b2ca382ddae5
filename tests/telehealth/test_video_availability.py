"""Video availability: on each clinician's own hours and clock, no room needed, only clinicians
licensed in the patient's state, optionally only those speaking a language; each side reads the
times on their own clock."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from rest_framework.test import APIClient

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
                                                "start": start.isoformat(), "end": end.isoformat(),
                                                "detail": "full"}).json()
    first = body["earliest"]
    nine_in_la = dt.datetime.combine(day, dt.time(9), tzinfo=LA)
    slot = next(s for s in body["slots"] if s["start"] == nine_in_la.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"))
    assert first["clinician_time_zone"] == "America/Los_Angeles" and first["time_zone"] == "America/Phoenix"
    assert slot["clinician_local_start"] == f"{day.isoformat()}T09:00:00{la_offset}"
    assert slot["local_start"] == f"{day.isoformat()}T{phoenix_clock}:00-07:00"
    assert nine_in_la.astimezone(PHX).strftime("%H:%M") == phoenix_clock


def test_video_times_outside_the_patients_texting_window_are_marked_for_the_patient_and_the_desk(clinic):
    # Dr. Lee's 8:00 in Los Angeles is 6:00 in Honolulu: no text reaches the patient before 8:00.
    clinic.ana.time_zone, clinic.ana.state, clinic.ana.phone = "Pacific/Honolulu", "CA", "+18085550123"
    clinic.ana.save()
    start, end = day_range()
    query = {"service": "follow-up", "modality": "video", "start": start.isoformat(), "end": end.isoformat(),
             "detail": "full"}
    with time_machine.travel(NOW, tick=False):
        slots = client_for(clinic.ana.user).get("/api/v1/availability", query).json()["slots"]
    outside = {slot["start"] for slot in slots if slot["outside_texting_window"]}
    # Up to 9:30 (7:30-8:00 in Honolulu) the window opens only when the 30-minute visit is over;
    # at 9:45 (7:45-8:15) the join link goes at 8:00, when it opens.
    first = la(8)
    assert outside == {f"{first + dt.timedelta(minutes=15 * n):%Y-%m-%dT%H:%M:%SZ}" for n in range(7)}
    assert f"{la(9, 45):%Y-%m-%dT%H:%M:%SZ}" in {slot["start"] for slot in slots}
    assert all(slot["outside_texting_window"] is False for slot in slots if slot["start"] not in outside)
    # Staff naming the patient (here Dr. Lee) see the same, and a visitor's answer has no such field.
    staff = client_for(clinic.lee.user)
    with time_machine.travel(NOW, tick=False):
        named = staff.get("/api/v1/availability", {**query, "patient": clinic.ana.pk}).json()["slots"]
        anonymous = APIClient().get("/api/v1/availability", query).json()["slots"]
    assert {slot["start"] for slot in named if slot["outside_texting_window"]} == outside
    assert anonymous and all("outside_texting_window" not in slot for slot in anonymous)


def test_the_times_page_notes_video_times_no_text_could_reach_the_patient_before(clinic, client):
    # Sam's 9:00 in Phoenix is 6:00 in Honolulu; the visitor can still pick it.
    query = "state=AZ&tz=Pacific/Honolulu&day=" + f"{VISIT_DAY:%Y-%m-%d}"
    with time_machine.travel(NOW, tick=False):
        page = client.get(f"/book/integration/video/?{query}")
    html = page.content.decode()
    assert page.status_code == 200, html
    assert 'id="texting-note"' in html and "no text with the video link would reach you" in html
    assert 'aria-describedby="texting-note">6:00 AM *' in html
    assert 'aria-describedby="texting-note">10:00 AM' not in html  # inside the window: no mark
