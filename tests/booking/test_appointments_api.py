import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from knox.models import AuthToken
from rest_framework.test import APIClient

from scheduling.models import Appointment, AppointmentStatus as S
from scheduling.services.booking import book_appointment
from tests.factories import PatientFactory, ResourceFactory, StaffMemberFactory, weekly_hours

from .conftest import at, client_for, iso

pytestmark = pytest.mark.django_db


def body(clinic, start, **extra):
    return {"service": clinic.service.pk, "location": clinic.location.pk, "start": iso(start), **extra}


def booked_for(clinic, patient, start):
    return book_appointment(patient=patient, service=clinic.service, location=clinic.location, start=start,
                            actor=patient.user)


def test_a_patient_books_for_themselves_online(clinic, people, frozen):
    response = client_for(people.ana.user).post("/api/v1/appointments", body(clinic, at(9)), format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["status"], data["channel"], data["patient"]["id"]) == ("booked", "online", people.ana.pk)
    assert data["start"] == "2025-03-10T16:00:00Z" and "staff_notes" not in data
    assert {a["resource"]["name"] for a in data["allocations"] if a["resource"]} == {"Chair 1"}


def test_a_lost_slot_is_a_409_problem_naming_what_is_taken(clinic, people, frozen):
    booked_for(clinic, people.ana, at(9))
    response = client_for(people.ben.user).post("/api/v1/appointments", body(clinic, at(10)), format="json")
    assert response.status_code == 409
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "slot_taken"
    assert response.json()["detail"] == "No infusion chair is free Mon 10 Mar 2025 10:00-11:25 MST."  # no chair names
    desk = client_for(people.desk).post("/api/v1/appointments", body(clinic, at(10)) | {"patient": people.ben.pk},
                                        format="json")
    assert (desk.status_code, desk.json()["detail"]) == (409, "Chair 1 is taken Mon 10 Mar 2025 09:00-10:25 MST.")


def test_a_naive_start_time_is_a_400_naming_the_field(clinic, people, frozen):
    response = client_for(people.ana.user).post(
        "/api/v1/appointments", body(clinic, at(9)) | {"start": "2025-03-10T09:00:00"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "start"


def test_a_rule_failure_is_a_422(clinic, people, frozen):
    response = client_for(people.ana.user).post("/api/v1/appointments", body(clinic, at(9, 5)), format="json")
    assert response.status_code == 422 and response.json()["code"] == "off_grid"


def test_the_desk_books_for_a_patient_by_id_with_notes_and_an_override(clinic, people, frozen):
    clinic.service.min_notice_minutes = 60 * 24 * 30
    clinic.service.save()
    response = client_for(people.desk).post("/api/v1/appointments", body(
        clinic, at(9), patient=people.ben.pk, channel="phone", staff_notes="Needs a blanket",
        override_reason="Urgent per prescriber"), format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["channel"], data["staff_notes"], data["patient"]["id"]) == ("phone", "Needs a blanket", people.ben.pk)
    assert Appointment.objects.get(pk=data["id"]).events.get().reason == "Urgent per prescriber"


def test_a_patient_sending_an_override_is_refused(clinic, people, frozen):
    response = client_for(people.ana.user).post(
        "/api/v1/appointments", body(clinic, at(9), override_reason="please"), format="json")
    assert response.status_code == 403


def test_a_patient_cannot_book_for_someone_else(clinic, people, frozen):
    response = client_for(people.ana.user).post(
        "/api/v1/appointments", body(clinic, at(9), patient=people.ben.pk), format="json")
    assert response.status_code == 404
    assert not Appointment.objects.exists()


def test_the_desk_of_another_location_cannot_book_here(clinic, people, frozen):
    response = client_for(people.tucson_desk).post(
        "/api/v1/appointments", body(clinic, at(9), patient=people.ben.pk), format="json")
    assert response.status_code == 403 and "Phoenix" in response.json()["detail"]


def test_a_clinician_cannot_book(clinic, people, frozen):
    response = client_for(people.nurse).post(
        "/api/v1/appointments", body(clinic, at(9), patient=people.ben.pk), format="json")
    assert response.status_code == 403


def test_nobody_anonymous_holds_or_books(clinic, frozen):
    for path in ("/api/v1/holds", "/api/v1/appointments"):
        assert APIClient().post(path, body(clinic, at(9)), format="json").status_code in (401, 403)


def test_a_hold_then_a_booking_that_presents_it(clinic, people, frozen):
    client = client_for(people.ana.user)
    held = client.post("/api/v1/holds", body(clinic, at(9)), format="json")
    assert held.status_code == 201 and held.json()["status"] == "held"
    assert held.json()["hold_expires_at"] == "2025-03-01T12:05:00Z"
    other = client_for(people.ben.user).post("/api/v1/appointments", body(clinic, at(9)), format="json")
    assert other.status_code == 409
    booked = client.post("/api/v1/appointments", {"hold": held.json()["id"]}, format="json")
    assert booked.status_code == 201 and booked.json()["id"] == held.json()["id"]
    assert booked.json()["status"] == "booked"


def test_someone_elses_hold_cannot_be_presented(clinic, people, frozen):
    held = client_for(people.ana.user).post("/api/v1/holds", body(clinic, at(9)), format="json").json()
    response = client_for(people.ben.user).post("/api/v1/appointments", {"hold": held["id"]}, format="json")
    assert response.status_code == 404
    assert Appointment.objects.get(pk=held["id"]).status == S.HELD


def test_a_hold_presented_with_a_different_time_is_refused(clinic, people, frozen):
    client = client_for(people.ana.user)
    held = client.post("/api/v1/holds", body(clinic, at(9)), format="json").json()
    response = client.post("/api/v1/appointments", {"hold": held["id"], "start": iso(at(11))}, format="json")
    assert response.status_code == 422 and response.json()["code"] == "hold_mismatch"


# --- Who sees what --------------------------------------------------------------------------

def test_a_patient_cannot_read_or_change_another_patients_appointment_by_guessing_ids(clinic, people, frozen):
    theirs = booked_for(clinic, people.ben, at(9))
    client = client_for(people.ana.user)
    assert client.get(f"/api/v1/appointments/{theirs.pk}").status_code == 404
    for action, payload in [("cancel", {}), ("reschedule", {"start": iso(at(13))}), ("check-in", {}),
                            ("no-show", {}), ("complete", {})]:
        response = client.post(f"/api/v1/appointments/{theirs.pk}/{action}", payload, format="json")
        assert response.status_code == 404, action
        assert response.json()["code"] == "appointment_not_found"
    missing = client.get(f"/api/v1/appointments/{theirs.pk + 1000}")
    assert missing.status_code == 404 and missing.json()["detail"].startswith("There is no appointment")
    assert client.get("/api/v1/appointments").json()["count"] == 0
    theirs.refresh_from_db()
    assert theirs.status == S.BOOKED


def test_a_patient_reads_and_cancels_their_own(clinic, people, frozen):
    mine = booked_for(clinic, people.ana, at(9))
    client = client_for(people.ana.user)
    assert client.get(f"/api/v1/appointments/{mine.pk}").json()["id"] == mine.pk
    response = client.post(f"/api/v1/appointments/{mine.pk}/cancel", {"reason": "Sick"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "cancelled"
    assert response.json()["cancelled_by"] == "patient"


def test_a_patient_cannot_check_themselves_in(clinic, people, frozen):
    mine = booked_for(clinic, people.ana, at(9))
    assert client_for(people.ana.user).post(f"/api/v1/appointments/{mine.pk}/check-in").status_code == 403


def test_the_desk_of_another_location_cannot_see_or_act(clinic, people, frozen):
    visit = booked_for(clinic, people.ana, at(9))
    client = client_for(people.tucson_desk)
    assert client.get(f"/api/v1/appointments/{visit.pk}").status_code == 404
    assert client.post(f"/api/v1/appointments/{visit.pk}/cancel", {}, format="json").status_code == 404
    visit.refresh_from_db()
    assert visit.status == S.BOOKED


def test_the_desk_runs_the_day_at_its_location(clinic, people, frozen):
    visit = booked_for(clinic, people.ana, at(9))
    client = client_for(people.desk)
    frozen.move_to(at(8, 50))
    assert client.post(f"/api/v1/appointments/{visit.pk}/check-in").json()["status"] == "checked_in"
    frozen.move_to(at(10, 30))
    assert client.post(f"/api/v1/appointments/{visit.pk}/complete").json()["status"] == "completed"


def test_checking_in_or_completing_early_is_a_422_the_desk_overrides_with_a_reason(clinic, people, frozen):
    visit = booked_for(clinic, people.ana, at(9))
    client = client_for(people.desk)
    early = client.post(f"/api/v1/appointments/{visit.pk}/check-in", {}, format="json")
    assert early.status_code == 422
    assert (early.json()["code"], early.json()["opens_at"]) == ("too_early_for_check_in", at(8).isoformat())
    assert "08:00 MST" in early.json()["detail"]
    checked_in = client.post(f"/api/v1/appointments/{visit.pk}/check-in",
                             {"override_reason": "Arrived for a consult the day before"}, format="json")
    assert checked_in.status_code == 200 and checked_in.json()["status"] == "checked_in"
    not_yet = client.post(f"/api/v1/appointments/{visit.pk}/complete", {}, format="json")
    assert (not_yet.status_code, not_yet.json()["code"]) == (422, "too_early_to_complete")
    done = client.post(f"/api/v1/appointments/{visit.pk}/complete", {"override_reason": "Entered in error"},
                       format="json")
    assert done.status_code == 200 and done.json()["status"] == "completed"
    assert list(visit.events.values_list("action", "reason")) == [
        ("booked", ""), ("checked_in", "Arrived for a consult the day before"), ("completed", "Entered in error")]


def test_an_override_reason_is_at_most_300_characters(clinic, people, frozen):
    visit = booked_for(clinic, people.ana, at(9))
    response = client_for(people.desk).post(f"/api/v1/appointments/{visit.pk}/complete",
                                            {"override_reason": "x" * 301}, format="json")
    assert response.status_code == 400 and response.json()["errors"][0]["field"] == "override_reason"


def test_an_illegal_transition_through_the_api_is_a_409_problem(clinic, people, frozen):
    visit = booked_for(clinic, people.ana, at(9))
    response = client_for(people.desk).post(f"/api/v1/appointments/{visit.pk}/complete")
    assert response.status_code == 409
    problem = response.json()
    assert (problem["code"], problem["from_status"], problem["to_status"]) == ("illegal_transition", "booked",
                                                                               "completed")


def test_a_clinician_sees_only_the_visits_they_are_allocated_to(clinic, people, frozen):
    visit = booked_for(clinic, people.ana, at(9))
    assert client_for(people.nurse).get("/api/v1/appointments").json()["count"] == 1
    stranger = StaffMemberFactory(display_name="Dr Far", roles=["prescriber"]).user
    assert client_for(stranger).get("/api/v1/appointments").json()["count"] == 0
    assert client_for(stranger).get(f"/api/v1/appointments/{visit.pk}").status_code == 404
    frozen.move_to(at(8, 30))
    assert client_for(people.nurse).post(f"/api/v1/appointments/{visit.pk}/check-in").status_code == 200


def test_reschedule_through_the_api_returns_the_new_appointment(clinic, people, frozen):
    visit = booked_for(clinic, people.ana, at(9))
    response = client_for(people.ana.user).post(f"/api/v1/appointments/{visit.pk}/reschedule",
                                                {"start": iso(at(13))}, format="json")
    assert response.status_code == 200, response.json()
    new = response.json()
    assert new["start"] == iso(at(13)) and new["rescheduled_from"] == visit.pk
    old = client_for(people.ana.user).get(f"/api/v1/appointments/{visit.pk}").json()
    assert (old["status"], old["rescheduled_to"]) == ("rescheduled", new["id"])


@pytest.mark.parametrize("action, payload", [("cancel", {"reason": "Sick"}), ("reschedule", {"start": iso(at(13))})])
def test_actions_take_the_service_and_place_from_the_set_up_not_from_the_database(clinic, people, frozen,
                                                                                   action, payload):
    visit = booked_for(clinic, people.ana, at(9))
    client = client_for(people.ana.user)
    with CaptureQueriesContext(connection) as captured:
        response = client.post(f"/api/v1/appointments/{visit.pk}/{action}", payload, format="json")
    assert response.status_code == 200, response.json()
    read = [q["sql"] for q in captured.captured_queries if q["sql"].lstrip().startswith("SELECT")]
    for table in ("scheduling_service", "scheduling_phase", "scheduling_location"):
        assert not [sql for sql in read if f'FROM "{table}"' in sql], table


def token_client(user) -> APIClient:
    """Signed in as the API's clients are: a token, read by the product's authentication."""
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(user)[1]}")
    return client


def test_with_a_real_sign_in_a_patient_still_cannot_act_on_another_patients_visit_or_hold(clinic, people, frozen):
    theirs = booked_for(clinic, people.ben, at(9))
    held = token_client(people.ben.user).post("/api/v1/holds", body(clinic, at(13)), format="json").json()
    client = token_client(people.ana.user)
    for action, payload in [("cancel", {}), ("reschedule", {"start": iso(at(15))})]:
        response = client.post(f"/api/v1/appointments/{theirs.pk}/{action}", payload, format="json")
        assert (response.status_code, response.json()["code"]) == (404, "appointment_not_found"), action
    response = client.post("/api/v1/appointments", {"hold": held["id"]}, format="json")
    assert (response.status_code, response.json()["code"]) == (404, "hold_not_found")
    assert {a.status for a in Appointment.objects.all()} == {S.BOOKED, S.HELD}


@pytest.mark.parametrize("who", ["patient", "desk"])
def test_an_action_on_a_moved_visit_answers_with_the_visit_it_replaced(clinic, people, frozen, who):
    first = booked_for(clinic, people.ana, at(9))
    client = token_client(people.ana.user if who == "patient" else people.desk)
    moved = client.post(f"/api/v1/appointments/{first.pk}/reschedule", {"start": iso(at(13))}, format="json")
    assert moved.status_code == 200 and moved.json()["rescheduled_from"] == first.pk
    cancelled = client.post(f"/api/v1/appointments/{moved.json()['id']}/cancel", {"reason": "Sick"}, format="json")
    assert cancelled.status_code == 200, cancelled.json()
    assert (cancelled.json()["status"], cancelled.json()["rescheduled_from"]) == ("cancelled", first.pk)
    again = client.post(f"/api/v1/appointments/{first.pk}/cancel", {}, format="json")
    assert again.status_code == 409  # the replaced visit is no longer live


def test_a_signed_in_request_reads_the_set_up_version_once(clinic, people, frozen):
    client = token_client(people.ana.user)
    with CaptureQueriesContext(connection) as captured:
        response = client.post("/api/v1/appointments", body(clinic, at(9)), format="json")
    assert response.status_code == 201, response.json()
    reads = [q["sql"] for q in captured.captured_queries if "scheduling_catalogversion" in q["sql"]]
    assert len(reads) == 1


# --- The desk's list ------------------------------------------------------------------------

def test_the_list_filters_by_day_location_staff_resource_patient_and_status(clinic, people, frozen):
    chair2 = ResourceFactory(location=clinic.location, name="Chair 2")
    a = booked_for(clinic, people.ana, at(9))
    b = booked_for(clinic, people.ben, at(9, 15))  # chair 2 (chair 1 is taken)
    c = booked_for(clinic, people.ana, at(9, 0, day=dt.date(2025, 3, 11)))
    client = client_for(people.desk)

    def ids(**params):
        response = client.get("/api/v1/appointments", params)
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    assert ids() == [a.pk, b.pk, c.pk]
    assert ids(date="2025-03-10", location=clinic.location.pk) == [a.pk, b.pk]
    assert ids(start_from=iso(at(9, 10)), start_to=iso(at(12))) == [b.pk]
    assert ids(resource=chair2.pk) == [b.pk]
    assert ids(resource=f"{clinic.chair.pk},{chair2.pk}") == [a.pk, b.pk, c.pk]
    assert ids(staff=clinic.nurse.pk) == [a.pk, b.pk, c.pk]
    assert ids(patient=people.ben.pk) == [b.pk]
    client.post(f"/api/v1/appointments/{a.pk}/check-in", {"override_reason": "Arrived early"}, format="json")
    assert ids(status="checked_in") == [a.pk]
    assert ids(status="booked,checked_in", date="2025-03-10", location=clinic.location.pk) == [a.pk, b.pk]
    assert ids(location=clinic.other_location.pk) == []
    assert ids(modality="video") == []


def test_the_list_refuses_bad_filters_with_the_parameter_named(clinic, people, frozen):
    client = client_for(people.desk)
    for params, field in [({"status": "sleeping"}, "status"), ({"date": "monday"}, "date"),
                          ({"start_from": "2025-03-10T09:00:00"}, "start_from"), ({"location": 99999}, "location")]:
        response = client.get("/api/v1/appointments", params)
        assert response.status_code == 400, params
        assert response.json()["errors"][0]["field"] == field


def test_the_list_is_paginated_and_its_query_count_does_not_grow_with_the_page(clinic, people, frozen,
                                                                             django_assert_max_num_queries):
    for n in range(2, 7):
        ResourceFactory(location=clinic.location, name=f"Chair {n}")
    nurse2 = StaffMemberFactory(display_name="Nurse B", watch_capacity=4, locations=[clinic.location])
    weekly_hours(staff=nurse2, start=dt.time(7), end=dt.time(19))
    for hour in (8, 10, 12, 14):
        for minute in (0, 15, 30):  # a patient each: one patient's visits never overlap
            booked_for(clinic, PatientFactory(), at(hour, minute))
    client = client_for(people.desk)
    with django_assert_max_num_queries(8):
        page = client.get("/api/v1/appointments", {"limit": 5}).json()
    assert page["count"] == 12 and len(page["results"]) == 5 and page["next"]
    with django_assert_max_num_queries(8):
        client.get("/api/v1/appointments", {"limit": 100})
