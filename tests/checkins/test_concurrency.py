"""Two submissions of the same check-in at the same moment (a double tap, two devices) answer it
once and raise one alert; two clinicians acknowledging at once record one acknowledgement."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from checkins import alerts, services
from checkins.models import CheckInAnswers, RiskAlert
from core.errors import Conflict
from tests.checkins.conftest import checkin, completed_visit


def in_parallel(*calls):
    """Run the calls at once in threads with their own connections; return results or errors."""
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except Exception as exc:  # noqa: BLE001 - the caller asserts on it
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_simultaneous_risk_answers_answer_once_and_raise_one_alert(clinic):
    end = timezone.now() - dt.timedelta(hours=169)
    item = checkin(completed_visit(clinic, start=end - dt.timedelta(minutes=85), end=end), "7d")
    answers = services.PageAnswers(mood=2, sleep=3, phq_items=[1] * 9, gad7_items=[0] * 7)
    outcomes = in_parallel(*[lambda: services.submit(checkin_id=item.pk, page="first", answers=answers)] * 4)
    assert sorted(o.state for o in outcomes) == ["already_answered"] * 3 + ["crisis"]
    assert CheckInAnswers.objects.count() == 1
    assert RiskAlert.objects.count() == 1
    assert RiskAlert.objects.get().messages.count() == 2


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_clinicians_acknowledging_at_once_record_one_acknowledgement(clinic):
    end = timezone.now() - dt.timedelta(hours=169)
    item = checkin(completed_visit(clinic, start=end - dt.timedelta(minutes=85), end=end), "7d")
    services.submit(checkin_id=item.pk, page="first",
                    answers=services.PageAnswers(mood=2, sleep=3, phq_items=[0] * 8 + [2], gad7_items=[0] * 7))
    alert = RiskAlert.objects.get()
    users = [clinic.doctor.user, clinic.nurse.user]
    results = in_parallel(*[lambda u=u: alerts.acknowledge(alert_id=alert.pk, user=u, note=f"Called, {u.username}")
                            for u in users])
    assert sum(isinstance(r, Conflict) for r in results) == 1
    alert.refresh_from_db()
    assert alert.note == f"Called, {alert.acknowledged_by.username}"
