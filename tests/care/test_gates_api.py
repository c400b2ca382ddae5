"""The clinical gates refuse a dosing visit through the API (bookings, holds and moves alike)
with a 422 naming the gate and what would satisfy it, and let the desk override where the clinic
allows, keeping the reason."""

from __future__ import annotations

import datetime as dt

import pytest

from care.models import GateOverride, RemsEnrolment
from care.services import revoke_clearance
from scheduling.models import Appointment, AppointmentEvent
from tests.care.conftest import at, booking, client_for
from tests.factories import clearance

pytestmark = pytest.mark.django_db


def post(user, path, body):
    return client_for(user).post(path, body, format="json")


def test_a_dosing_visit_without_clearance_is_refused_naming_the_gate_and_the_remedy(clinic, people, frozen):
    response = post(people.ana.user, "/api/v1/appointments", booking(clinic, clinic.iv, at(9)))

    body = response.json()
    assert response.status_code == 422
    assert body["code"] == "gate_failed"
    assert body["gate"] == "clearance"
    assert body["detail"] == "Ana Doe has no clinician clearance for IV ketamine."
    assert body["how_to_satisfy"].startswith("A clinician records a clearance for IV ketamine")
    assert body["overridable"] is False
    assert not Appointment.objects.exists()


def test_a_cleared_patient_books_the_dosing_visit(clinic, people, frozen):
    clearance(people.ana)

    response = post(people.ana.user, "/api/v1/appointments", booking(clinic, clinic.iv, at(9)))

    assert response.status_code == 201, response.json()


def test_a_clearance_that_expires_before_the_visit_does_not_count(clinic, people, frozen):
    clearance(people.ana, expires_on=dt.date(2025, 3, 9))

    body = post(people.ana.user, "/api/v1/appointments", booking(clinic, clinic.iv, at(9))).json()

    assert body["gate"] == "clearance"
    assert "expired on Sun 09 Mar 2025, before this visit on Mon 10 Mar 2025" in body["detail"]


def test_a_clearance_valid_through_the_visit_day_counts(clinic, people, frozen):
    clearance(people.ana, expires_on=dt.date(2025, 3, 10))

    assert post(people.ana.user, "/api/v1/appointments", booking(clinic, clinic.iv, at(9))).status_code == 201


def test_a_revoked_clearance_does_not_count(clinic, people, frozen):
    revoke_clearance(clearance=clearance(people.ana), actor=people.clinician, reason="New hypertension reading")

    response = post(people.ana.user, "/api/v1/appointments", booking(clinic, clinic.iv, at(9)))

    assert response.json()["gate"] == "clearance"


def test_clearance_is_per_kind_of_treatment(clinic, people, frozen):
    clearance(people.ana, treatment="kap")

    response = post(people.ana.user, "/api/v1/appointments", booking(clinic, clinic.iv, at(9)))

    assert response.json()["gate"] == "clearance"


def test_a_visit_that_is_not_dosing_needs_no_clearance(clinic, people, frozen):
    response = post(people.ana.user, "/api/v1/appointments", booking(clinic, clinic.integration, at(9)))

    assert response.status_code == 201, response.json()


def test_holds_pass_the_same_gates(clinic, people, frozen):
    response = post(people.ana.user, "/api/v1/holds", booking(clinic, clinic.iv, at(9)))

    assert response.status_code == 422
    assert response.json()["gate"] == "clearance"


def test_moving_a_visit_rechecks_the_gates(clinic, people, frozen):
    given = clearance(people.ana, expires_on=dt.date(2025, 3, 12))
    visit = post(people.ana.user, "/api/v1/appointments", booking(clinic, clinic.iv, at(9))).json()
    assert given

    response = post(people.ana.user, f"/api/v1/appointments/{visit['id']}/reschedule",
                    {"start": at(9, day=dt.date(2025, 3, 13)).isoformat()})

    assert response.status_code == 422
    assert response.json()["gate"] == "clearance"
    assert Appointment.objects.get(pk=visit["id"]).status == "booked"


# --- Spravato: a REMS-certified site and an enrolled patient ----------------------------------

def test_spravato_at_a_site_not_certified_under_the_rems_is_refused_even_with_an_override(clinic, people, frozen):
    clearance(people.ana, treatment="esketamine")
    RemsEnrolment.objects.create(patient=people.ana, enrolled_on=dt.date(2025, 2, 1))

    response = post(people.desk, "/api/v1/appointments",
                    booking(clinic, clinic.spravato, at(9), location=clinic.tucson, patient=people.ana,
                            override_reason="Patient insists"))

    body = response.json()
    assert response.status_code == 422
    assert body["gate"] == "rems_site"
    assert body["detail"] == "Tucson is not certified under the Spravato REMS."
    assert body["how_to_satisfy"] == "Book it at a REMS-certified location (Phoenix)."
    assert body["overridable"] is False
    assert not GateOverride.objects.exists()


def test_spravato_for_a_patient_not_enrolled_in_the_rems_is_refused(clinic, people, frozen):
    clearance(people.ana, treatment="esketamine")

    body = post(people.ana.user, "/api/v1/appointments", booking(clinic, clinic.spravato, at(9))).json()

    assert body["gate"] == "rems_enrolment"
    assert body["detail"] == "Ana Doe is not enrolled in the Spravato REMS."
    assert body["how_to_satisfy"] == "Enrol the patient in the Spravato REMS and record the enrolment date."


def test_spravato_before_the_enrolment_date_is_refused(clinic, people, frozen):
    clearance(people.ana, treatment="esketamine")
    RemsEnrolment.objects.create(patient=people.ana, enrolled_on=dt.date(2025, 3, 11))

    body = post(people.ana.user, "/api/v1/appointments", booking(clinic, clinic.spravato, at(9))).json()

    assert body["gate"] == "rems_enrolment"
    assert "starts on Tue 11 Mar 2025, after this session on Mon 10 Mar 2025" in body["detail"]


def test_spravato_for_an_enrolled_cleared_patient_at_a_certified_site_is_booked(clinic, people, frozen):
    clearance(people.ana, treatment="esketamine")
    client_for(people.clinician).post("/api/v1/care/rems-enrolments",
                                 {"patient": people.ana.pk, "enrolled_on": "2025-02-20"}, format="json")

    response = post(people.ana.user, "/api/v1/appointments", booking(clinic, clinic.spravato, at(9)))

    assert response.status_code == 201, response.json()


# --- Overrides -------------------------------------------------------------------------------

def test_the_desk_overrides_a_gate_the_clinic_allows_and_the_reason_is_kept(clinic, people, frozen, settings):
    settings.CARE_OVERRIDABLE_GATES = ["clearance", "escort"]
    reason = "Dr. Rivera cleared by phone; paperwork to follow"

    response = post(people.desk, "/api/v1/appointments",
                    booking(clinic, clinic.iv, at(9), patient=people.ana, override_reason=reason))

    assert response.status_code == 201, response.json()
    override = GateOverride.objects.get()
    assert (override.gate, override.moment, override.reason, override.actor) == ("clearance", "booking", reason,
                                                                                  people.desk)
    assert override.detail == "Ana Doe has no clinician clearance for IV ketamine."
    booked = AppointmentEvent.objects.get(appointment_id=response.json()["id"], action="booked")
    assert booked.reason == reason
    listed = client_for(people.desk).get("/api/v1/care/gate-overrides").json()["results"]
    assert [(o["gate"], o["reason"], o["visit"]) for o in listed] == [("clearance", reason, response.json()["id"])]


def test_the_desk_cannot_override_a_gate_the_clinic_does_not_allow(clinic, people, frozen, settings):
    settings.CARE_OVERRIDABLE_GATES = ["escort"]

    response = post(people.desk, "/api/v1/appointments",
                    booking(clinic, clinic.iv, at(9), patient=people.ana, override_reason="Please"))

    assert response.status_code == 422
    assert response.json()["gate"] == "clearance"
    assert not GateOverride.objects.exists()


def test_an_overridable_gate_says_so_when_it_refuses(clinic, people, frozen, settings):
    settings.CARE_OVERRIDABLE_GATES = ["clearance"]

    body = post(people.desk, "/api/v1/appointments", booking(clinic, clinic.iv, at(9), patient=people.ana)).json()

    assert body["overridable"] is True
    assert body["detail"].endswith("The front desk may override this with a reason.")


def test_a_patient_cannot_override_a_gate(clinic, people, frozen, settings):
    settings.CARE_OVERRIDABLE_GATES = ["clearance"]

    response = post(people.ana.user, "/api/v1/appointments",
                    booking(clinic, clinic.iv, at(9), override_reason="I was cleared elsewhere"))

    assert response.status_code == 403
    assert not Appointment.objects.exists()
