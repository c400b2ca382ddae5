"""Repeated STOPs delivered at the same moment (the provider retries, or the patient sends two):
real parallel transactions on PostgreSQL, each thread with its own connection. The texts of one
number are handled one after the other, so there is one consent event and one confirmation."""

from __future__ import annotations

import threading
from urllib.parse import urlencode

import pytest
from django.db import connection, transaction
from django.test import Client
from twilio.request_validator import RequestValidator

from notifications.inbound import receive_sms
from notifications.models import ConsentEvent, InboundMessage, OutboundMessage
from tests.factories import PatientFactory
from tests.notifications.conftest import AUTH_TOKEN, NOW
from tests.notifications.test_concurrency import in_threads, wait_until_blocked

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
STRANGER = "+15005550006"
INBOUND = "/webhooks/sms/inbound"


def signed_stop(sender: str, sid: str, body: str = "STOP"):
    params = {"MessageSid": sid, "AccountSid": "AC1", "From": sender, "To": "+16025550199", "Body": body}
    signature = RequestValidator(AUTH_TOKEN).compute_signature("https://clinic.example" + INBOUND, params)
    return (
        Client()
        .post(
            INBOUND,
            data=urlencode(params),
            content_type="application/x-www-form-urlencoded",
            HTTP_X_TWILIO_SIGNATURE=signature,
        )
        .status_code
    )


@pytest.mark.parametrize("known", [False, True], ids=["unknown number", "a patient's number"])
def test_two_stops_delivered_at_once_give_one_consent_event_and_one_confirmation(known):
    sender = str(PatientFactory(phone="+16025550123").phone) if known else STRANGER
    jobs = [
        lambda sid=sid, body=body: signed_stop(sender, sid, body)
        for sid, body in (("SMa", "STOP"), ("SMb", "stop"), ("SMc", "Stop texting me"), ("SMd", "STOP"))
    ]

    assert in_threads(*jobs) == [200] * 4

    assert InboundMessage.objects.count() == 4
    assert ConsentEvent.objects.filter(phone=sender, action="revoked").count() == 1
    assert OutboundMessage.objects.filter(kind="reply_stop").count() == 1


def test_the_same_stop_delivered_twice_at_once_is_recorded_once():
    assert in_threads(*[lambda: signed_stop(STRANGER, "SMsame")] * 3) == [200] * 3
    assert InboundMessage.objects.count() == 1
    assert ConsentEvent.objects.filter(phone=STRANGER).count() == 1


def test_a_second_stop_waits_for_the_first_and_then_finds_the_number_opted_out():
    """Deterministic: the first STOP's transaction stays open until the second is seen waiting on
    the number's lock (not a guess about timing), then commits."""
    first_in, second_ready, release = threading.Event(), threading.Event(), threading.Event()
    second_pid: list[int] = []

    def first():
        with transaction.atomic():
            receive_sms(provider_id="SM1", from_number=STRANGER, to_number="+16025550199", body="STOP", now=NOW)
            first_in.set()
            assert release.wait(30)

    def second():
        assert first_in.wait(30)
        second_pid.append(_pid())
        second_ready.set()
        receive_sms(provider_id="SM2", from_number=STRANGER, to_number="+16025550199", body="STOP", now=NOW)

    def referee():
        assert second_ready.wait(30)
        wait_until_blocked(second_pid[0])
        release.set()

    in_threads(first, second, referee)

    assert [e.action for e in ConsentEvent.objects.filter(phone=STRANGER)] == ["revoked"]
    assert OutboundMessage.objects.filter(kind="reply_stop").count() == 1


def _pid() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]
