"""Entering the room redirects to the Jitsi room with a JWT of the person's own: the right room,
app, audience and domain, valid only around the visit, moderator for the clinician only."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

import jwt
import pytest
import time_machine

from telehealth.models import IdentityConfirmation, VideoRoom
from tests.telehealth.conftest import book_video, clinician_token, la, patient_token


@pytest.fixture(autouse=True)
def jitsi(settings):
    settings.JITSI_BASE_URL = "https://meet.clinic.example"
    settings.JITSI_APP_ID = "clearday-test"
    settings.JITSI_APP_SECRET = "a-test-secret-" + "s" * 32
    settings.JITSI_AUDIENCE = "jitsi"
    settings.JITSI_TOKEN_OVERRUN_MINUTES = 30


@pytest.fixture
def visit(clinic):
    appointment = book_video(service=clinic.follow_up, patient=clinic.ana, start=la(9), staff=clinic.lee)
    IdentityConfirmation.objects.create(appointment=appointment, patient=clinic.ana, confirmed_at=la(8))
    return appointment


def enter(client, token: str, at: dt.datetime):
    with time_machine.travel(at, tick=False):
        return client.post(f"/visit/{token}/join")


def room_token(response, settings) -> tuple[str, dict]:
    assert response.status_code == 303
    url = urlsplit(response["Location"])
    assert (url.scheme, url.netloc) == ("https", "meet.clinic.example")
    token = parse_qs(url.query)["jwt"][0]
    claims = jwt.decode(token, settings.JITSI_APP_SECRET, algorithms=["HS256"], audience="jitsi",
                        issuer="clearday-test", options={"verify_exp": False, "verify_nbf": False})
    return url.path.lstrip("/"), claims


def test_the_clinicians_token_opens_this_visits_room_as_moderator(client, clinic, visit, settings):
    room, claims = room_token(enter(client, clinician_token(visit, clinic.lee), la(8, 50)), settings)
    assert room == VideoRoom.objects.get(appointment=visit).name == claims["room"]
    assert claims["aud"] == "jitsi" and claims["iss"] == "clearday-test" and claims["sub"] == "meet.clinic.example"
    user = claims["context"]["user"]
    assert user == {"id": f"staff-{clinic.lee.pk}", "name": "Dr. Lee", "moderator": "true", "affiliation": "owner"}


def test_the_token_is_valid_from_the_window_opening_until_shortly_after_the_planned_end(client, clinic, visit,
                                                                                          settings):
    _, claims = room_token(enter(client, clinician_token(visit, clinic.lee), la(8, 50)), settings)
    assert claims["nbf"] == int(la(8, 45).timestamp())
    assert claims["exp"] == int((la(9, 30) + dt.timedelta(minutes=30)).timestamp())
    assert claims["iat"] == int(la(8, 50).timestamp())
    token = parse_qs(urlsplit(enter(client, clinician_token(visit, clinic.lee), la(8, 50))["Location"]).query)["jwt"][0]
    with time_machine.travel(la(8, 44), tick=False), pytest.raises(jwt.ImmatureSignatureError):
        jwt.decode(token, settings.JITSI_APP_SECRET, algorithms=["HS256"], audience="jitsi")
    with time_machine.travel(la(10, 0) + dt.timedelta(seconds=1), tick=False), pytest.raises(jwt.ExpiredSignatureError):
        jwt.decode(token, settings.JITSI_APP_SECRET, algorithms=["HS256"], audience="jitsi")


def test_the_patient_enters_only_after_the_clinician_and_never_as_moderator(client, clinic, visit, settings):
    patient = patient_token(visit)
    assert enter(client, patient, la(8, 50))["Location"] == f"/visit/{patient}"
    enter(client, clinician_token(visit, clinic.lee), la(8, 55))
    room, claims = room_token(enter(client, patient, la(8, 56)), settings)
    assert room == claims["room"] == VideoRoom.objects.get(appointment=visit).name
    assert claims["context"]["user"] == {"id": f"patient-{clinic.ana.pk}", "name": "Ana Ruiz", "moderator": "false",
                                         "affiliation": "member"}


def test_a_token_signed_with_another_secret_does_not_verify(client, clinic, visit, settings):
    response = enter(client, clinician_token(visit, clinic.lee), la(8, 50))
    token = parse_qs(urlsplit(response["Location"]).query)["jwt"][0]
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(token, "not-the-secret-" + "n" * 32, algorithms=["HS256"], audience="jitsi")


def test_each_visit_has_its_own_unguessable_room(clinic, visit, client, settings):
    other = book_video(service=clinic.follow_up, patient=clinic.ana, start=la(11), staff=clinic.lee)
    first, _ = room_token(enter(client, clinician_token(visit, clinic.lee), la(8, 50)), settings)
    second, _ = room_token(enter(client, clinician_token(other, clinic.lee), la(10, 50)), settings)
    assert first != second
    assert len(first) >= 32 and first.isalnum() and first == first.lower()


def test_a_tenant_in_the_base_url_becomes_the_subject_and_the_path(client, clinic, visit, settings):
    settings.JITSI_BASE_URL = "https://meet.clinic.example/Desert/"
    response = enter(client, clinician_token(visit, clinic.lee), la(8, 50))
    url = urlsplit(response["Location"])
    token = parse_qs(url.query)["jwt"][0]
    claims = jwt.decode(token, settings.JITSI_APP_SECRET, algorithms=["HS256"], audience="jitsi",
                        options={"verify_exp": False, "verify_nbf": False})
    assert claims["sub"] == "desert"
    assert url.path == f"/Desert/{claims['room']}"
