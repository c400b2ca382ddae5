"""End to end with real processes: a risk answer's page to the on-call clinician is handed to a
Celery worker (subprocess, through Redis) when the answer commits, and reaches the fake Twilio
server without any dispatcher run; its delivery receipt comes back onto the alert.

Real clock (the worker's), so the visit is placed relative to now.
"""

from __future__ import annotations

import datetime as dt
import time

import pytest
from django.utils import timezone

from checkins.models import RiskAlert
from notifications.fake_twilio import DEFAULT_ACCOUNT_SID, FakeTwilio
from notifications.models import Channel, MessageStatus as M
from tests.celery_worker import start_celery_worker, stop_celery_worker
from tests.checkins.conftest import ON_CALL_NUMBER, checkin, completed_visit, first_page, url

TOKEN = "checkin-test-auth-token"
FROM = "+16025550199"


def wait_for(condition, *, timeout: float = 60.0, what: str):
    """Poll another process's progress (the worker runs on the real clock)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"Timed out after {timeout:.0f}s waiting for {what}.")


@pytest.fixture
def fake_twilio():
    with FakeTwilio(auth_token=TOKEN, our_number=FROM) as server:
        yield server


@pytest.fixture
def twilio_worker(live_server, fake_twilio, settings, tmp_path):
    env = {"SMS_BACKEND": "notifications.channels.twilio.TwilioSmsBackend", "TWILIO_ACCOUNT_SID": DEFAULT_ACCOUNT_SID,
           "TWILIO_AUTH_TOKEN": TOKEN, "TWILIO_FROM_NUMBER": FROM, "TWILIO_API_BASE_URL": fake_twilio.url,
           "PUBLIC_BASE_URL": live_server.url, "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    settings.TWILIO_AUTH_TOKEN, settings.PUBLIC_BASE_URL = TOKEN, live_server.url
    settings.CELERY_TASK_ALWAYS_EAGER = False  # this test is about the real queue
    worker = start_celery_worker(log_path=tmp_path / "worker.log", extra_env=env)
    yield worker
    stop_celery_worker(worker)


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_the_on_call_page_goes_through_a_real_worker_at_commit_without_waiting_for_beat(
        client, clinic, live_server, twilio_worker, fake_twilio):
    end = timezone.now() - dt.timedelta(hours=169)
    item = checkin(completed_visit(clinic, start=end - dt.timedelta(minutes=85), end=end), "7d")
    response = client.post(url(item), first_page(item, phq_9="3"))
    assert "You are not alone" in response.content.decode()

    [received] = wait_for(lambda: fake_twilio.sent_to(ON_CALL_NUMBER), what="the page to reach fake Twilio")
    alert = RiskAlert.objects.get()
    assert received["body"] == (f"Clearday Clinic: Urgent: a patient check-in needs review. "
                                f"{live_server.url}/clinician/risk-alerts/{alert.pk}/")
    page = wait_for(lambda: alert.messages.filter(channel=Channel.SMS, status=M.DELIVERED).first(),
                    what="the delivery receipt to reach the alert")
    assert page.provider_id == received["sid"]
