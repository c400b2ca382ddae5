"""Eligibility before times: whether a patient may book a service at all, why not in plain words,
and the next step; the availability answer carries it, and earliest-anywhere respects it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone, translation
from rest_framework.test import APIClient

from audit.models import AuditEntry
from care.eligibility import earliest_for, eligibility_for, outlook
from care.models import RemsEnrolment
from scheduling.models import AppointmentStatus, StaffRole
from tests.care.conftest import at, booking, client_for, NOW, patient_user, PHX
from tests.factories import AppointmentFactory, clearance, PhaseFactory, ServiceFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def evaluation(clinic):
    service = ServiceFactory(code="evaluation", name="Initial evaluation", category="evaluation", is_dosing=False,
                             modality="either", locations=[clinic.phoenix])
    PhaseFactory(service=service, order=1, name="Evaluation", duration_minutes=60, staff_role=StaffRole.PRESCRIBER)
    return service


def availability(client, service, location) -> dict:
    response = client.get("/api/v1/availability", {"service": service.pk, "location": location.pk,
                                                   "start": NOW.isoformat(), "end": (NOW + dt.timedelta(days=2))
                                                   .isoformat()})
    assert response.status_code == 200, response.json()
    return response.json()


def earliest(client, service, **params) -> dict:
    response = client.get("/api/v1/availability/earliest", {"service": service.pk, **params})
    assert response.status_code == 200, response.json()
    return response.json()


def test_a_visitor_choosing_a_dosing_service_is_told_it_starts_with_an_evaluation(clinic, evaluation, frozen):
    answer = availability(APIClient(), clinic.iv, clinic.phoenix)["eligibility"]

    assert (answer["can_book"], answer["code"], answer["next_step"]) == (False, "evaluation_first", "book_evaluation")
    assert answer["reason"] == "This treatment starts with an evaluation."
    assert answer["next_service"] == {"id": evaluation.pk, "code": "evaluation", "name": "Initial evaluation"}
    # Earliest-anywhere offers no dosing time, and the evaluation's earliest time instead.
    assert earliest(APIClient(), clinic.iv)["slots"] == []
    first = earliest(APIClient(), evaluation, limit=1)["slots"][0]
    assert first["start"] == "2025-03-01T14:00:00Z"  # 07:00 in Phoenix, the first hour the prescriber works


def test_a_signed_in_patient_without_clearance_sees_why_and_the_evaluation_to_book(clinic, people, evaluation,
                                                                                  frozen):
    answer = availability(client_for(people.ana.user), clinic.iv, clinic.phoenix)["eligibility"]

    assert (answer["can_book"], answer["code"], answer["next_step"]) == (False, "evaluation_first", "book_evaluation")
    assert answer["next_service"]["id"] == evaluation.pk
    assert "clearance" not in answer["reason"]  # no gate jargon


def test_with_an_evaluation_booked_the_answer_names_it(clinic, people, evaluation, frozen):
    visit = AppointmentFactory(patient=people.ana, service=evaluation, location=clinic.phoenix, start=at(9),
                               status=AppointmentStatus.BOOKED)

    answer = eligibility_for(patient=people.ana, service=clinic.iv)

    assert (answer.code, answer.next_step, answer.evaluation) == ("evaluation_booked", "attend_evaluation", visit)
    assert "March 10, 2025" in answer.reason and answer.reason.endswith(" MST.")


def test_an_expired_clearance_says_call_and_the_day_it_expired(clinic, people, evaluation, frozen):
    clearance(people.ana, expires_on=dt.date(2025, 2, 20))

    answer = availability(client_for(people.ana.user), clinic.iv, clinic.phoenix)["eligibility"]

    assert (answer["can_book"], answer["code"], answer["next_step"]) == (False, "clearance_expired", "call_clinic")
    assert answer["expired_on"] == "2025-02-20"
    assert "expired on" in answer["reason"] and "2025" in answer["reason"]
    assert answer["next_step_text"]


def test_a_revoked_clearance_says_call(clinic, people, frozen):
    clearance(people.ana, revoked_at=timezone.now())

    assert eligibility_for(patient=people.ana, service=clinic.iv).code == "clearance_ended"


def test_the_words_follow_the_active_language(clinic, people, evaluation, frozen):
    with translation.override("es"):
        answer = eligibility_for(patient=people.ana, service=clinic.iv)

    assert answer.reason == "Este tratamiento comienza con una evaluación."
    assert answer.next_step_text == "Reserve primero una evaluación: Initial evaluation."


def test_a_cleared_patient_may_book_at_every_site_offering_it(clinic, people, frozen):
    clearance(people.ana)

    answer = availability(client_for(people.ana.user), clinic.iv, clinic.phoenix)["eligibility"]

    assert (answer["can_book"], answer["code"], answer["next_step"], answer["reason"]) == (True, "eligible", "book", "")
    assert [place["name"] for place in answer["locations"]] == ["Phoenix", "Tucson"]
    assert answer["video"] is False


def test_earliest_anywhere_stops_at_the_day_the_clearance_expires(clinic, people, frozen):
    clearance(people.ana, expires_on=dt.date(2025, 3, 2))

    answer, found = earliest_for(patient=people.ana, service=clinic.iv, limit=500)

    assert answer.bookable_until == dt.date(2025, 3, 2)
    assert {placed.start.astimezone(PHX).date() for placed in found} == {dt.date(2025, 3, 1), dt.date(2025, 3, 2)}
    api = earliest(client_for(people.ana.user), clinic.iv, limit=1)
    assert api["eligibility"]["bookable_until"] == "2025-03-02" and len(api["slots"]) == 1


def test_spravato_needs_a_rems_enrolment_and_then_only_certified_sites(clinic, people, frozen):
    clearance(people.ana, treatment="esketamine")
    assert eligibility_for(patient=people.ana, service=clinic.spravato).code == "rems_enrolment_needed"

    RemsEnrolment.objects.create(patient=people.ana, enrolled_on=dt.date(2025, 3, 3))
    answer = eligibility_for(patient=people.ana, service=clinic.spravato)

    assert answer.can_book and answer.bookable_from == dt.date(2025, 3, 3)
    assert [place.name for place in answer.places] == ["Phoenix"]  # Tucson is not REMS-certified
    slots = earliest(client_for(people.ana.user), clinic.spravato, limit=5)["slots"]
    assert slots and {slot["location"]["name"] for slot in slots} == {"Phoenix"}
    assert min(dt.datetime.fromisoformat(slot["local_start"]).date() for slot in slots) == dt.date(2025, 3, 3)


def test_video_needs_the_patients_state_so_a_patient_without_one_gets_the_site_only(clinic, frozen):
    nomad = patient_user("nomad", state="")

    answer = eligibility_for(patient=nomad, service=clinic.integration)

    assert answer.can_book and answer.places == (clinic.phoenix,)


def test_earliest_anywhere_merges_every_site_and_video_earliest_first(clinic, people, frozen):
    slots = earliest(client_for(people.ana.user), clinic.integration, limit=6)["slots"]

    starts = [slot["start"] for slot in slots]
    assert starts == sorted(starts)
    assert {slot["modality"] for slot in slots} == {"in_person", "video"}
    video = next(slot for slot in slots if slot["modality"] == "video")
    assert video["location"] is None and video["time_zone"] == people.ana.time_zone


def test_the_desk_names_a_patient_and_the_read_is_audited(clinic, people, frozen):
    clearance(people.ana, expires_on=dt.date(2025, 2, 20))
    client = client_for(people.desk)

    alone = earliest(client, clinic.iv, limit=2)
    named = earliest(client, clinic.iv, patient=people.ana.pk)

    assert alone["eligibility"] is None and len(alone["slots"]) == 2
    assert (named["eligibility"]["code"], named["slots"]) == ("clearance_expired", [])
    assert AuditEntry.objects.filter(actor=people.desk, patient_id=people.ana.pk,
                                     record_kind="availability.eligibility").exists()


def test_a_patient_cannot_ask_for_someone_else(clinic, people, frozen):
    other = patient_user("other")

    response = client_for(people.ana.user).get("/api/v1/availability/earliest",
                                               {"service": clinic.iv.pk, "patient": other.pk})

    assert (response.status_code, response.json()["code"]) == (404, "patient_not_found")


def test_earliest_refuses_a_bad_range(clinic, frozen):
    response = APIClient().get("/api/v1/availability/earliest", {"service": clinic.integration.pk, "days": 0})

    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "days"


def test_the_services_outlook_gives_each_service_its_eligibility_and_next_time(clinic, people, evaluation, frozen):
    clearance(people.ana)
    services = [clinic.iv, clinic.spravato, evaluation]

    seen = outlook(patient=people.ana, services=services)

    assert seen[clinic.iv.pk].eligibility.can_book
    assert seen[clinic.iv.pk].earliest.start == dt.datetime(2025, 3, 1, 7, tzinfo=PHX)
    assert (seen[clinic.spravato.pk].eligibility.code, seen[clinic.spravato.pk].earliest) == (
        "evaluation_first", None)
    assert seen[evaluation.pk].earliest is not None


def test_a_gated_patient_choosing_a_taken_time_is_told_the_gate_not_a_lost_race(clinic, people, frozen):
    cleared = patient_user("cleared")
    clearance(cleared)
    taken = client_for(people.desk).post("/api/v1/appointments", booking(clinic, clinic.iv, at(9), patient=cleared),
                                         format="json")
    assert taken.status_code == 201, taken.json()
    # The nurse's set-up at 9:00 is taken: a cleared patient loses the race for it...
    also = patient_user("also")
    clearance(also)
    lost = client_for(also.user).post("/api/v1/appointments", booking(clinic, clinic.iv, at(9)), format="json")
    assert (lost.status_code, lost.json()["code"]) == (409, "slot_taken")

    response = client_for(people.ana.user).post("/api/v1/appointments", booking(clinic, clinic.iv, at(9)),
                                                format="json")
    held = client_for(people.ana.user).post("/api/v1/holds", booking(clinic, clinic.iv, at(9)), format="json")

    # ...but an uncleared one hears about the clearance, never "taken".
    assert (response.status_code, response.json()["code"], response.json()["gate"]) == (422, "gate_failed",
                                                                                        "clearance")
    assert (held.status_code, held.json()["code"]) == (422, "gate_failed")
