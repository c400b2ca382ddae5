"""A refusal's times name their day and zone: the location's for a visit in person, the patient's
for video (not the clinician's clock, nor UTC)."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from accounts.models import Role
from tests.factories import PatientFactory, StaffMemberFactory, UserFactory, video_therapy_service, weekly_hours

from .conftest import client_for, iso

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")


def video_patient(name: str):
    return PatientFactory(user=UserFactory(username=name, role=Role.PATIENT), legal_first_name=name.title(),
                          state="CA", time_zone="America/New_York")


def test_a_lost_video_time_is_told_on_the_patients_clock_with_its_day_and_zone(frozen):
    therapist = StaffMemberFactory(display_name="Riley Lee", roles=["therapist"], time_zone="America/Los_Angeles",
                                   licensed_states=["CA"])
    weekly_hours(staff=therapist, start=dt.time(9), end=dt.time(17))
    video_therapy_service(code="integration", is_dosing=False)
    start = dt.datetime(2025, 3, 10, 13, 0, tzinfo=NEW_YORK)  # 10:00 on the therapist's clock
    body = {"service": "integration", "modality": "video", "start": iso(start.astimezone(dt.UTC))}
    first = client_for(video_patient("ana").user).post("/api/v1/appointments", body, format="json")
    assert first.status_code == 201, first.content
    lost = client_for(video_patient("ben").user).post("/api/v1/appointments", body, format="json")
    assert (lost.status_code, lost.json()["code"]) == (409, "slot_taken")
    assert lost.json()["detail"] == "Riley Lee is booked Mon 10 Mar 2025 13:00-13:50 EDT."
