from datetime import timedelta

import pytest
import time_machine
from django.utils import timezone
from rest_framework.settings import api_settings

from accounts.models import OneTimeCode
from accounts.services import code_hash
from notifications.models import MessagingPolicy
from notifications.segments import count_segments, SegmentCount
from tests.accounts.conftest import CODE_PATTERN
from tests.factories import PatientFactory

pytestmark = pytest.mark.django_db

CLINICAL_WORDS = ("ketamine", "spravato", "esketamine", "infusion", "therapy", "appointment", "clinic", "dose")


def test_a_patient_gets_a_six_digit_code_by_sms_with_no_clinical_words(patient, request_code, sms_outbox):
    response = request_code("+16025550134")

    assert response.status_code == 202
    assert len(sms_outbox) == 1
    message = sms_outbox[0]
    assert message["to"] == "+16025550134"
    assert CODE_PATTERN.sub("123456", message["body"]) == (
        "Your Clearday Clinic sign-in code is 123456. It expires in 10 minutes.")
    # The clinic's brand is its own choice (checked when set); the rest has no clinical word.
    assert not any(word in message["body"].replace("Clearday Clinic", "").lower() for word in CLINICAL_WORDS)


def test_the_phone_number_is_matched_however_it_is_typed(patient, request_code, sms_outbox):
    request_code("(602) 555-0134")

    assert [m["to"] for m in sms_outbox] == ["+16025550134"]


def test_a_patient_gets_a_code_by_email_matched_in_any_case(patient, request_code, mailoutbox, sms_outbox):
    response = request_code("  ANN.LEE@example.COM ")

    assert response.status_code == 202
    assert sms_outbox == []
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["ann.lee@example.com"]
    assert mailoutbox[0].subject == "Your Clearday Clinic sign-in code"
    assert CODE_PATTERN.search(mailoutbox[0].body)
    assert not any(word in mailoutbox[0].body.replace("Clearday Clinic", "").lower() for word in CLINICAL_WORDS)


def test_a_spanish_speaking_patient_gets_the_code_in_spanish(request_code, sms_outbox):
    PatientFactory(phone="+16025550188", language="es")

    request_code("+16025550188")

    # "usted", as on the pages; sent in GSM-7 (one segment), so without the accent.
    assert sms_outbox[0]["body"].startswith("Su codigo de acceso de Clearday Clinic es ")
    assert sms_outbox[0]["body"].endswith("Vence en 10 minutos.")


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_code_names_the_clinics_own_brand_in_one_gsm7_segment(request_code, sms_outbox, language):
    MessagingPolicy.objects.update_or_create(pk=1, defaults={"brand_name": "Valle del Sol Bienestar Integral"[:30]})
    PatientFactory(phone="+16025550177", language=language)

    request_code("+16025550177")

    body = sms_outbox[0]["body"]
    assert "Valle del Sol Bienestar Integr" in body and "Clearday" not in body
    assert count_segments(body) == SegmentCount(encoding="GSM-7", units=len(body), segments=1)


def test_the_answer_for_an_unknown_destination_is_identical_and_nothing_is_sent(
        patient, request_code, sms_outbox, mailoutbox):
    known = request_code("+16025550134")
    unknown = request_code("+16025550999")
    unknown_email = request_code("nobody@example.com")

    assert known.status_code == unknown.status_code == unknown_email.status_code == 202
    assert known.content == unknown.content == unknown_email.content
    assert known["Content-Type"] == unknown["Content-Type"]
    assert [m["to"] for m in sms_outbox] == ["+16025550134"]
    assert mailoutbox == []


def test_only_a_keyed_hash_of_the_code_is_stored(patient, request_code, sms_outbox):
    request_code("+16025550134")
    code = CODE_PATTERN.search(sms_outbox[0]["body"]).group(1)

    row = OneTimeCode.objects.get()
    assert code not in {str(value) for value in row.__dict__.values()}
    assert row.code_hash == code_hash(destination="+16025550134", code=code)
    assert row.expires_at - row.created_at == timedelta(minutes=10)


def test_a_phone_shared_by_two_patients_signs_in_neither(request_code, sms_outbox):
    PatientFactory(phone="+16025550177")
    PatientFactory(phone="+16025550177")

    assert request_code("+16025550177").status_code == 202
    assert sms_outbox == []


def test_a_patient_who_replied_stop_gets_no_sms(request_code, sms_outbox):
    PatientFactory(phone="+16025550166", sms_opted_out=True)

    assert request_code("+16025550166").status_code == 202
    assert sms_outbox == []


def test_a_destination_gets_at_most_the_hourly_limit_of_codes_known_or_not(patient, request_code, settings,
                                                                             sms_outbox):
    settings.OTP_MAX_PER_DESTINATION_PER_HOUR = 3
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        for destination in ("+16025550134", "+16025550999"):
            assert [request_code(destination).status_code for _ in range(3)] == [202, 202, 202]
        refused_known = request_code("+16025550134")
        refused_unknown = request_code("+16025550999")

    assert refused_known.status_code == refused_unknown.status_code == 429
    assert refused_known.content == refused_unknown.content
    body = refused_known.json()
    assert body["code"] == "too_many_codes"
    assert body["retry_after"] == 3600
    assert refused_known["Retry-After"] == "3600"
    assert len(sms_outbox) == 3

    with time_machine.travel(start + timedelta(hours=1, seconds=1), tick=False):
        assert request_code("+16025550134").status_code == 202
    assert len(sms_outbox) == 4


def test_one_address_may_request_only_so_many_codes_an_hour(request_code):
    limit = int(api_settings.DEFAULT_THROTTLE_RATES["otp_request_ip"].split("/")[0])
    statuses = [request_code(f"+1602555{1000 + n}").status_code for n in range(limit)]
    # A client cannot reset its count by claiming another address in X-Forwarded-For.
    refused = request_code("+16025552000", HTTP_X_FORWARDED_FOR="203.0.113.9")

    assert statuses == [202] * limit
    assert refused.status_code == 429
    assert refused.json()["code"] == "throttled"
    assert refused.json()["retry_after"] > 0


def test_a_destination_that_is_neither_phone_nor_email_is_a_validation_problem(request_code):
    response = request_code("not a phone")

    assert response.status_code == 400
    assert response.json()["errors"] == [{"field": "destination", "code": "invalid_destination",
                                          "message": "Enter a mobile number (like 602-555-0134) or an email address."}]


def test_codes_older_than_a_day_are_deleted_by_the_next_request(patient, request_code):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        request_code("+16025550134")
    with time_machine.travel(start + timedelta(days=1, minutes=1), tick=False):
        request_code("+16025550999")

    assert list(OneTimeCode.objects.values_list("destination", flat=True)) == ["+16025550999"]


@pytest.mark.redis
def test_the_code_never_rests_in_redis_in_clear_and_a_sealed_code_opens_only_once_fresh(
        patient, client, sms_outbox, settings, django_capture_on_commit_callbacks):
    """The queued task (a message in the Redis broker) carries the code sealed; the worker opens
    it, checks it against the stored hash and sends it."""
    import base64
    import json

    import redis

    from accounts.services import seal_code, sign_in_code_deliver
    from accounts.tasks import send_sign_in_code
    from config.celery import app as celery_app

    settings.CELERY_TASK_ALWAYS_EAGER = False
    celery_app.control.purge()
    with django_capture_on_commit_callbacks(execute=True):
        client.post("/api/v1/auth/code", {"destination": "+16025550134"}, content_type="application/json")
    broker = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    [raw] = broker.lrange("celery", 0, -1)
    celery_app.control.purge()
    message = json.loads(raw)
    assert message["headers"]["task"] == "accounts.send_sign_in_code"
    code_id, sealed = json.loads(base64.b64decode(message["body"]))[0]

    send_sign_in_code.apply(args=(code_id, sealed))  # what the worker does with it
    code = CODE_PATTERN.search(sms_outbox[-1]["body"]).group(1)
    assert code.encode() not in raw and sealed != code
    row = OneTimeCode.objects.get(pk=code_id)
    assert code not in {str(value) for value in row.__dict__.values()}
    # A token that is not ours, or older than a code lives, sends nothing.
    assert sign_in_code_deliver(code_id=code_id, sealed_code=code) is False
    with time_machine.travel(timezone.now() + timedelta(minutes=11)):
        assert sign_in_code_deliver(code_id=code_id, sealed_code=seal_code(code)) is False
    assert len(sms_outbox) == 1
