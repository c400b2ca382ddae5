"""End to end with real processes: a Celery worker (subprocess) consuming from Redis sends a due
reminder through the Twilio SDK to the fake Twilio server, whose signed status callbacks reach
the Django app (pytest-django's live server) and mark the message delivered.

The worker runs in real time (time_machine cannot reach another process), so the test makes
its reminder due by moving the row's due time rather than the clock.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from notifications.models import MessageStatus as M
from notifications.tasks import dispatch_due_messages
from tests.celery_worker import fake_twilio, twilio_worker, wait_for  # noqa: F401  (fixtures)
from tests.factories import LocationFactory, PatientFactory
from tests.notifications.conftest import book, rows


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_a_due_reminder_reaches_the_fake_twilio_server_through_a_real_worker_and_its_receipts_come_back(
        twilio_worker, fake_twilio):
    patient = PatientFactory(phone="+16025550123", sms_consent=True, time_zone="UTC", state="")
    now = timezone.now()
    # Inside the texting window wherever the test runs: the patient's zone is UTC and the
    # window is widened to the whole day for this one test.
    from notifications.models import MessagingPolicy

    policy = MessagingPolicy.current()
    policy.quiet_start, policy.quiet_end = dt.time(0), dt.time(23, 59, 59)
    policy.save()
    appointment = book(patient=patient, location=LocationFactory(time_zone="UTC"), start=now + dt.timedelta(hours=26))
    rows(appointment).exclude(kind="reminder_24h").update(next_attempt_at=now + dt.timedelta(days=30))
    rows(appointment, kind="reminder_24h").update(next_attempt_at=now, due_at=now)

    dispatch_due_messages.delay()  # what beat does every 30 s

    [received] = wait_for(lambda: fake_twilio.sent_to("+16025550123"), what="the text to reach fake Twilio",
                          timeout=60)
    reminder = wait_for(lambda: rows(appointment, kind="reminder_24h", status=M.DELIVERED).first(),
                        what="the delivered receipt to reach the app", timeout=60)
    assert received["body"] == reminder.body
    assert received["body"].startswith("Clearday Clinic: reminder of your visit")
    assert reminder.provider_id == received["sid"]
    assert reminder.provider_status == "delivered"
    assert fake_twilio.stats()["callbacks"] == {"http_204": 2}
    assert fake_twilio.stats()["received"] == 1
