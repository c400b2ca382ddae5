"""Escorts: an in-person dosing visit may be booked before the driver is known; the desk sees the
day before who is missing one, and check-in is refused without one unless the desk overrides."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from care.models import Escort, GateOverride
from scheduling.models import AppointmentEvent
from tests.care.conftest import at, booking, client_for, patient_user
from tests.factories import clearance

pytestmark = pytest.mark.django_db


@pytest.fixture
def visit(clinic, people, frozen):
    clearance(people.ana)
    response = client_for(people.ana.user).post("/api/v1/appointments", booking(clinic, clinic.iv, at(9)),
                                                format="json")
    assert response.status_code == 201, response.json()
    return response.json()


@pytest.fixture
def check_in_time(frozen):
    """A quarter of an hour before the 9:00 visit: check-in is open (after the visit is booked)."""
    frozen.move_to(at(8, 45))


ESCORT = {"name": "Sam Doe", "phone": "+16025550199", "relationship": "Partner", "confirmed_adult": True}


def test_a_dosing_visit_is_booked_without_an_escort(visit):
    assert visit["status"] == "booked"


def test_check_in_without_an_escort_is_refused_naming_the_gate(visit, people, check_in_time):
    response = client_for(people.desk).post(f"/api/v1/appointments/{visit['id']}/check-in", {}, format="json")

    body = response.json()
    assert response.status_code == 422
    assert (body["code"], body["gate"]) == ("gate_failed", "escort")
    assert body["how_to_satisfy"] == "Record the escort's name and phone on the visit."


def test_the_patient_records_the_escort_and_check_in_goes_through(visit, people, check_in_time):
    recorded = client_for(people.ana.user).put(f"/api/v1/appointments/{visit['id']}/escort", ESCORT, format="json")

    assert recorded.status_code == 200, recorded.json()
    assert recorded.json()["phone"] == "+16025550199"
    response = client_for(people.desk).post(f"/api/v1/appointments/{visit['id']}/check-in", {}, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "checked_in"


def test_an_escort_must_be_confirmed_as_an_adult(visit, people):
    response = client_for(people.desk).put(f"/api/v1/appointments/{visit['id']}/escort",
                                           {**ESCORT, "confirmed_adult": False}, format="json")

    assert response.status_code == 422
    assert response.json()["code"] == "escort_not_adult"
    assert not Escort.objects.exists()


def test_the_desk_overrides_the_escort_check_with_a_reason_kept_on_the_record(visit, people, check_in_time):
    reason = "Patient will stay in the recovery lounge until 18:00 and take a clinic-arranged ride"

    response = client_for(people.desk).post(f"/api/v1/appointments/{visit['id']}/check-in",
                                            {"override_reason": reason}, format="json")

    assert response.status_code == 200, response.json()
    override = GateOverride.objects.get()
    assert (override.gate, override.moment, override.appointment_id, override.reason) == (
        "escort", "check_in", visit["id"], reason)
    event = AppointmentEvent.objects.get(appointment_id=visit["id"], action="checked_in")
    assert event.reason == reason
    assert event.data == {"overridden_gates": ["escort"]}


def test_the_escort_override_is_refused_where_the_clinic_does_not_allow_it(visit, people, settings, check_in_time):
    settings.CARE_OVERRIDABLE_GATES = []

    response = client_for(people.desk).post(f"/api/v1/appointments/{visit['id']}/check-in",
                                            {"override_reason": "Running late"}, format="json")

    assert response.status_code == 422
    assert response.json()["overridable"] is False


def test_a_video_visit_needs_no_escort(clinic, people, frozen):
    visit = client_for(people.ana.user).post(
        "/api/v1/appointments", {"service": clinic.integration.pk, "modality": "video", "start": at(9).isoformat()},
        format="json").json()
    frozen.move_to(at(8, 45))  # a video visit, with no site, opens for check-in an hour before too

    response = client_for(people.desk).post(f"/api/v1/appointments/{visit['id']}/check-in", {}, format="json")

    assert response.status_code == 200, response.json()


def test_the_desk_sees_the_day_before_which_dosing_visits_have_no_escort(visit, clinic, people):
    ben = patient_user("ben")
    clearance(ben)
    other = client_for(ben.user).post("/api/v1/appointments", booking(clinic, clinic.iv, at(13)), format="json").json()
    client_for(ben.user).put(f"/api/v1/appointments/{other['id']}/escort", ESCORT, format="json")
    client_for(people.ana.user).post("/api/v1/appointments", booking(clinic, clinic.integration, at(15)), format="json")

    with time_machine.travel(at(16, day=dt.date(2025, 3, 9)), tick=False):
        tomorrow = client_for(people.desk).get("/api/v1/care/escorts/missing").json()
        dated = client_for(people.desk).get("/api/v1/care/escorts/missing?date=2025-03-10").json()
        other_day = client_for(people.desk).get("/api/v1/care/escorts/missing?date=2025-03-11").json()

    assert [(v["appointment"], v["patient"]["name"], v["phone"]) for v in tomorrow] == [
        (visit["id"], "Ana Doe", str(people.ana.phone))]
    assert dated == tomorrow
    assert other_day == []
