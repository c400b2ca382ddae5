"""Booking, moving and cancelling a visit plans its messages in the same transaction."""

from __future__ import annotations

import datetime as dt

import pytest

from notifications.models import MessageStatus as M, OutboundMessage, ServiceMessagePlan
from notifications.planning import replan_for_appointment
from scheduling.models import AppointmentStatus as S
from tests.factories import ServiceFactory
from tests.notifications.conftest import book, change, NOW, phx, plan, rows, run_dispatcher, texts_to, VISIT

pytestmark = pytest.mark.django_db
HOUR = dt.timedelta(hours=1)


def test_a_booking_gets_a_confirmation_after_the_grace_period_and_reminders_72h_24h_and_2h_before(clock, patient):
    appointment = book(patient=patient)
    assert plan(appointment) == [
        ("confirmation", "sms", NOW + dt.timedelta(minutes=3), M.PLANNED),
        ("reminder_72h", "sms", VISIT - 72 * HOUR, M.PLANNED),
        ("reminder_24h", "sms", VISIT - 24 * HOUR, M.PLANNED),
        ("reminder_2h", "sms", VISIT - 2 * HOUR, M.PLANNED),
    ]
    assert {r.planned_for_start for r in rows(appointment)} == {VISIT}


def test_the_patient_who_chose_email_gets_the_same_plan_by_email_too(clock, patient):
    patient.email, patient.prefers_email = "ana@example.com", True
    patient.save()
    appointment = book(patient=patient)
    kinds = [(kind, channel) for kind, channel, _, _ in plan(appointment)]
    assert sorted(kinds) == sorted([(k, c) for k in ("confirmation", "reminder_72h", "reminder_24h", "reminder_2h")
                                    for c in ("sms", "email")])


def test_a_patient_without_a_mobile_is_planned_by_email(clock, patient):
    patient.phone, patient.email = "", "ana@example.com"
    patient.save()
    assert {channel for _, channel, _, _ in plan(book(patient=patient))} == {"email"}


def test_a_video_visit_gets_its_join_link_15_minutes_before(clock, patient):
    appointment = book(patient=patient, video=True)
    assert ("join_link", "sms", VISIT - dt.timedelta(minutes=15), M.PLANNED) in plan(appointment)


def test_reminders_already_past_or_right_after_the_confirmation_are_not_planned(clock, patient):
    appointment = book(patient=patient, start=NOW + 30 * HOUR)
    assert [kind for kind, *_ in plan(appointment)] == ["confirmation", "reminder_24h", "reminder_2h"]
    soon = book(patient=patient, start=NOW + 90 * dt.timedelta(minutes=1))
    assert [kind for kind, *_ in plan(soon)] == ["confirmation"]


def test_replanning_an_unchanged_appointment_adds_nothing(clock, patient):
    appointment = book(patient=patient)
    before = list(rows(appointment).values_list("pk", flat=True))
    replan_for_appointment(appointment)
    replan_for_appointment(appointment)
    assert list(rows(appointment).values_list("pk", flat=True)) == before


def test_a_reschedule_supersedes_the_old_plan_and_plans_the_new_time(clock, patient):
    appointment = book(patient=patient)
    new_start = VISIT + 48 * HOUR
    change(appointment, start=new_start, end=new_start + HOUR)
    old = rows(appointment, planned_for_start=VISIT)
    assert set(old.values_list("status", flat=True)) == {M.SUPERSEDED}
    assert old.first().status_reason == "The visit moved to another time."
    assert [(kind, due) for kind, _, due, _ in plan(appointment)] == [
        ("confirmation", NOW + dt.timedelta(minutes=3)),
        ("reminder_72h", new_start - 72 * HOUR),
        ("reminder_24h", new_start - 24 * HOUR),
        ("reminder_2h", new_start - 2 * HOUR),
    ]


def test_a_moved_visit_confirmation_says_it_moved(clock, patient):
    appointment = book(patient=patient)
    clock.move_to(NOW + dt.timedelta(minutes=5))
    run_dispatcher()
    new_start = VISIT + 48 * HOUR
    change(appointment, start=new_start, end=new_start + HOUR)
    clock.move_to(NOW + dt.timedelta(minutes=10))
    run_dispatcher()
    first, second = texts_to(str(patient.phone))
    assert "booked for Fri Mar 7, 10:00 AM" in first
    assert "now on Sun Mar 9, 10:00 AM" in second


def test_cancelling_supersedes_everything_pending_and_notifies_a_patient_who_had_heard_of_the_visit(clock, patient):
    appointment = book(patient=patient)
    clock.move_to(NOW + dt.timedelta(minutes=5))
    run_dispatcher()
    assert rows(appointment, kind="confirmation").get().status == M.SENT
    change(appointment, status=S.CANCELLED)
    pending = rows(appointment).filter(kind__startswith="reminder")
    assert set(pending.values_list("status", flat=True)) == {M.SUPERSEDED}
    notice = rows(appointment, kind="cancellation").get()
    assert notice.status == M.PLANNED
    run_dispatcher()
    assert "is cancelled" in texts_to(str(patient.phone))[-1]
    clock.move_to(VISIT - dt.timedelta(hours=2))
    run_dispatcher()
    assert len(texts_to(str(patient.phone))) == 2


def test_a_quick_undo_inside_the_grace_period_sends_nothing(clock, patient):
    appointment = book(patient=patient)
    clock.move_to(NOW + dt.timedelta(minutes=2))
    change(appointment, status=S.CANCELLED)
    clock.move_to(NOW + dt.timedelta(minutes=10))
    run_dispatcher()
    assert texts_to(str(patient.phone)) == []
    assert not rows(appointment, kind="cancellation").exists()


def test_a_reschedule_to_a_new_appointment_row_moves_the_plan_to_it(clock, patient):
    old = book(patient=patient)
    new_start = VISIT + 24 * HOUR
    new = book(patient=patient, start=new_start, service=old.service, location=old.location)
    change(old, status=S.RESCHEDULED, rescheduled_to=new)
    assert set(rows(old).values_list("status", flat=True)) == {M.SUPERSEDED}
    assert not rows(old, kind="cancellation").exists()
    assert len(plan(new)) == 4


def test_checked_in_completed_and_no_show_visits_get_nothing_more(clock, patient):
    for status in (S.CHECKED_IN, S.COMPLETED, S.NO_SHOW):
        appointment = book(patient=patient, start=VISIT + 24 * HOUR * (1 + len(S.values)))
        change(appointment, status=status)
        assert not rows(appointment).exclude(status=M.SUPERSEDED).exists(), status


def test_a_held_appointment_gets_no_messages(clock, patient):
    appointment = book(patient=patient, status=S.HELD, hold_expires_at=NOW + dt.timedelta(minutes=5))
    assert not rows(appointment).exists()


def test_a_service_can_have_its_own_plan(clock, patient):
    service = ServiceFactory(name="Check-up")
    ServiceMessagePlan.objects.create(service=service, steps=[
        {"key": "confirmation", "template": "confirmation", "priority": 30},
        {"key": "reminder_48h", "template": "reminder", "minutes_before": 48 * 60, "priority": 40},
    ])
    appointment = book(patient=patient, service=service)
    assert [(kind, due) for kind, _, due, _ in plan(appointment)] == [
        ("confirmation", NOW + dt.timedelta(minutes=3)), ("reminder_48h", VISIT - 48 * HOUR)]


def test_a_plan_with_a_mistake_is_refused_with_the_step_named():
    from django.core.exceptions import ValidationError

    from notifications.plans import parse_steps

    with pytest.raises(ValidationError, match=r"Step 2 \(reminder_x\): a reminder step needs minutes_before"):
        parse_steps([{"key": "confirmation", "template": "confirmation", "priority": 1},
                     {"key": "reminder_x", "template": "reminder", "priority": 2}])


def test_the_outbox_rolls_back_with_the_booking(clock, patient):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        book(patient=patient)
        raise RuntimeError("the booking failed after planning")
    assert OutboundMessage.objects.count() == 0


def test_the_2h_reminder_for_an_early_visit_is_dropped_rather_than_sent_in_quiet_hours(clock, patient):
    appointment = book(patient=patient, start=phx(7, 7, 30))
    reminder = rows(appointment, kind="reminder_2h").get()
    assert reminder.status == M.DROPPED
    assert "outside the texting window (08:00-21:00 America/Phoenix)" in reminder.status_reason


def test_a_checked_in_video_visit_keeps_its_join_link_and_nothing_else(clock, patient):
    appointment = book(patient=patient, video=True)
    change(appointment, status=S.CHECKED_IN)
    live = rows(appointment).exclude(status=M.SUPERSEDED)
    assert set(live.values_list("kind", flat=True)) == {"join_link"}
    gone = rows(appointment, status=M.SUPERSEDED).values_list("status_reason", flat=True)
    assert gone and set(gone) == {"The patient checked in."}


def test_a_change_to_the_visit_leaves_replies_and_check_ins_alone(clock, patient):
    appointment = book(patient=patient)
    others = [OutboundMessage.objects.create(patient=patient, appointment=appointment, kind=kind, template=kind,
                                             channel="sms", status=M.PLANNED, due_at=VISIT, next_attempt_at=VISIT,
                                             planned_for_start=VISIT - 24 * HOUR)
              for kind in ("reply_help", "checkin_1")]
    change(appointment, start=VISIT + 24 * HOUR, end=VISIT + 25 * HOUR)
    assert set(rows(appointment, kind__startswith="reminder", planned_for_start=VISIT)
               .values_list("status", flat=True)) == {M.SUPERSEDED}
    change(appointment, status=S.NO_SHOW)
    assert {row.status for row in OutboundMessage.objects.filter(pk__in=[o.pk for o in others])} == {M.PLANNED}
    assert set(rows(appointment).exclude(pk__in=[o.pk for o in others]).values_list("status", flat=True)) \
        == {M.SUPERSEDED}
