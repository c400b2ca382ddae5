import threading
from datetime import timedelta

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.settings import api_settings

from accounts.destinations import parse_destination
from accounts.models import OneTimeCode, Role
from accounts.services import InvalidCode, sign_in_code_verify
from tests.factories import PatientFactory, UserFactory

pytestmark = pytest.mark.django_db

INVALID = "That code is not valid or has expired. Check it, or request a new code."


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_the_right_code_returns_a_token_for_the_patient(patient, sign_in_code, verify, client):
    response = verify("+16025550134", sign_in_code("+16025550134"))

    assert response.status_code == 200
    body = response.json()
    assert body["user"]["role"] == "patient"
    assert body["user"]["patient_id"] == patient.pk
    me = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Token {body['token']}")
    assert me.json()["patient_id"] == patient.pk


def test_the_first_sign_in_creates_the_patients_account_and_later_ones_reuse_it_with_a_token_each(
        patient, sign_in_code, verify, client):
    first = verify("+16025550134", sign_in_code("+16025550134")).json()
    patient.refresh_from_db()
    again = verify("+16025550134", sign_in_code("+16025550134")).json()

    assert patient.user.role == Role.PATIENT
    assert not patient.user.has_usable_password()
    assert first["user"]["id"] == again["user"]["id"] == patient.user_id
    assert first["token"] != again["token"]  # one per device: each stays signed in
    for token in (first["token"], again["token"]):
        assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Token {token}").status_code == 200


def test_a_code_works_only_once(patient, sign_in_code, verify):
    code = sign_in_code("+16025550134")

    assert verify("+16025550134", code).status_code == 200
    reused = verify("+16025550134", code)

    assert reused.status_code == 400
    assert reused.json()["code"] == "invalid_code"


def test_a_code_expires_ten_minutes_after_it_was_sent(patient, sign_in_code, verify):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        on_time = sign_in_code("+16025550134")
    with time_machine.travel(start + timedelta(minutes=9, seconds=59), tick=False):
        assert verify("+16025550134", on_time).status_code == 200

    with time_machine.travel(start + timedelta(minutes=20), tick=False):
        late = sign_in_code("+16025550134")
    with time_machine.travel(start + timedelta(minutes=30), tick=False):
        response = verify("+16025550134", late)

    assert response.status_code == 400
    assert response.json()["detail"] == INVALID


def test_a_new_code_replaces_the_one_before(patient, sign_in_code, verify):
    old = sign_in_code("+16025550134")
    new = sign_in_code("+16025550134")

    if old != new:  # one chance in a million they are the same six digits
        assert verify("+16025550134", old).status_code == 400
    assert verify("+16025550134", new).status_code == 200


def test_after_too_many_wrong_codes_even_the_right_one_is_refused(patient, sign_in_code, verify, settings):
    settings.OTP_MAX_ATTEMPTS = 3
    code = sign_in_code("+16025550134")

    answers = [verify("+16025550134", wrong(code)).json()["code"] for _ in range(3)]
    right_but_locked = verify("+16025550134", code)

    assert answers == ["invalid_code", "invalid_code", "code_locked"]
    assert right_but_locked.status_code == 400
    assert right_but_locked.json()["code"] == "code_locked"
    assert OneTimeCode.objects.get().attempts == 3
    assert verify("+16025550134", sign_in_code("+16025550134")).status_code == 200


def test_unknown_destination_wrong_code_and_expired_code_get_the_same_answer(patient, sign_in_code, verify):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        code = sign_in_code("+16025550134")
        unknown = verify("+16025550999", "123456")
        wrong_code = verify("+16025550134", wrong(code))
    with time_machine.travel(start + timedelta(minutes=11), tick=False):
        expired = verify("+16025550134", code)

    assert unknown.status_code == wrong_code.status_code == expired.status_code == 400
    assert unknown.content == wrong_code.content == expired.content
    assert unknown.json()["code"] == "invalid_code"


def test_a_code_requested_for_an_unknown_destination_locks_like_a_real_one(patient, request_code, sms_outbox,
                                                                          verify, settings):
    settings.OTP_MAX_ATTEMPTS = 2
    request_code("+16025550999")
    request_code("+16025550134")
    assert [m["to"] for m in sms_outbox] == ["+16025550134"]

    answers = {destination: [verify(destination, "000000").json()["code"] for _ in range(3)]
               for destination in ("+16025550999", "+16025550134")}

    assert answers["+16025550999"] == answers["+16025550134"] == ["invalid_code", "code_locked", "code_locked"]


def test_codes_are_compared_in_constant_time(patient, sign_in_code, verify, monkeypatch):
    import hmac

    compared = []
    real_compare = hmac.compare_digest

    def spy(a, b):
        compared.append((a, b))
        return real_compare(a, b)

    code = sign_in_code("+16025550134")
    monkeypatch.setattr("accounts.services.hmac.compare_digest", spy)
    verify("+16025550134", wrong(code))

    stored = OneTimeCode.objects.get().code_hash
    assert compared and compared[0][0] == stored


def test_one_address_may_try_only_so_many_codes_an_hour(verify):
    limit = int(api_settings.DEFAULT_THROTTLE_RATES["otp_verify_ip"].split("/")[0])
    statuses = {verify(f"+1602555{1000 + n}", "123456").status_code for n in range(limit)}
    refused = verify("+16025550134", "123456")

    assert statuses == {400}
    assert refused.status_code == 429
    assert refused.json()["code"] == "throttled"


def test_asking_for_a_session_signs_the_browser_in_too(patient, sign_in_code, verify, client):
    response = verify("+16025550134", sign_in_code("+16025550134"), session=True)

    assert response.status_code == 200
    assert int(client.session["_auth_user_id"]) == response.json()["user"]["id"]
    assert client.get("/api/v1/me").json()["patient_id"] == patient.pk


def test_a_session_is_only_started_with_a_csrf_token(patient, sign_in_code):
    code = sign_in_code("+16025550134")
    browser = Client(enforce_csrf_checks=True)

    response = browser.post("/api/v1/auth/verify", {"destination": "+16025550134", "code": code, "session": True},
                            content_type="application/json")

    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert "CSRF" in response.json()["detail"]
    assert "_auth_user_id" not in browser.session


def test_a_patient_record_linked_to_a_staff_account_cannot_sign_in_with_a_code(request_code, sms_outbox, verify):
    staff = UserFactory(role=Role.FRONT_DESK)
    PatientFactory(phone="+16025550155", user=staff)

    request_code("+16025550155")

    assert sms_outbox == []
    assert verify("+16025550155", "123456").json()["code"] == "invalid_code"


def test_an_api_token_stops_working_after_its_lifetime(patient, sign_in_code, verify, client, settings):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        body = verify("+16025550134", sign_in_code("+16025550134")).json()
        token = body["token"]
    assert body["expires_at"] == (start + timedelta(hours=settings.API_TOKEN_TTL_HOURS)).isoformat().replace("+00:00", "Z")
    with time_machine.travel(start + timedelta(hours=settings.API_TOKEN_TTL_HOURS, seconds=1), tick=False):
        response = client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Token {token}")

    assert response.status_code == 401
    assert response.json()["detail"].endswith("Sign in again.")
    assert not AuthToken.objects.exists()  # an expired token is deleted when it is next presented


@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_verifications_of_one_code_let_only_one_in(patient, sign_in_code):
    code = sign_in_code("+16025550134")
    destination = parse_destination("+16025550134")
    barrier = threading.Barrier(2)
    outcomes = []

    def attempt():
        try:
            barrier.wait()
            sign_in_code_verify(destination=destination, code=code)
            outcomes.append("signed in")
        except InvalidCode:
            outcomes.append("refused")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(outcomes) == ["refused", "signed in"]
