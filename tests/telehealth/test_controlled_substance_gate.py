"""The controlled-substance telemedicine rule as a booking gate: a prescriber's video visit needs
no prior in-person evaluation through 31 Dec 2026 (on the patient's clock); after that it needs
one on record, and the refusal says so."""

from __future__ import annotations

import datetime as dt

import time_machine

from scheduling.models import AppointmentStatus
from telehealth.rules import controlled_substance_problem
from tests.factories import AllocationFactory, AppointmentFactory, LocationFactory
from tests.telehealth.conftest import client_for, la

DECEMBER = dt.datetime(2026, 12, 28, 17, 0, tzinfo=dt.UTC)
JANUARY = dt.datetime(2027, 1, 2, 17, 0, tzinfo=dt.UTC)
LAST_DAY = dt.date(2026, 12, 31)
AFTER = dt.date(2027, 1, 4)


def book(clinic, *, service, start: dt.datetime, at: dt.datetime, patient=None):
    patient = patient or clinic.ana
    with time_machine.travel(at, tick=False):
        return client_for(patient.user).post("/api/v1/appointments", {
            "service": service.pk, "modality": "video", "start": start.isoformat()}, format="json")


def test_until_the_end_of_2026_a_prescribers_video_visit_needs_no_in_person_evaluation(clinic):
    response = book(clinic, service=clinic.follow_up, start=la(9, day=LAST_DAY), at=DECEMBER)
    assert response.status_code == 201, response.json()


def test_the_last_day_is_read_on_the_patients_clock(clinic):
    # 16:00 in Los Angeles on 31 Dec is 17:00 in Phoenix, but already 1 Jan in UTC.
    start = la(16, day=LAST_DAY)
    assert start.date() == dt.date(2027, 1, 1)
    assert book(clinic, service=clinic.follow_up, start=start, at=DECEMBER).status_code == 201
    refused = book(clinic, service=clinic.follow_up, start=la(8, day=dt.date(2027, 1, 1)), at=DECEMBER)
    assert refused.status_code == 422


def test_from_2027_a_prescribers_video_visit_without_an_in_person_evaluation_is_refused_clearly(clinic):
    response = book(clinic, service=clinic.follow_up, start=la(9, day=AFTER), at=JANUARY)
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "gate_failed" and body["gate"] == "controlled_substance_telemedicine"
    assert body["detail"].startswith("From 1 Jan 2027, a prescriber may see a patient by video for this kind of "
                                     "visit only after evaluating them in person")
    assert body["detail"].endswith("no prescriber has recorded an in-person evaluation of Ana Ruiz on or before "
                                   "Mon 04 Jan 2027.")
    assert "in-person evaluation" in body["how_to_satisfy"]


def test_a_recorded_in_person_evaluation_lets_the_video_visit_be_booked_from_2027(clinic):
    with time_machine.travel(JANUARY, tick=False):
        recorded = client_for(clinic.lee.user).post("/api/v1/telehealth/in-person-evaluations", {
            "patient": clinic.ana.pk, "evaluated_on": "2026-11-02"}, format="json")
    assert recorded.status_code == 201, recorded.json()
    assert recorded.json()["prescriber"] == {"id": clinic.lee.pk, "name": "Dr. Lee"}
    assert book(clinic, service=clinic.follow_up, start=la(9, day=AFTER), at=JANUARY).status_code == 201


def test_a_completed_in_person_visit_with_a_prescriber_counts_as_an_in_person_evaluation(clinic):
    phoenix = LocationFactory(name="Phoenix")
    visit = AppointmentFactory(patient=clinic.ana, location=phoenix, modality="in_person",
                               start=dt.datetime(2026, 10, 5, 16, 0, tzinfo=dt.UTC),
                               status=AppointmentStatus.COMPLETED)
    AllocationFactory(appointment=visit, staff=clinic.lee)
    assert book(clinic, service=clinic.follow_up, start=la(9, day=AFTER), at=JANUARY).status_code == 201


def test_an_evaluation_dated_after_the_visit_does_not_count(clinic):
    with time_machine.travel(dt.datetime(2027, 1, 20, 17, 0, tzinfo=dt.UTC), tick=False):
        recorded = client_for(clinic.lee.user).post("/api/v1/telehealth/in-person-evaluations", {
            "patient": clinic.ana.pk, "evaluated_on": "2027-01-19"}, format="json")
    assert recorded.status_code == 201
    problem = controlled_substance_problem(service=clinic.follow_up, patient=clinic.ana,
                                           start=la(9, day=dt.date(2027, 1, 18)), prescribers=[clinic.lee])
    assert problem.endswith("Dr. Lee has not recorded an in-person evaluation of Ana Ruiz on or before Mon 18 Jan 2027.")
    assert controlled_substance_problem(service=clinic.follow_up, patient=clinic.ana,
                                        start=la(9, day=dt.date(2027, 1, 19)), prescribers=[clinic.lee]) is None


def test_visits_without_a_prescriber_are_not_gated_after_2026(clinic):
    response = book(clinic, service=clinic.integration, start=la(9, day=AFTER), at=JANUARY)
    assert response.status_code == 201, response.json()


def test_a_video_visit_needs_the_patients_state_of_residence_for_licensure(clinic):
    clinic.ana.state = ""
    clinic.ana.save()
    response = book(clinic, service=clinic.integration, start=la(9, day=LAST_DAY), at=DECEMBER)
    assert response.status_code == 422
    assert response.json()["gate"] == "video_licensure"
    assert "state of residence" in response.json()["detail"]


def test_the_end_of_the_flexibilities_is_a_dated_setting(clinic, settings):
    settings.TELEHEALTH_CS_FLEXIBILITY_UNTIL = dt.date(2026, 12, 29)
    response = book(clinic, service=clinic.follow_up, start=la(9, day=LAST_DAY), at=DECEMBER)
    assert response.status_code == 422 and response.json()["detail"].startswith("From 30 Dec 2026,")


def test_an_in_person_evaluation_cannot_be_recorded_for_a_future_day(clinic):
    with time_machine.travel(JANUARY, tick=False):
        response = client_for(clinic.lee.user).post("/api/v1/telehealth/in-person-evaluations", {
            "patient": clinic.ana.pk, "evaluated_on": "2027-01-03"}, format="json")
    assert response.status_code == 422 and response.json()["code"] == "evaluation_in_future"


def test_only_prescribers_record_in_person_evaluations_and_clinicians_only_their_own(clinic):
    with time_machine.travel(JANUARY, tick=False):
        therapist = client_for(clinic.sam.user).post("/api/v1/telehealth/in-person-evaluations", {
            "patient": clinic.ana.pk, "evaluated_on": "2026-12-01"}, format="json")
        for_someone_else = client_for(clinic.sam.user).post("/api/v1/telehealth/in-person-evaluations", {
            "patient": clinic.ana.pk, "prescriber": clinic.lee.pk, "evaluated_on": "2026-12-01"}, format="json")
        patient = client_for(clinic.ana.user).post("/api/v1/telehealth/in-person-evaluations", {
            "patient": clinic.ana.pk, "evaluated_on": "2026-12-01"}, format="json")
    assert therapist.status_code == 422 and therapist.json()["code"] == "not_a_prescriber"
    assert for_someone_else.status_code == 403
    assert patient.status_code == 403
