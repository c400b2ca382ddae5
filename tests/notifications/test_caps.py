"""Frequency limits: the TCPA healthcare exemption without consent, the clinic's caps with it."""

from __future__ import annotations

import datetime as dt

import pytest

from notifications.models import MessageStatus as M, MessagingPolicy, ServiceMessagePlan
from notifications.planning import plan_reply
from scheduling.models import AppointmentStatus as S
from tests.factories import LocationFactory, ServiceFactory
from tests.notifications.conftest import book, change, NOW, phx, rows, run_dispatcher, texts_to

pytestmark = pytest.mark.django_db


@pytest.fixture
def exempt_patient(patient):
    """Gave the number for care only: no explicit SMS consent."""
    patient.sms_consent = False
    patient.save()
    return patient


def statuses(appointment) -> dict[str, str]:
    return dict(rows(appointment).exclude(status=M.SUPERSEDED).values_list("kind", "status"))


def test_without_consent_four_texts_in_a_week_become_three_keeping_the_most_useful(clock, exempt_patient):
    appointment = book(patient=exempt_patient)
    assert statuses(appointment) == {"confirmation": M.PLANNED, "reminder_72h": M.CAPPED,
                                     "reminder_24h": M.PLANNED, "reminder_2h": M.PLANNED}
    assert rows(appointment, kind="reminder_72h").get().status_reason == (
        "Held back: a more important text uses the limit of 1 a day and 3 in 7 days "
        "(TCPA healthcare exemption, no SMS consent).")


def test_without_consent_two_visits_on_one_day_share_one_text_a_day(clock, exempt_patient):
    service, location = ServiceFactory(), LocationFactory()
    morning = book(patient=exempt_patient, service=service, location=location)
    afternoon = book(patient=exempt_patient, service=service, location=location, start=phx(7, 15))
    assert statuses(morning) == {"confirmation": M.PLANNED, "reminder_72h": M.CAPPED,
                                 "reminder_24h": M.PLANNED, "reminder_2h": M.PLANNED}
    assert set(statuses(afternoon).values()) == {M.CAPPED}


def test_a_cancellation_gives_the_freed_day_back_to_a_held_text(clock, exempt_patient):
    service, location = ServiceFactory(), LocationFactory()
    morning = book(patient=exempt_patient, service=service, location=location)
    afternoon = book(patient=exempt_patient, service=service, location=location, start=phx(7, 15))
    change(morning, status=S.CANCELLED)
    assert statuses(afternoon) == {"confirmation": M.PLANNED, "reminder_72h": M.CAPPED,
                                   "reminder_24h": M.PLANNED, "reminder_2h": M.PLANNED}


def test_the_exemption_limits_hold_at_send_time_whatever_was_planned(clock, exempt_patient):
    appointment = book(patient=exempt_patient)
    rows(appointment).update(status=M.PLANNED, next_attempt_at=NOW + dt.timedelta(minutes=3))
    clock.move_to(NOW + dt.timedelta(minutes=5))
    run_dispatcher()
    assert len(texts_to(str(exempt_patient.phone))) == 1
    dropped = rows(appointment, status=M.DROPPED)
    assert dropped.count() == 3
    assert set(dropped.values_list("status_reason", flat=True)) == {
        "Limit reached: 1 a day and 3 in 7 days (TCPA healthcare exemption, no SMS consent)."}


def test_without_consent_the_weekly_limit_counts_the_last_seven_local_days(clock, exempt_patient):
    service = ServiceFactory(name="Check-in call")
    ServiceMessagePlan.objects.create(service=service, steps=[
        {"key": "confirmation", "template": "confirmation", "priority": 30}])
    sent = []
    for day in (0, 1, 2, 6, 7):
        clock.move_to(NOW + dt.timedelta(days=day))
        visit = book(patient=exempt_patient, service=service, start=NOW + dt.timedelta(days=day, hours=6))
        clock.move_to(NOW + dt.timedelta(days=day, minutes=5))
        run_dispatcher()
        sent.append(rows(visit, kind="confirmation").get().status)
    assert sent == [M.SENT, M.SENT, M.SENT, M.CAPPED, M.SENT]
    assert len(texts_to(str(exempt_patient.phone))) == 4


def test_with_consent_the_clinic_cap_of_two_a_day_applies(clock, patient):
    service, location = ServiceFactory(), LocationFactory()
    visits = [book(patient=patient, service=service, location=location, start=phx(7, hour)) for hour in (9, 12, 15)]
    confirmations = [rows(v, kind="confirmation").get().status for v in visits]
    assert confirmations == [M.PLANNED, M.PLANNED, M.CAPPED]


def test_the_clinic_can_change_its_caps_and_the_send_time_check_uses_the_new_ones(clock, patient):
    appointment = book(patient=patient)
    policy = MessagingPolicy.current()
    policy.consented_daily_cap, policy.consented_weekly_cap = 1, 2
    policy.save()
    rows(appointment).update(status=M.PLANNED, next_attempt_at=NOW + dt.timedelta(minutes=3))
    clock.move_to(NOW + dt.timedelta(minutes=5))
    run_dispatcher()
    assert len(texts_to(str(patient.phone))) == 1
    assert set(rows(appointment, status=M.DROPPED).values_list("status_reason", flat=True)) == {
        "Limit reached: 1 a day and 2 in 7 days (clinic limit with SMS consent)."}


def test_replies_to_the_patients_own_texts_are_not_counted_or_held(clock, exempt_patient):
    appointment = book(patient=exempt_patient)
    clock.move_to(NOW + dt.timedelta(minutes=5))
    run_dispatcher()
    plan_reply(patient=exempt_patient, phone=str(exempt_patient.phone), template="help")
    plan_reply(patient=exempt_patient, phone=str(exempt_patient.phone), template="confirmed", appointment=appointment)
    run_dispatcher()
    assert len(texts_to(str(exempt_patient.phone))) == 3
