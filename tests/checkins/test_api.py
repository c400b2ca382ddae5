"""The check-in API: a patient answers page by page with the link's token; staff read a patient's
check-ins over time (answers for clinicians only)."""

from __future__ import annotations

import pytest

from checkins import links
from checkins.models import CheckInAnswers, RiskAlert
from tests.checkins.conftest import api_client, checkin, completed_visit, HOUR, url, VISIT_END

pytestmark = pytest.mark.django_db


@pytest.fixture
def day3(clinic, clock):
    visit = completed_visit(clinic)
    clock.move_to(VISIT_END + 73 * HOUR)
    return checkin(visit, "72h")


def endpoint(item) -> str:
    return f"/api/v1/checkins/{links.token_for(item)}"


def test_the_questions_of_a_check_in_page_by_name(day3):
    body = api_client().get(endpoint(day3)).json()
    assert (body["status"], body["page"], body["language"]) == ("pending", "first", "en")
    assert [q["name"] for q in body["questions"]] == [
        "mood", "sleep", "side_effects", "side_effects_other", "phq_1", "phq_2", "free_text", "wants_integration"]
    mood = body["questions"][0]
    assert (mood["kind"], mood["required"], [c["value"] for c in mood["choices"]]) == (
        "single", True, [str(n) for n in range(11)])
    assert body["questions"][4]["choices"][3] == {"value": "3", "label": "Nearly every day"}
    assert body["stems"]["phq9"].startswith("Over the last 2 weeks")
    spanish = api_client().get(endpoint(day3) + "?lang=es").json()
    assert spanish["questions"][4]["label"] == "Poco interés o placer en hacer cosas"


def test_answering_by_api_branches_to_the_rest_of_the_phq9_then_finishes(day3):
    first = {"mood": 4, "sleep": 3, "side_effects": ["dissociation"], "phq_1": 2, "phq_2": 2,
             "free_text": "", "wants_integration": True}
    body = api_client().post(endpoint(day3), first, format="json").json()
    assert body["status"] == "continue"
    assert [q["name"] for q in body["next"]["questions"]] == [f"phq_{n}" for n in range(3, 10)]
    rest = {f"phq_{n}": 1 for n in range(3, 9)} | {"phq_9": 0}
    done = api_client().post(endpoint(day3), rest, format="json").json()
    assert (done["status"], done["crisis"], done["booking_url"]) == ("answered", None, "/book/?service=integration")
    answers = CheckInAnswers.objects.get()
    assert (answers.phq2_score, answers.phq9_score, answers.side_effects) == (4, 10, ["dissociation"])
    again = api_client().post(endpoint(day3), rest, format="json").json()
    assert again["status"] == "already_answered"


def test_an_invalid_answer_is_a_problem_naming_each_field(day3):
    response = api_client().post(endpoint(day3), {"mood": 12, "sleep": True, "phq_1": 1}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_error"
    errors = {e["field"]: e["message"] for e in body["errors"]}
    assert errors["mood"] == "Choose a number from 0 to 10 for your mood."
    assert errors["sleep"] == "Choose a number from 0 to 10 for your sleep."
    assert errors["phq_2"] == "Answer question 2: choose one of the four options."
    assert not CheckInAnswers.objects.exists()


def test_a_risk_answer_by_api_returns_the_crisis_resources_with_the_alert_recorded(day3):
    body = api_client().post(endpoint(day3) + "?lang=es", {
        "mood": 1, "sleep": 1, "side_effects": ["none"], "phq_1": 0, "phq_2": 0, "wants_integration": False,
        "free_text": "no quiero vivir"}, format="json").json()
    assert body["status"] == "crisis"
    assert body["crisis"] | {"message": ""} == {
        "emergency_number": "911", "lifeline_number": "988", "lifeline_text": "988", "lifeline_text_keyword": "AYUDA",
        "lifeline_chat_url": "https://988lifeline.org/chat/", "veterans": "Veteranos: llame al 988 y marque 1.",
        "clinic_phone": "(602) 555-0100", "message": ""}
    assert RiskAlert.objects.count() == 1


def test_the_clinician_reads_scores_over_time_and_the_desk_only_whether_answered(client, clinic, day3):
    client.post(url(day3), {"mood": "6", "sleep": "5", "side_effects": ["none"], "phq_1": "1", "phq_2": "0",
                            "wants_integration": "no"})
    doctor = api_client(clinic.doctor.user).get(f"/api/v1/patients/{clinic.patient.pk}/checkins").json()
    assert doctor["answers_visible"] is True
    assert [d["service"] for d in doctor["dosing_visits"]] == ["IV infusion session"]
    assert [(c["step_key"], c["state"]) for c in doctor["checkins"]] == [
        ("24h", "missed"), ("72h", "answered"), ("7d", "scheduled")]
    answered = doctor["checkins"][1]["answers"]
    assert (answered["mood"], answered["phq2_score"], answered["phq9_score"]) == (6, 1, None)
    desk = api_client(clinic.desk.user).get(f"/api/v1/patients/{clinic.patient.pk}/checkins").json()
    assert desk["answers_visible"] is False
    assert [(c["state"], c["answers"]) for c in desk["checkins"]] == [
        ("missed", None), ("answered", None), ("scheduled", None)]


def test_patients_and_strangers_cannot_read_check_ins(clinic, day3):
    assert api_client(clinic.patient.user).get(f"/api/v1/patients/{clinic.patient.pk}/checkins").status_code == 403
    assert api_client().get(f"/api/v1/patients/{clinic.patient.pk}/checkins").status_code == 401
    assert api_client(clinic.patient.user).get("/api/v1/risk-alerts").status_code == 403
    assert api_client(clinic.doctor.user).get("/api/v1/patients/999999/checkins").status_code == 404
