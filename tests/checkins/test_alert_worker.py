"""End to end with real processes: a risk answer's page to the on-call clinician is handed to a
Celery worker (subprocess, through Redis) when the answer commits, and reaches the fake Twilio
server without any dispatcher run; its delivery receipt comes back onto the alert.

Real clock (the worker's), so the visit is placed relative to now.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from checkins.models import RiskAlert
from notifications.models import Channel, MessageStatus as M
from tests.celery_worker import fake_twilio, twilio_worker, wait_for  # noqa: F401  (fixtures)
from tests.checkins.conftest import checkin, completed_visit, first_page, ON_CALL_NUMBER, url


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
