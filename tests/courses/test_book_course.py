"""POST /api/v1/courses books a whole course in one call, keeping every spacing rule and the
patient's preferences, or books nothing and says which visit could not be placed."""

from __future__ import annotations

import datetime as dt

import pytest

from care.models import GateOverride
from scheduling.availability import find_slots
from scheduling.models import Appointment, Closure, Course, CourseVisit
from tests.care.conftest import PHX
from tests.courses.conftest import at, booked_for, client_for, course_body, overlapping_exclusive_allocations
from tests.factories import book_slot, clearance, PatientFactory, StaffMemberFactory, weekly_hours

pytestmark = pytest.mark.django_db


def fill_mornings(clinic, days):
    """Other patients take both chairs from 7:00 to 12:00 on each of `days`."""
    for day in days:
        for _ in range(2 * 4):
            found = find_slots(service=clinic.iv, location=clinic.phoenix, start=at(7, day=day), end=at(12, day=day))
            if not found.slots:
                break
            book_slot(found.slots[0], service=clinic.iv, location=clinic.phoenix, patient=PatientFactory())


def local(instant: str) -> dt.datetime:
    return dt.datetime.fromisoformat(instant).astimezone(PHX)


def test_a_six_infusion_course_is_booked_in_one_call_against_a_busy_calendar(clinic, people, frozen):
    busy_days = [dt.date(2025, 3, 10) + dt.timedelta(days=n) for n in range(0, 21, 2)]
    fill_mornings(clinic, busy_days)

    response = client_for(people.ana.user).post(
        "/api/v1/courses", course_body(clinic, with_companions=False, preferences={"times_of_day": ["morning"]}),
        format="json")

    body = response.json()
    assert response.status_code == 201, body
    starts = [local(v["start"]) for v in body["visits"]]
    assert [v["label"] for v in body["visits"]] == [f"Visit {n} of 6" for n in range(1, 7)]
    assert all(v["status"] == "booked" for v in body["visits"])
    assert all(b - a >= dt.timedelta(hours=48) for a, b in zip(starts, starts[1:], strict=False))
    assert starts[-1] - starts[0] <= dt.timedelta(days=21)
    assert all(s.hour < 12 for s in starts)
    assert not any(s.date() in busy_days for s in starts)
    assert starts[0].date() == dt.date(2025, 3, 11)
    assert len(booked_for(people.ana)) == 6
    assert overlapping_exclusive_allocations() == []
    assert (body["doses_total"], body["doses_completed"], body["status"]) == (6, 0, "active")


def test_each_infusion_is_followed_by_an_integration_session_before_the_next(clinic, people, frozen):
    response = client_for(people.ana.user).post("/api/v1/courses", course_body(clinic), format="json")

    body = response.json()
    assert response.status_code == 201, body
    visits = body["visits"]
    assert [v["kind"] for v in visits] == ["dose", "companion"] * 6
    for dose, companion, following in zip(visits[::2], visits[1::2], visits[2::2] + [None], strict=False):
        days_after = (local(companion["start"]).date() - local(dose["start"]).date()).days
        assert 1 <= days_after <= 3
        assert companion["modality"] == "video"
        assert companion["label"] == f"Integration session after visit {dose['number']}"
        if following:
            assert local(companion["end"]) <= local(following["start"])


def test_the_patient_sees_the_course_as_a_plan_and_the_desk_sees_progress(clinic, people, frozen):
    created = client_for(people.ana.user).post("/api/v1/courses", course_body(clinic, with_companions=False),
                                               format="json").json()

    mine = client_for(people.ana.user).get("/api/v1/courses").json()["results"]
    desk = client_for(people.desk).get(f"/api/v1/courses/{created['id']}").json()

    assert [c["id"] for c in mine] == [created["id"]]
    assert mine[0]["next_visit"]["label"] == "Visit 1 of 6"
    assert (desk["doses_total"], desk["doses_completed"]) == (6, 0)
    assert desk["template"] == {"code": "iv-induction", "name": "IV induction series"}


def test_days_of_the_week_are_honoured(clinic, people, frozen):
    response = client_for(people.ana.user).post(
        "/api/v1/courses",
        course_body(clinic, with_companions=False, preferences={"days_of_week": ["mon", "wed", "fri"]}), format="json")

    assert response.status_code == 201, response.json()
    assert {local(v["start"]).strftime("%a") for v in response.json()["visits"]} <= {"Mon", "Wed", "Fri"}


def test_an_impossible_course_books_nothing_and_names_the_visit_and_the_earliest_start(clinic, people, frozen):
    Closure.objects.create(location=clinic.phoenix, start_date=dt.date(2025, 3, 14), end_date=dt.date(2025, 3, 31),
                           reason="Renovation")

    response = client_for(people.ana.user).post(
        "/api/v1/courses", course_body(clinic, with_companions=False, start_from=at(0).isoformat(),
                                       start_by=at(0, day=dt.date(2025, 3, 12)).isoformat()), format="json")

    body = response.json()
    assert response.status_code == 422
    assert body["code"] == "course_unplaceable"
    assert (body["visit"], body["kind"], body["earliest_start"]) == (3, "dose", "2025-04-01")
    assert body["detail"].startswith("Visit 3 of 6 (iv infusion) could not be placed")
    assert body["detail"].endswith("The whole course fits if it starts on Tue 01 Apr 2025.")
    assert not Appointment.objects.exists()
    assert not Course.objects.exists()


def test_a_course_no_start_can_satisfy_says_so(clinic, people, frozen):
    Closure.objects.create(location=clinic.phoenix, start_date=dt.date(2025, 3, 1), end_date=dt.date(2026, 3, 1),
                           reason="Renovation")

    response = client_for(people.ana.user).post(
        "/api/v1/courses",
        course_body(clinic, preferences={"days_of_week": ["sat", "sun"], "times_of_day": ["morning"]}), format="json")

    body = response.json()
    assert response.status_code == 422
    assert (body["visit"], body["kind"], body.get("earliest_start")) == (1, "dose", None)
    assert body["detail"].startswith("Visit 1 of 6 (iv infusion) could not be placed: no opening at Phoenix between "
                                     "Mon 10 Mar 2025 00:00 MST and Mon 17 Mar 2025 00:00 MST on Sat, Sun in the "
                                     "morning (the first visit, from the start date asked).")
    assert "No start within the booking horizon" in body["detail"]
    assert not Appointment.objects.exists()


def test_a_course_for_a_patient_without_clearance_fails_the_gate_and_books_nothing(clinic, people, frozen):
    ben = PatientFactory()

    response = client_for(people.desk).post("/api/v1/courses", course_body(clinic, patient=ben.pk), format="json")

    assert response.status_code == 422
    assert (response.json()["code"], response.json()["gate"]) == ("gate_failed", "clearance")
    assert not Appointment.objects.exists()


def test_the_desks_override_is_recorded_once_per_visit_booked_and_not_for_the_check_up_front(clinic, people, frozen,
                                                                                              settings):
    settings.CARE_OVERRIDABLE_GATES = ["clearance"]
    ben = PatientFactory()
    body = course_body(clinic, patient=ben.pk, with_companions=False, override_reason="Cleared at the other clinic")

    response = client_for(people.desk).post("/api/v1/courses", body, format="json")

    assert response.status_code == 201, response.json()
    doses = Appointment.objects.filter(patient=ben).count()
    assert doses == 6
    assert GateOverride.objects.filter(patient=ben, gate="clearance").count() == doses


def test_a_clearance_that_lapses_mid_course_refuses_the_whole_course(clinic, people, frozen):
    ben = PatientFactory(legal_first_name="Ben", legal_last_name="Ray")
    clearance(ben, expires_on=dt.date(2025, 3, 15))

    response = client_for(people.desk).post("/api/v1/courses", course_body(clinic, patient=ben.pk), format="json")

    assert response.status_code == 422
    assert response.json()["gate"] == "clearance"
    assert "expired on Sat 15 Mar 2025" in response.json()["detail"]
    assert not Appointment.objects.exists()


def test_a_retried_request_with_the_same_idempotency_key_books_once(clinic, people, frozen):
    client = client_for(people.ana.user)

    first = client.post("/api/v1/courses", course_body(clinic), format="json", HTTP_IDEMPOTENCY_KEY="course-1")
    again = client.post("/api/v1/courses", course_body(clinic), format="json", HTTP_IDEMPOTENCY_KEY="course-1")

    assert first.status_code == again.status_code == 201
    assert again.json()["id"] == first.json()["id"]
    assert again["Idempotent-Replayed"] == "true"
    assert Course.objects.count() == 1
    assert CourseVisit.objects.count() == len(booked_for(people.ana)) == 12


def test_a_preferred_therapist_takes_the_companion_visits_where_possible(clinic, people, frozen):
    second = StaffMemberFactory(display_name="Therapist 2", roles=["therapist"], locations=[clinic.telehealth])
    weekly_hours(staff=second, start=dt.time(8), end=dt.time(18))

    response = client_for(people.ana.user).post(
        "/api/v1/courses", course_body(clinic, preferences={"staff": second.pk}), format="json")

    assert response.status_code == 201, response.json()
    companions = [v for v in response.json()["visits"] if v["kind"] == "companion"]
    visits = Appointment.objects.filter(pk__in=[c["appointment"] for c in companions])
    therapists = {visit.allocations.get().staff_id for visit in visits}
    assert therapists == {second.pk}
