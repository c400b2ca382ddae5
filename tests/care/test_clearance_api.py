"""Screening answers from intake are stored and shown to the clinician who clears; a clearance
rests on a completed evaluation and addresses any findings."""

from __future__ import annotations

import pytest

from care.models import Clearance
from scheduling.models import AppointmentStatus
from tests.care.conftest import client_for
from tests.factories import AppointmentFactory, screening, ServiceFactory

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
