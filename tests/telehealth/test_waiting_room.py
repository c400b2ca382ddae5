"""The waiting room seen from the clinician's side: GET /api/v1/telehealth/waiting lists their
video visits of the day with who is waiting and since when, on their own clock."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from telehealth.models import IdentityConfirmation
from tests.telehealth.conftest import book_video, client_for, clinician_token, la, patient_token

VISIT_DAY_NOON = la(12)


@pytest.fixture
def visit(clinic):
    appointment = book_video(service=clinic.follow_up, patient=clinic.ana, start=la(9), staff=clinic.lee)
    IdentityConfirmation.objects.create(appointment=appointment, patient=clinic.ana, confirmed_at=la(8, 46))
    return appointment


def waiting(clinic, at: dt.datetime, **query) -> dict:
    with time_machine.travel(at, tick=False):
        response = client_for(clinic.lee.user).get("/api/v1/telehealth/waiting", query)
    assert response.status_code == 200, response.json()
    return response.json()


def poll(client, token: str, at: dt.datetime) -> str:
    with time_machine.travel(at, tick=False):
        response = client.get(f"/visit/{token}/status")
    assert response.status_code == 200
    return response.json()["state"]


def test_the_clinician_sees_their_visits_of_the_day_on_their_own_clock_and_the_patients(clinic, visit):
    later = book_video(service=clinic.follow_up, patient=clinic.ana, start=la(14), staff=clinic.lee)
    book_video(service=clinic.follow_up, patient=clinic.ana, start=la(9, day=dt.date(2025, 1, 8)), staff=clinic.lee)
    body = waiting(clinic, la(8))
    assert body["date"] == "2025-01-07" and body["time_zone"] == "America/Los_Angeles"
    assert [v["appointment"] for v in body["visits"]] == [visit.pk, later.pk]
    first = body["visits"][0]
    assert first["local_start"] == "2025-01-07T09:00:00-08:00"
    assert first["patient"]["local_start"] == "2025-01-07T10:00:00-07:00"
    assert first["patient"]["name"] == "Ana Ruiz" and first["patient"]["language"] == "es"
    assert first["window"] == {"opens_at": "2025-01-07T16:45:00Z", "closes_at": "2025-01-07T17:30:00Z", "open": False}
    assert first["join_url"].endswith(f"/visit/{clinician_token(visit, clinic.lee)}")
    assert first["prescribing"] is True


def test_who_is_waiting_and_since_when_follows_the_patients_page(client, clinic, visit):
    token = patient_token(visit)
    assert waiting(clinic, la(8, 45))["visits"][0]["waiting"] == {"state": "not_arrived", "since": None}
    assert poll(client, token, la(8, 47)) == "waiting"
    assert poll(client, token, la(8, 47) + dt.timedelta(seconds=10)) == "waiting"
    assert waiting(clinic, la(8, 47) + dt.timedelta(seconds=30))["visits"][0]["waiting"] == {
        "state": "waiting", "since": "2025-01-07T16:47:00Z"}


def test_a_patient_whose_page_went_quiet_has_left_and_waits_anew_when_back(client, clinic, visit):
    token = patient_token(visit)
    poll(client, token, la(8, 47))
    assert waiting(clinic, la(8, 50))["visits"][0]["waiting"] == {"state": "left", "since": "2025-01-07T16:47:00Z"}
    poll(client, token, la(8, 52))
    assert waiting(clinic, la(8, 52))["visits"][0]["waiting"] == {"state": "waiting", "since": "2025-01-07T16:52:00Z"}


def test_once_the_clinician_starts_the_patient_is_let_in_and_shown_in_the_room(client, clinic, visit):
    patient, doctor = patient_token(visit), clinician_token(visit, clinic.lee)
    assert poll(client, patient, la(8, 50)) == "waiting"
    with time_machine.travel(la(8, 55), tick=False):
        assert client.post(f"/visit/{doctor}/join").status_code == 303
    assert poll(client, patient, la(8, 55) + dt.timedelta(seconds=5)) == "ready"
    with time_machine.travel(la(8, 56), tick=False):
        assert client.post(f"/visit/{patient}/join")["Location"].startswith("https://")
    assert waiting(clinic, la(8, 57))["visits"][0]["waiting"] == {"state": "in_room", "since": "2025-01-07T16:56:00Z"}


def test_the_clinicians_page_shows_the_patient_waiting_with_the_time_on_the_clinicians_clock(client, clinic, visit):
    poll(client, patient_token(visit), la(8, 47))
    with time_machine.travel(la(8, 47) + dt.timedelta(seconds=20), tick=False):
        html = client.get(f"/visit/{clinician_token(visit, clinic.lee)}").content.decode()
    assert "Waiting since 8:47 AM" in html and "Ana Ruiz" in html


def test_a_link_preview_fetching_the_page_does_not_put_the_patient_in_the_waiting_room(client, clinic, visit):
    with time_machine.travel(la(8, 46), tick=False):
        assert client.get(f"/visit/{patient_token(visit)}").status_code == 200
    assert waiting(clinic, la(8, 46))["visits"][0]["waiting"]["state"] == "not_arrived"


def test_the_desk_flags_an_interpreter_and_the_clinician_sees_it(clinic, visit):
    from tests.factories import StaffMemberFactory, UserFactory

    desk = UserFactory(username="desk", role="front_desk")
    StaffMemberFactory(user=desk, roles=["front_desk"], locations=[clinic.virtual])
    flagged = client_for(desk).put(f"/api/v1/telehealth/appointments/{visit.pk}/interpreter",
                                   {"language": "Vietnamese", "notes": "Line 3, ref 88"}, format="json")
    assert flagged.status_code == 200
    assert waiting(clinic, la(8))["visits"][0]["interpreter"]["language"] == "Vietnamese"
    assert client_for(clinic.ana.user).put(f"/api/v1/telehealth/appointments/{visit.pk}/interpreter",
                                           {"language": "Vietnamese"}, format="json").status_code == 403
    assert client_for(desk).delete(f"/api/v1/telehealth/appointments/{visit.pk}/interpreter").status_code == 204
    assert waiting(clinic, la(8))["visits"][0]["interpreter"] is None


def test_other_clinicians_do_not_see_the_visit_and_patients_cannot_ask(clinic, visit):
    with time_machine.travel(la(8), tick=False):
        sam = client_for(clinic.sam.user).get("/api/v1/telehealth/waiting")
        ana = client_for(clinic.ana.user).get("/api/v1/telehealth/waiting")
    assert sam.status_code == 200 and sam.json()["visits"] == []
    assert ana.status_code == 403


def test_another_day_can_be_asked_for(clinic, visit):
    assert waiting(clinic, la(8, day=dt.date(2025, 1, 6)), date="2025-01-07")["visits"][0]["appointment"] == visit.pk
    assert waiting(clinic, la(8), date="2025-01-08")["visits"] == []


def test_the_waiting_list_reads_a_fixed_number_of_queries_however_many_visits(clinic, django_assert_num_queries,
                                                                             django_assert_max_num_queries):
    api = client_for(clinic.lee.user)
    for hour in (8, 9):
        book_video(service=clinic.follow_up, patient=clinic.ana, start=la(hour), staff=clinic.lee)
    with time_machine.travel(la(7), tick=False):
        api.get("/api/v1/telehealth/waiting")  # issues the clinician's links once
        with django_assert_max_num_queries(10) as few:
            api.get("/api/v1/telehealth/waiting")
        queries_for_two = len(few.captured_queries)  # read now: the next request clears the log
    for hour in (10, 11, 12, 13, 14, 15):
        book_video(service=clinic.follow_up, patient=clinic.ana, start=la(hour), staff=clinic.lee)
    with time_machine.travel(la(7), tick=False):
        api.get("/api/v1/telehealth/waiting")
        with django_assert_num_queries(queries_for_two):
            body = api.get("/api/v1/telehealth/waiting").json()
    assert len(body["visits"]) == 8
