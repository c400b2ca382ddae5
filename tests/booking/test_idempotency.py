import datetime as dt

import pytest

from api.idempotency import purge_idempotency_records
from api.models import IdempotencyRecord
from scheduling.models import Appointment, AppointmentEvent

from .conftest import at, client_for, iso, NOW

pytestmark = pytest.mark.django_db


def body(clinic, start):
    return {"service": clinic.service.pk, "location": clinic.location.pk, "start": iso(start)}


def test_the_same_key_and_body_replays_the_first_response_without_booking_twice(clinic, people, frozen):
    client = client_for(people.ana.user)
    first = client.post("/api/v1/appointments", body(clinic, at(9)), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    again = client.post("/api/v1/appointments", body(clinic, at(9)), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert first.status_code == again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Appointment.objects.count() == 1 and AppointmentEvent.objects.count() == 1


def test_the_same_key_with_a_different_body_is_a_422(clinic, people, frozen):
    client = client_for(people.ana.user)
    client.post("/api/v1/appointments", body(clinic, at(9)), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    response = client.post("/api/v1/appointments", body(clinic, at(13)), format="json", HTTP_IDEMPOTENCY_KEY="k-1")
    assert response.status_code == 422 and response.json()["code"] == "idempotency_key_reused"
    assert Appointment.objects.count() == 1


def test_an_error_answer_is_replayed_too(clinic, people, frozen):
    bens = client_for(people.ben.user).post("/api/v1/appointments", body(clinic, at(9)), format="json").json()
    client = client_for(people.ana.user)
    first = client.post("/api/v1/appointments", body(clinic, at(9)), format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert first.status_code == 409
    client_for(people.ben.user).post(f"/api/v1/appointments/{bens['id']}/cancel")  # the slot frees up...
    again = client.post("/api/v1/appointments", body(clinic, at(9)), format="json", HTTP_IDEMPOTENCY_KEY="k-2")
    assert (again.status_code, again.json()) == (409, first.json())
    assert again["Content-Type"] == "application/problem+json"  # ...but the key's answer stands


def test_keys_belong_to_their_user(clinic, people, frozen):
    ana = client_for(people.ana.user).post("/api/v1/appointments", body(clinic, at(9)), format="json",
                                           HTTP_IDEMPOTENCY_KEY="same")
    ben = client_for(people.ben.user).post("/api/v1/appointments", body(clinic, at(13)), format="json",
                                           HTTP_IDEMPOTENCY_KEY="same")
    assert ana.status_code == ben.status_code == 201 and ana.json()["id"] != ben.json()["id"]
    assert set(IdempotencyRecord.objects.values_list("owner", flat=True)) == {
        f"user:{people.ana.user.pk}", f"user:{people.ben.user.pk}"}


def test_actions_are_idempotent(clinic, people, frozen):
    client = client_for(people.desk)
    visit = client.post("/api/v1/appointments", body(clinic, at(9)) | {"patient": people.ana.pk},
                        format="json").json()
    frozen.move_to(at(8, 30))
    first = client.post(f"/api/v1/appointments/{visit['id']}/check-in", HTTP_IDEMPOTENCY_KEY="ci")
    again = client.post(f"/api/v1/appointments/{visit['id']}/check-in", HTTP_IDEMPOTENCY_KEY="ci")
    assert first.status_code == again.status_code == 200
    assert AppointmentEvent.objects.filter(action="checked_in").count() == 1
    # A new key asks again, and the status machine answers.
    assert client.post(f"/api/v1/appointments/{visit['id']}/check-in",
                       HTTP_IDEMPOTENCY_KEY="ci-2").status_code == 409


def test_a_hold_is_idempotent(clinic, people, frozen):
    client = client_for(people.ana.user)
    first = client.post("/api/v1/holds", body(clinic, at(9)), format="json", HTTP_IDEMPOTENCY_KEY="h")
    again = client.post("/api/v1/holds", body(clinic, at(9)), format="json", HTTP_IDEMPOTENCY_KEY="h")
    assert first.json()["id"] == again.json()["id"] and Appointment.objects.count() == 1


def test_keys_are_kept_for_the_ttl_then_forgotten(clinic, people, frozen, settings):
    settings.IDEMPOTENCY_KEY_TTL_HOURS = 24
    client = client_for(people.ana.user)
    client.post("/api/v1/holds", body(clinic, at(9)), format="json", HTTP_IDEMPOTENCY_KEY="h")
    frozen.move_to(NOW + dt.timedelta(hours=23, minutes=59))
    assert purge_idempotency_records() == 0
    replay = client.post("/api/v1/holds", body(clinic, at(9)), format="json", HTTP_IDEMPOTENCY_KEY="h")
    assert replay["Idempotent-Replayed"] == "true"
    frozen.move_to(NOW + dt.timedelta(hours=24, minutes=1))
    assert purge_idempotency_records() == 1


def test_an_expired_key_can_be_used_afresh(clinic, people, frozen, settings):
    settings.IDEMPOTENCY_KEY_TTL_HOURS = 24
    client = client_for(people.ana.user)
    client.post("/api/v1/holds", body(clinic, at(9)), format="json", HTTP_IDEMPOTENCY_KEY="h")
    frozen.move_to(NOW + dt.timedelta(hours=25))
    fresh = client.post("/api/v1/holds", body(clinic, at(13)), format="json", HTTP_IDEMPOTENCY_KEY="h")
    assert fresh.status_code == 201 and "Idempotent-Replayed" not in fresh


def test_a_malformed_key_is_a_400(clinic, people, frozen):
    response = client_for(people.ana.user).post("/api/v1/holds", body(clinic, at(9)), format="json",
                                                HTTP_IDEMPOTENCY_KEY="x" * 300)
    assert response.status_code == 400 and response.json()["code"] == "invalid_idempotency_key"


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_claim_that_loses_to_a_racing_request_with_the_same_key_replays_its_answer(clinic, people, frozen,
                                                                                       monkeypatch):
    """The racing original commits its claim between our look-up and our insert: the insert fails on
    the unique index, and the second attempt replays the original's answer without booking."""
    import threading

    from django.db import connection

    create = IdempotencyRecord.objects.create
    raced = []

    def original_wins_first(**fields):
        if not raced:
            raced.append(True)

            def commit_the_original():
                create(**fields, response_status=201, response_body={"id": 4242, "from": "the original"})
                connection.close()

            thread = threading.Thread(target=commit_the_original)
            thread.start()
            thread.join()
        return create(**fields)

    monkeypatch.setattr(IdempotencyRecord.objects, "create", original_wins_first)
    response = client_for(people.ana.user).post("/api/v1/appointments", body(clinic, at(9)), format="json",
                                                HTTP_IDEMPOTENCY_KEY="k-race")
    assert response.status_code == 201 and response["Idempotent-Replayed"] == "true"
    assert response.json() == {"id": 4242, "from": "the original"}
    assert Appointment.objects.count() == 0 and IdempotencyRecord.objects.count() == 1


def test_a_request_that_failed_validation_keeps_nothing_so_the_fixed_retry_may_reuse_its_key(clinic, people, frozen):
    client = client_for(people.ana.user)
    typo = body(clinic, at(9)) | {"start": "2025-03-10T09:00:00"}  # no offset: a 400
    first = client.post("/api/v1/appointments", typo, format="json", HTTP_IDEMPOTENCY_KEY="k-typo")
    assert first.status_code == 400 and first.json()["errors"][0]["field"] == "start"
    assert not IdempotencyRecord.objects.filter(key="k-typo").exists()
    fixed = client.post("/api/v1/appointments", body(clinic, at(9)), format="json", HTTP_IDEMPOTENCY_KEY="k-typo")
    assert fixed.status_code == 201, fixed.content
    assert "Idempotent-Replayed" not in fixed
    again = client.post("/api/v1/appointments", body(clinic, at(9)), format="json", HTTP_IDEMPOTENCY_KEY="k-typo")
    assert (again.status_code, again.json()["id"]) == (201, fixed.json()["id"])
