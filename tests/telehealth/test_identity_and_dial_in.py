"""A patient's first video visit starts with confirming who they are; later visits do not ask.
Visits without a prescriber offer a phone dial-in to patients with a poor connection; a
prescriber's visit never does (audio only is not allowed for controlled-substance prescribing)."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from telehealth.selectors import MAX_IDENTITY_ATTEMPTS
from tests.telehealth.conftest import book_video, client_for, clinician_token, la, patient_token

RIGHT = {"first_name": "ana", "last_name": "RUIZ", "date_of_birth": "1985-06-01"}


@pytest.fixture
def first_visit(clinic):
    return book_video(service=clinic.integration, patient=clinic.ana, start=la(10), staff=clinic.sam)


def page(client, token: str, at: dt.datetime, data: dict | None = None):
    with time_machine.travel(at, tick=False):
        if data is None:
            return client.get(f"/visit/{token}")
        return client.post(f"/visit/{token}", data)


def test_on_a_first_video_visit_the_patient_confirms_name_and_date_of_birth_before_the_waiting_room(client, first_visit):
    token = patient_token(first_visit)
    shown = page(client, token, la(9, 50))
    assert shown.context["state"] == "identity"
    assert "Antes de su primera consulta por video, confirme quién es" in shown.content.decode()
    with time_machine.travel(la(9, 50), tick=False):
        assert client.post(f"/visit/{token}/join").status_code == 303  # no way round the check
    confirmed = page(client, token, la(9, 51), RIGHT)
    assert confirmed.status_code == 303 and confirmed["Location"] == f"/visit/{token}"
    assert page(client, token, la(9, 51)).context["state"] == "waiting"


def test_wrong_details_are_refused_and_after_five_tries_the_patient_is_asked_to_call(client, first_visit):
    token = patient_token(first_visit)
    wrong = {**RIGHT, "date_of_birth": "1985-01-06"}
    for attempt in range(1, MAX_IDENTITY_ATTEMPTS):
        response = page(client, token, la(9, 50), wrong)
        assert response.status_code == 200 and response.context["state"] == "identity", attempt
        assert "Esos datos no coinciden" in response.content.decode()
    locked = page(client, token, la(9, 50), wrong)
    assert locked.context["state"] == "identity_locked"
    html = locked.content.decode()
    assert "Llame a la clínica para que le ayudemos a entrar" in html and "(602) 555-0100" in html
    # Even the right details no longer help: the clinic confirms by phone.
    assert page(client, token, la(9, 51), RIGHT).status_code == 303
    assert page(client, token, la(9, 51)).context["state"] == "identity_locked"


def test_accents_case_and_a_preferred_first_name_do_not_stand_in_the_way(client, clinic, first_visit):
    clinic.ana.legal_first_name, clinic.ana.legal_last_name, clinic.ana.preferred_name = "Ána María", "Ruiz-Paz", "Ani"
    clinic.ana.save()
    response = page(client, patient_token(first_visit), la(9, 50),
                    {"first_name": "ani", "last_name": "ruiz paz", "date_of_birth": "1985-06-01"})
    assert response.status_code == 303


def test_later_video_visits_do_not_ask_again_and_the_clinician_sees_the_confirmation(client, clinic, first_visit):
    page(client, patient_token(first_visit), la(9, 50), RIGHT)
    second = book_video(service=clinic.integration, patient=clinic.ana, start=la(10, day=dt.date(2025, 1, 9)),
                        staff=clinic.sam)
    assert page(client, patient_token(second), la(9, 50, day=dt.date(2025, 1, 9))).context["state"] == "waiting"
    with time_machine.travel(la(9, 50, day=dt.date(2025, 1, 9)), tick=False):
        body = client_for(clinic.sam.user).get("/api/v1/telehealth/waiting").json()
    assert body["visits"][0]["identity_confirmed_at"] == "2025-01-07T17:50:00Z"


def test_a_visit_without_a_prescriber_offers_the_dial_in_number_in_the_waiting_room(client, first_visit):
    token = patient_token(first_visit)
    page(client, token, la(9, 50), RIGHT)
    html = page(client, token, la(9, 51)).content.decode()
    assert "¿Mala conexión? Entre por teléfono" in html
    assert "Llame al (602) 555-0199" in html and "marque 4321" in html


def test_a_prescribers_visit_never_offers_the_dial_in(client, clinic):
    visit = book_video(service=clinic.follow_up, patient=clinic.ana, start=la(9), staff=clinic.lee)
    token = patient_token(visit)
    page(client, token, la(8, 50), RIGHT)
    shown = page(client, token, la(8, 51))
    html = shown.content.decode()
    assert shown.context["state"] == "waiting"
    assert "555-0199" not in html and "teléfono" not in html.replace("solo por teléfono", "")
    assert "Esta consulta debe ser por video" in html
    with time_machine.travel(la(8, 52), tick=False):
        client.post(f"/visit/{clinician_token(visit, clinic.lee)}/join")
    assert "555-0199" not in page(client, token, la(8, 53)).content.decode()
