"""Screening answers from intake are stored and shown to the clinician who clears; a clearance
rests on a completed evaluation and addresses any findings."""

from __future__ import annotations

import datetime as dt

import pytest

from accounts.models import Role
from care import services
from care.models import Clearance, RemsEnrolment
from core.errors import Forbidden
from scheduling.models import AppointmentStatus, StaffRole
from tests.care.conftest import client_for, desk_user, prescriber_user
from tests.factories import AppointmentFactory, clearance, screening, ServiceFactory, StaffMemberFactory, UserFactory

pytestmark = pytest.mark.django_db

NO = {"uncontrolled_hypertension": False, "psychosis_or_mania": False, "pregnancy": False,
      "aneurysmal_vascular_disease": False, "intracerebral_hemorrhage": False, "hypersensitivity": False,
      "substance_use": False}


def test_a_patient_answers_the_screening_and_the_clinician_sees_the_findings(people):
    answered = client_for(people.ana.user).post(
        "/api/v1/care/screenings", {"answers": {**NO, "substance_use": True}, "details": "Alcohol, sober 3 years"},
        format="json")

    assert answered.status_code == 201, answered.json()
    summary = client_for(people.clinician).get(f"/api/v1/care/patients/{people.ana.pk}").json()
    assert summary["screening"]["findings"] == ["Substance use (history or current)"]
    assert summary["screening"]["details"] == "Alcohol, sober 3 years"
    assert summary["clearances"] == []


def test_every_screening_question_must_be_answered(people):
    answers = dict(NO)
    del answers["pregnancy"]

    response = client_for(people.ana.user).post("/api/v1/care/screenings", {"answers": answers}, format="json")

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "answers.pregnancy"


def test_a_clinician_clears_after_a_completed_evaluation_and_the_clearance_shows_the_screening(people):
    screening(people.ana)
    evaluation = ServiceFactory(category="evaluation", name="Initial evaluation")
    AppointmentFactory(patient=people.ana, service=evaluation, status=AppointmentStatus.COMPLETED)

    response = client_for(people.clinician).post(
        "/api/v1/care/clearances", {"patient": people.ana.pk, "treatment": "iv_ketamine", "expires_on": "2025-09-01"},
        format="json")

    body = response.json()
    assert response.status_code == 201, body
    assert body["evaluated_on"] == "2025-03-10"
    assert body["screening"]["findings"] == []
    assert body["cleared_by"]["name"] == "Elena Rivera"
    assert body["expires_on"] == "2025-09-01"


def test_clearing_without_a_screening_is_refused(people):
    response = client_for(people.clinician).post(
        "/api/v1/care/clearances", {"patient": people.ana.pk, "treatment": "kap", "evaluated_on": "2025-02-01"},
        format="json")

    assert response.status_code == 422
    assert response.json()["code"] == "screening_missing"


def test_clearing_without_a_completed_evaluation_is_refused(people):
    screening(people.ana)

    response = client_for(people.clinician).post(
        "/api/v1/care/clearances", {"patient": people.ana.pk, "treatment": "kap"}, format="json")

    assert response.status_code == 422
    assert response.json()["code"] == "evaluation_missing"


def test_findings_must_be_addressed_in_the_notes_before_clearing(people):
    screening(people.ana, uncontrolled_hypertension=True)
    body = {"patient": people.ana.pk, "treatment": "iv_ketamine", "evaluated_on": "2025-02-01"}

    refused = client_for(people.clinician).post("/api/v1/care/clearances", body, format="json")
    cleared = client_for(people.clinician).post(
        "/api/v1/care/clearances", {**body, "notes": "BP 128/82 on two readings after medication change"},
        format="json")

    assert refused.status_code == 422
    assert refused.json()["code"] == "findings_not_addressed"
    assert refused.json()["findings"] == ["Uncontrolled hypertension"]
    assert cleared.status_code == 201
    assert cleared.json()["screening"]["answers"]["uncontrolled_hypertension"] is True


def test_only_clinicians_clear_patients(people):
    screening(people.ana)

    response = client_for(people.desk).post(
        "/api/v1/care/clearances", {"patient": people.ana.pk, "treatment": "kap", "evaluated_on": "2025-02-01"},
        format="json")

    assert response.status_code == 403
    assert not Clearance.objects.exists()


def test_a_clinician_revokes_a_clearance_with_a_reason(people):
    screening(people.ana)
    given = client_for(people.clinician).post(
        "/api/v1/care/clearances", {"patient": people.ana.pk, "treatment": "kap", "evaluated_on": "2025-02-01"},
        format="json").json()

    response = client_for(people.clinician).post(f"/api/v1/care/clearances/{given['id']}/revoke",
                                                 {"reason": "Pregnancy reported"}, format="json")

    assert response.json()["state"] == "revoked"
    assert response.json()["revoke_reason"] == "Pregnancy reported"


# --- Who may change clinical records ---------------------------------------------------------

def therapist_user(clinic):
    user = UserFactory(username="t.morgan", role=Role.CLINICIAN)
    StaffMemberFactory(user=user, display_name="T. Morgan", roles=[StaffRole.THERAPIST], locations=[clinic.phoenix])
    return user


def test_a_therapist_may_neither_grant_nor_end_a_clearance(clinic, people):
    screening(people.ana)
    therapist = therapist_user(clinic)
    given = clearance(people.ana, treatment="kap")

    granted = client_for(therapist).post(
        "/api/v1/care/clearances", {"patient": people.ana.pk, "treatment": "iv_ketamine", "evaluated_on": "2025-02-01"},
        format="json")
    ended = client_for(therapist).post(f"/api/v1/care/clearances/{given.pk}/revoke", {"reason": "x"}, format="json")

    assert (granted.status_code, ended.status_code) == (403, 403)
    assert list(Clearance.objects.values_list("pk", "revoked_at")) == [(given.pk, None)]


def test_the_service_itself_refuses_a_clearance_from_anyone_but_a_prescriber(clinic, people):
    screening(people.ana)

    for actor in (therapist_user(clinic), people.desk, UserFactory(username="owner", role=Role.ADMIN)):
        with pytest.raises(Forbidden) as refused:
            services.clear_patient(patient=people.ana, treatment="kap", actor=actor,
                                   evaluated_on=dt.date(2025, 2, 1))
        assert refused.value.code == "prescriber_only"
    assert not Clearance.objects.exists()


def test_a_deactivated_prescriber_may_not_clear(people):
    screening(people.ana)
    people.clinician.staff_member.active = False
    people.clinician.staff_member.save(update_fields=["active"])

    response = client_for(people.clinician).post(
        "/api/v1/care/clearances", {"patient": people.ana.pk, "treatment": "kap", "evaluated_on": "2025-02-01"},
        format="json")

    assert response.status_code == 403


def rems(user, patient):
    return client_for(user).post("/api/v1/care/rems-enrolments", {"patient": patient.pk, "enrolled_on": "2025-02-20"},
                                 format="json")


def test_the_desk_and_a_therapist_cannot_record_a_rems_enrolment(clinic, people):
    AppointmentFactory(patient=people.ana, location=clinic.phoenix)

    assert rems(people.desk, people.ana).status_code == 403
    assert rems(therapist_user(clinic), people.ana).status_code == 403
    assert not RemsEnrolment.objects.exists()


def test_a_prescriber_records_rems_enrolment_only_for_patients_of_the_sites_they_serve(clinic, people):
    AppointmentFactory(patient=people.ana, location=clinic.tucson)
    phoenix_only = people.clinician

    refused = rems(phoenix_only, people.ana)
    recorded = rems(prescriber_user("dr.tucson", clinic.tucson, last_name="Tucson"), people.ana)

    assert refused.status_code == 403 and refused.json()["code"] == "patient_outside_your_sites"
    assert recorded.status_code == 201
    assert RemsEnrolment.objects.get().recorded_by.username == "dr.tucson"


def test_a_clinic_admin_records_rems_enrolment_for_any_patient(clinic, people):
    AppointmentFactory(patient=people.ana, location=clinic.tucson)

    assert rems(UserFactory(username="owner", role=Role.ADMIN), people.ana).status_code == 201


# --- Minimum necessary ------------------------------------------------------------------------

def test_the_desk_sees_screening_and_clearance_state_and_expiry_but_no_notes_or_answers(clinic, people, frozen):
    AppointmentFactory(patient=people.ana, location=clinic.phoenix)
    screened = screening(people.ana, substance_use=True)
    screened.details = "Alcohol, sober 3 years"
    screened.save(update_fields=["details"])
    Clearance.objects.create(patient=people.ana, treatment="iv_ketamine", evaluated_on=dt.date(2025, 2, 1),
                             screening=screened, cleared_by=people.clinician, expires_on=dt.date(2025, 9, 1),
                             notes="History weighed; sober and supported")
    phoenix_desk = desk_user("desk.phoenix", clinic.phoenix)

    desk = client_for(phoenix_desk).get(f"/api/v1/care/patients/{people.ana.pk}").json()
    team = client_for(people.clinician).get(f"/api/v1/care/patients/{people.ana.pk}").json()

    assert desk["screening"]["answered_at"] == team["screening"]["answered_at"]
    assert (desk["screening"]["answers"], desk["screening"]["findings"], desk["screening"]["details"]) == (
        None, None, None)
    assert [(c["treatment"], c["state"], c["expires_on"], c["notes"]) for c in desk["clearances"]] == [
        ("iv_ketamine", "valid", "2025-09-01", None)]
    assert team["clearances"][0]["notes"] == "History weighed; sober and supported"
    assert team["screening"]["details"] == "Alcohol, sober 3 years"
