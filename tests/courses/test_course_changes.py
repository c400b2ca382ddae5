"""A booked course changes as a whole (pause, resume, boosters, cancel) or one visit at a time;
moving a visit re-checks the spacing against the others, whichever endpoint moves it."""

from __future__ import annotations

import datetime as dt

import pytest

from scheduling.models import Appointment, AppointmentStatus, CourseVisit
from tests.care.conftest import PHX
from tests.courses.conftest import at, booked_for, client_for, course_body

pytestmark = pytest.mark.django_db


@pytest.fixture
def course(clinic, people, frozen):
    response = client_for(people.ana.user).post("/api/v1/courses", course_body(clinic, with_companions=False),
                                                format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def local(instant: str) -> dt.datetime:
    return dt.datetime.fromisoformat(instant).astimezone(PHX)


def starts(course_json) -> list[dt.datetime]:
    return [local(v["start"]) for v in course_json["visits"] if v["status"] == "booked"]


def test_moving_a_visit_too_close_to_the_one_before_is_refused_naming_the_rule(course, people):
    third = course["visits"][2]
    second_start = local(course["visits"][1]["start"])
    too_close = (second_start + dt.timedelta(hours=24)).astimezone(dt.UTC)

    response = client_for(people.ana.user).post(f"/api/v1/courses/{course['id']}/visits/{third['id']}/reschedule",
                                                {"start": too_close.isoformat()}, format="json")

    body = response.json()
    assert response.status_code == 422
    assert (body["code"], body["rule"]) == ("course_spacing", "min_gap")
    assert body["detail"] == ("Visit 3 would start 24 hours after visit 2; IV induction series needs at least "
                              "48 hours between them.")
    assert Appointment.objects.get(pk=third["appointment"]).status == AppointmentStatus.BOOKED


def test_the_appointments_endpoint_applies_the_same_spacing_rules(course, people):
    third = course["visits"][2]
    too_close = (local(course["visits"][1]["start"]) + dt.timedelta(hours=30)).astimezone(dt.UTC)

    response = client_for(people.desk).post(f"/api/v1/appointments/{third['appointment']}/reschedule",
                                            {"start": too_close.isoformat()}, format="json")

    assert response.status_code == 422
    assert response.json()["rule"] == "min_gap"


def test_moving_the_last_visit_beyond_the_course_span_is_refused(course, people):
    last = course["visits"][-1]
    first_start = local(course["visits"][0]["start"])
    late = dt.datetime.combine(first_start.date() + dt.timedelta(days=22), dt.time(9), tzinfo=PHX)

    response = client_for(people.desk).post(f"/api/v1/courses/{course['id']}/visits/{last['id']}/reschedule",
                                            {"start": late.isoformat()}, format="json")

    assert response.status_code == 422
    assert response.json()["rule"] == "max_span"


def test_a_move_that_keeps_the_spacing_goes_through_and_the_plan_follows_it(course, people):
    last = course["visits"][-1]
    later = (local(last["start"]) + dt.timedelta(days=1)).astimezone(dt.UTC)

    response = client_for(people.ana.user).post(f"/api/v1/courses/{course['id']}/visits/{last['id']}/reschedule",
                                                {"start": later.isoformat()}, format="json")

    assert response.status_code == 200, response.json()
    moved = response.json()["visits"][-1]
    assert (moved["label"], local(moved["start"])) == ("Visit 6 of 6", local(last["start"]) + dt.timedelta(days=1))
    assert moved["appointment"] != last["appointment"]
    assert Appointment.objects.get(pk=last["appointment"]).status == AppointmentStatus.RESCHEDULED


def test_a_visit_moved_through_the_appointments_endpoint_stays_in_the_plan(course, people):
    last = course["visits"][-1]
    later = (local(last["start"]) + dt.timedelta(hours=2)).astimezone(dt.UTC)

    moved = client_for(people.desk).post(f"/api/v1/appointments/{last['appointment']}/reschedule",
                                         {"start": later.isoformat()}, format="json")
    plan = client_for(people.ana.user).get(f"/api/v1/courses/{course['id']}").json()

    assert moved.status_code == 200, moved.json()
    assert plan["visits"][-1]["appointment"] == moved.json()["id"]
    assert plan["visits"][-1]["label"] == "Visit 6 of 6"


def test_a_visit_moved_twice_is_still_held_to_the_spacing_rules(course, people):
    last = course["visits"][-1]
    fine = (local(last["start"]) + dt.timedelta(hours=2)).astimezone(dt.UTC)
    moved = client_for(people.desk).post(f"/api/v1/appointments/{last['appointment']}/reschedule",
                                         {"start": fine.isoformat()}, format="json")
    assert moved.status_code == 200, moved.json()

    too_close = (local(course["visits"][-2]["start"]) + dt.timedelta(hours=24)).astimezone(dt.UTC)
    again = client_for(people.desk).post(f"/api/v1/appointments/{moved.json()['id']}/reschedule",
                                         {"start": too_close.isoformat()}, format="json")

    assert again.status_code == 422
    assert (again.json()["code"], again.json()["rule"]) == ("course_spacing", "min_gap")
    assert Appointment.objects.get(pk=moved.json()["id"]).status == AppointmentStatus.BOOKED


def test_pausing_releases_the_future_visits_and_resuming_places_them_again(course, people, frozen):
    paused = client_for(people.desk).post(f"/api/v1/courses/{course['id']}/pause",
                                          {"reason": "Patient has the flu"}, format="json")

    assert paused.status_code == 200, paused.json()
    assert paused.json()["status"] == "paused"
    assert booked_for(people.ana) == []

    resumed = client_for(people.desk).post(f"/api/v1/courses/{course['id']}/resume",
                                           {"start_from": at(9, day=dt.date(2025, 3, 24)).isoformat()}, format="json")

    body = resumed.json()
    assert resumed.status_code == 200, body
    assert body["status"] == "active"
    assert [v["label"] for v in body["visits"]] == [f"Visit {n} of 6" for n in range(1, 7)]
    assert all(v["status"] == "booked" and local(v["start"]).date() >= dt.date(2025, 3, 24) for v in body["visits"])
    assert len(booked_for(people.ana)) == 6


def test_cancelling_a_course_cancels_every_visit_to_come(course, people):
    response = client_for(people.desk).post(f"/api/v1/courses/{course['id']}/cancel",
                                            {"reason": "Moved out of state", "cancelled_by": "patient"}, format="json")

    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "cancelled"
    assert booked_for(people.ana) == []
    assert set(Appointment.objects.filter(patient=people.ana).values_list("cancel_reason", flat=True)) == {
        "Course cancelled: Moved out of state"}


def test_a_cancelled_course_cannot_be_resumed(course, people):
    client_for(people.desk).post(f"/api/v1/courses/{course['id']}/cancel", {"reason": "No"}, format="json")

    response = client_for(people.desk).post(f"/api/v1/courses/{course['id']}/resume", {}, format="json")

    assert response.status_code == 409
    assert response.json()["code"] == "course_status"


def test_boosters_extend_the_course_after_the_last_dose(course, people):
    last = local(course["visits"][-1]["start"])

    response = client_for(people.desk).post(f"/api/v1/courses/{course['id']}/boosters", {"count": 2}, format="json")

    body = response.json()
    assert response.status_code == 200, body
    boosters = [v for v in body["visits"] if v["kind"] == "booster"]
    assert [v["label"] for v in boosters] == ["Booster 1", "Booster 2"]
    first, second = (local(v["start"]) for v in boosters)
    assert dt.timedelta(days=21) <= first - last <= dt.timedelta(days=28)
    assert dt.timedelta(days=21) <= second - first <= dt.timedelta(days=28)
    assert CourseVisit.objects.filter(kind="booster").count() == 2


def test_only_the_desk_changes_a_course_as_a_whole(course, people):
    response = client_for(people.ana.user).post(f"/api/v1/courses/{course['id']}/pause", {"reason": "x"}, format="json")

    assert response.status_code == 403
