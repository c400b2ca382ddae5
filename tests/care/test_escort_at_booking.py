"""The escort's name and phone at booking: optional, validated, recorded with the booking (or
neither is), editable later, and read by the desk's missing-escort list."""

from __future__ import annotations

import pytest

from care.models import Escort
from scheduling.models import Appointment
from tests.care.conftest import at, booking, client_for
from tests.factories import clearance

pytestmark = pytest.mark.django_db

ESCORT = {"name": "Sam Doe", "phone": "602-555-0199", "relationship": "Partner", "confirmed_adult": True}


@pytest.fixture
def cleared(people):
    clearance(people.ana)
    return people.ana


def missing(people) -> list[int]:
    response = client_for(people.desk).get("/api/v1/care/escorts/missing", {"date": "2025-03-10"})
    assert response.status_code == 200, response.json()
    return [row["appointment"] for row in response.json()]


def test_a_dosing_visit_booked_with_an_escort_keeps_it_and_is_off_the_desks_list(clinic, people, cleared, frozen):
    response = client_for(cleared.user).post("/api/v1/appointments",
                                             booking(clinic, clinic.iv, at(9), escort=ESCORT), format="json")

    assert response.status_code == 201, response.json()
    escort = Escort.objects.get(appointment_id=response.json()["id"])
    assert (escort.name, str(escort.phone), escort.relationship, escort.confirmed_adult) == (
        "Sam Doe", "+16025550199", "Partner", True)
    assert missing(people) == []


def test_without_an_escort_the_visit_is_booked_and_on_the_desks_list(clinic, people, cleared, frozen):
    response = client_for(cleared.user).post("/api/v1/appointments", booking(clinic, clinic.iv, at(9)),
                                             format="json")

    assert response.status_code == 201, response.json()
    assert missing(people) == [response.json()["id"]]


def test_the_escort_is_recorded_when_a_hold_becomes_the_booking(clinic, cleared, frozen):
    client = client_for(cleared.user)
    hold = client.post("/api/v1/holds", booking(clinic, clinic.iv, at(9)), format="json").json()

    response = client.post("/api/v1/appointments", {"hold": hold["id"], "escort": ESCORT}, format="json")

    assert response.status_code == 201, response.json()
    assert Escort.objects.get(appointment_id=hold["id"]).name == "Sam Doe"


@pytest.mark.parametrize(("change", "field"), [
    ({"phone": "12"}, "escort.phone"),
    ({"name": ""}, "escort.name"),
    ({"confirmed_adult": None}, "escort.confirmed_adult"),
])
def test_a_malformed_escort_is_a_400_naming_the_field_and_nothing_is_booked(clinic, cleared, frozen, change, field):
    response = client_for(cleared.user).post("/api/v1/appointments",
                                             booking(clinic, clinic.iv, at(9), escort={**ESCORT, **change}),
                                             format="json")

    assert response.status_code == 400
    assert field in [error["field"] for error in response.json()["errors"]]
    assert not Appointment.objects.exists()


def test_an_escort_not_confirmed_as_an_adult_refuses_the_booking_whole(clinic, cleared, frozen):
    response = client_for(cleared.user).post(
        "/api/v1/appointments", booking(clinic, clinic.iv, at(9), escort={**ESCORT, "confirmed_adult": False}),
        format="json")

    assert (response.status_code, response.json()["code"]) == (422, "escort_not_adult")
    assert not Appointment.objects.exists()


def test_an_escort_for_a_visit_that_needs_none_refuses_the_booking_whole(clinic, people, frozen):
    response = client_for(people.ana.user).post(
        "/api/v1/appointments", booking(clinic, clinic.integration, at(9), escort=ESCORT), format="json")

    assert (response.status_code, response.json()["code"]) == (422, "escort_not_needed")
    assert not Appointment.objects.exists()


def test_the_patient_changes_the_escort_later(clinic, people, cleared, frozen):
    client = client_for(cleared.user)
    visit = client.post("/api/v1/appointments", booking(clinic, clinic.iv, at(9), escort=ESCORT),
                        format="json").json()

    changed = client.put(f"/api/v1/appointments/{visit['id']}/escort",
                         {**ESCORT, "name": "Alex Roe", "phone": "+1 602 555 0123"}, format="json")

    assert changed.status_code == 200, changed.json()
    assert (changed.json()["name"], changed.json()["phone"]) == ("Alex Roe", "+16025550123")
    assert Escort.objects.get().name == "Alex Roe"
