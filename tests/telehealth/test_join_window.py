"""The visit page opens 15 minutes before the start and closes at the planned end, with a clear
message on either side; "My appointments" carries the join link only while it is open."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from telehealth.models import IdentityConfirmation
from tests.telehealth.conftest import book_video, client_for, clinician_token, la, patient_token

SECOND = dt.timedelta(seconds=1)


@pytest.fixture
def visit(clinic):
    appointment = book_video(service=clinic.follow_up, patient=clinic.ana, start=la(9), staff=clinic.lee)
    IdentityConfirmation.objects.create(appointment=appointment, patient=clinic.ana, confirmed_at=la(8))
    return appointment


def page_state(client, token: str, at: dt.datetime) -> str:
    with time_machine.travel(at, tick=False):
        response = client.get(f"/visit/{token}")
    assert response.status_code == 200
    return response.context["state"]


def test_the_page_opens_exactly_fifteen_minutes_before_the_start(client, visit):
    token = patient_token(visit)
    assert page_state(client, token, la(8, 45) - SECOND) == "before"
    assert page_state(client, token, la(8, 45)) == "waiting"


def test_the_page_closes_exactly_at_the_planned_end(client, visit):
    token = patient_token(visit)
    assert visit.end == la(9, 30)
    assert page_state(client, token, la(9, 30) - SECOND) == "waiting"
    assert page_state(client, token, la(9, 30)) == "after"


def test_before_the_window_the_patient_reads_when_it_opens_on_their_own_clock_in_their_language(client, visit):
    with time_machine.travel(la(8), tick=False):
        html = client.get(f"/visit/{patient_token(visit)}").content.decode()
    # 08:45 in Los Angeles is 09:45 in Phoenix in January; Ana reads Spanish.
    assert "Esta página se abre a las 09:45" in html
    assert "martes 7 de enero, 10:00 MST" in html


def test_after_the_end_the_patient_is_told_the_visit_ended_and_what_to_do(client, visit):
    with time_machine.travel(la(10), tick=False):
        html = client.get(f"/visit/{patient_token(visit)}").content.decode()
    assert "Esta consulta terminó a las 10:30" in html
    assert "llame a la clínica" in html


def test_the_room_cannot_be_entered_outside_the_window(client, clinic, visit):
    token = clinician_token(visit, clinic.lee)
    for at in (la(8, 45) - SECOND, la(9, 30)):
        with time_machine.travel(at, tick=False):
            response = client.post(f"/visit/{token}/join")
        assert response.status_code == 303
        assert response["Location"] == f"/visit/{token}"


def test_my_appointments_shows_the_join_link_only_while_the_window_is_open(clinic, visit):
    api = client_for(clinic.ana.user)

    def join_url(at):
        with time_machine.travel(at, tick=False):
            response = api.get(f"/api/v1/appointments/{visit.pk}")
        assert response.status_code == 200
        return response.json()["join_url"]

    assert join_url(la(8, 45) - SECOND) is None
    inside = join_url(la(8, 45))
    assert inside.endswith(f"/visit/{patient_token(visit)}")
    assert join_url(la(9, 29)) == inside
    assert join_url(la(9, 30)) is None


def test_staff_never_get_the_patients_join_link_in_appointment_data(clinic, visit):
    with time_machine.travel(la(9), tick=False):
        response = client_for(clinic.lee.user).get(f"/api/v1/appointments/{visit.pk}")
    assert response.status_code == 200
    assert response.json()["join_url"] is None
