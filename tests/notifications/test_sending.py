"""The dispatcher sends what is due, once, after checking everything again at send time."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from notifications import dispatch, sending
from notifications.channels.sms import LocmemSmsBackend, SmsError, SmsResult
from notifications.consent import revoke_sms
from notifications.models import ConsentEvent, MessageStatus as M, MessagingPolicy
from scheduling.models import Appointment, AppointmentStatus as S
from tests.notifications.conftest import book, NOW, rows, run_dispatcher, texts_to, VISIT

pytestmark = pytest.mark.django_db
MIN = dt.timedelta(minutes=1)


class FlakySmsBackend(LocmemSmsBackend):
    """Fails the way it is told to, then behaves like locmem."""

    failures: list[SmsError] = []

    def send(self, *, to, body, status_callback=None) -> SmsResult:
        if FlakySmsBackend.failures:
            raise FlakySmsBackend.failures.pop(0)
        return super().send(to=to, body=body, status_callback=status_callback)


@pytest.fixture
def flaky(settings):
    settings.SMS_BACKEND = "tests.notifications.test_sending.FlakySmsBackend"
    FlakySmsBackend.failures = []
    return FlakySmsBackend


def test_nothing_is_sent_before_it_is_due_and_the_confirmation_goes_after_the_grace_period(clock, patient):
    appointment = book(patient=patient)
    run_dispatcher()
    assert texts_to(str(patient.phone)) == []
    clock.move_to(NOW + 3 * MIN)
    report = run_dispatcher()
    assert report.claimed == 1
    confirmation = rows(appointment, kind="confirmation").get()
    assert confirmation.status == M.SENT
    assert confirmation.provider_id.startswith("locmem-")
    assert confirmation.sent_at == NOW + 3 * MIN
    assert texts_to(str(patient.phone)) == [confirmation.body]
    assert confirmation.body.startswith("Clearday Clinic: your visit is booked for Fri Mar 7, 10:00 AM.")


def test_a_due_message_is_sent_once_however_often_the_dispatcher_runs(clock, patient):
    book(patient=patient)
    clock.move_to(NOW + 10 * MIN)
    for _ in range(3):
        run_dispatcher()
    assert len(texts_to(str(patient.phone))) == 1


def test_each_reminder_goes_out_at_its_time(clock, patient):
    appointment = book(patient=patient)
    for moment in (NOW + 3 * MIN, VISIT - dt.timedelta(hours=72), VISIT - dt.timedelta(hours=24),
                   VISIT - dt.timedelta(hours=2)):
        clock.move_to(moment)
        run_dispatcher()
    assert [r.kind for r in rows(appointment, status=M.SENT)] == ["confirmation", "reminder_72h", "reminder_24h",
                                                                    "reminder_2h"]
    assert len(texts_to(str(patient.phone))) == 4


def test_stop_then_a_due_reminder_is_not_texted(clock, patient):
    appointment = book(patient=patient)
    revoke_sms(patients=[patient], source="sms_keyword", detail="STOP")
    clock.move_to(VISIT - dt.timedelta(hours=24))
    run_dispatcher()
    assert texts_to(str(patient.phone)) == []
    reminder = rows(appointment, kind="reminder_24h").get()
    assert (reminder.status, reminder.status_reason) == (M.DROPPED, "The patient opted out of texts (STOP).")


def test_after_stop_a_patient_with_an_email_gets_the_reminder_by_email(clock, patient):
    patient.email = "ana@example.com"
    patient.save()
    appointment = book(patient=patient)
    revoke_sms(patients=[patient], source="sms_keyword", detail="STOP")
    clock.move_to(VISIT - dt.timedelta(hours=24))
    run_dispatcher()
    assert texts_to(str(patient.phone)) == []
    reminder = rows(appointment, kind="reminder_24h").get()
    assert (reminder.status, reminder.channel) == (M.SENT, "email")
    assert mail.outbox[-1].to == ["ana@example.com"]
    assert mail.outbox[-1].subject == "Clearday Clinic: reminder of your visit on Fri Mar 7, 10:00 AM"
    assert reminder.provider_id == mail.outbox[-1].extra_headers["Message-ID"]


def test_a_message_for_a_visit_that_moved_without_a_replan_is_superseded_not_sent(clock, patient):
    appointment = book(patient=patient)
    Appointment.objects.filter(pk=appointment.pk).update(start=VISIT + dt.timedelta(days=1),
                                                          end=VISIT + dt.timedelta(days=1, hours=1))
    clock.move_to(NOW + 5 * MIN)
    run_dispatcher()
    confirmation = rows(appointment, kind="confirmation").get()
    assert confirmation.status == M.SUPERSEDED
    assert confirmation.status_reason == "The visit moved to Sat Mar 8, 10:00 AM."
    assert texts_to(str(patient.phone)) == []


def test_a_message_for_a_cancelled_visit_is_superseded_not_sent_even_without_a_replan(clock, patient):
    appointment = book(patient=patient)
    Appointment.objects.filter(pk=appointment.pk).update(status=S.CANCELLED)
    clock.move_to(NOW + 5 * MIN)
    run_dispatcher()
    assert rows(appointment, kind="confirmation").get().status == M.SUPERSEDED
    assert texts_to(str(patient.phone)) == []


def test_a_temporary_provider_error_is_retried_with_growing_waits(clock, patient, flaky):
    appointment = book(patient=patient)
    flaky.failures = [SmsError("Twilio answered 500", temporary=True) for _ in range(2)]
    clock.move_to(NOW + 3 * MIN)
    run_dispatcher()
    confirmation = rows(appointment, kind="confirmation").get()
    assert (confirmation.status, confirmation.attempts) == (M.PLANNED, 1)
    assert confirmation.next_attempt_at == NOW + 3 * MIN + dt.timedelta(seconds=30)
    assert confirmation.last_error == "Twilio answered 500"
    clock.move_to(confirmation.next_attempt_at)
    run_dispatcher()
    confirmation.refresh_from_db()
    assert confirmation.next_attempt_at == NOW + 3 * MIN + dt.timedelta(seconds=90)
    clock.move_to(confirmation.next_attempt_at)
    run_dispatcher()
    confirmation.refresh_from_db()
    assert (confirmation.status, confirmation.attempts) == (M.SENT, 3)
    assert len(texts_to(str(patient.phone))) == 1


def test_backoff_doubles_up_to_half_an_hour():
    assert [sending.backoff(n).total_seconds() for n in (1, 2, 3, 4, 7, 20)] == [30, 60, 120, 240, 1800, 1800]


def test_a_permanent_provider_error_fails_the_message_for_the_front_desk(clock, patient, flaky):
    appointment = book(patient=patient)
    flaky.failures = [SmsError("Twilio answered 400: The 'To' number is not valid", temporary=False,
                               provider_code="21211")]
    clock.move_to(NOW + 3 * MIN)
    run_dispatcher()
    confirmation = rows(appointment, kind="confirmation").get()
    assert (confirmation.status, confirmation.provider_error_code) == (M.FAILED, "21211")
    assert confirmation.status_reason == "The provider refused the message."


def test_the_provider_reporting_the_number_unsubscribed_records_the_opt_out(clock, patient, flaky):
    book(patient=patient)
    flaky.failures = [SmsError("Twilio answered 400", temporary=False, provider_code="21610")]
    clock.move_to(NOW + 3 * MIN)
    run_dispatcher()
    patient.refresh_from_db()
    assert patient.sms_opted_out
    assert ConsentEvent.objects.get(patient=patient).source == "provider"


def test_retries_stop_when_the_next_try_would_be_after_the_visit_starts(clock, patient, flaky):
    start = NOW + dt.timedelta(hours=4)
    appointment = book(patient=patient, start=start)
    flaky.failures = [SmsError("Twilio answered 503", temporary=True)]
    clock.move_to(start - dt.timedelta(seconds=20))
    rows(appointment, kind="reminder_2h").update(next_attempt_at=start - dt.timedelta(seconds=20))
    rows(appointment, kind="confirmation").update(status=M.SUPERSEDED)
    run_dispatcher()
    reminder = rows(appointment, kind="reminder_2h").get()
    assert (reminder.status, reminder.status_reason) == (M.FAILED, "The provider was unavailable until the visit started.")


def test_a_provider_in_trouble_stops_the_batch_and_the_rest_wait_for_a_later_claim(clock, patient, flaky):
    from tests.factories import PatientFactory

    others = [PatientFactory(phone=f"+1602555100{n}", sms_consent=True) for n in range(3)]
    for person in (patient, *others):
        book(patient=person)
    flaky.failures = [SmsError("Twilio answered 500", temporary=True)]
    clock.move_to(NOW + 3 * MIN)
    report = run_dispatcher()
    assert report.claimed == 4
    assert LocmemSmsBackend.outbox == []
    assert rows(kind="confirmation", status=M.PLANNED).count() == 4
    clock.move_to(NOW + 4 * MIN)
    run_dispatcher()
    assert len(LocmemSmsBackend.outbox) == 4


def test_an_answer_that_never_came_is_looked_up_at_the_provider_before_any_resend(clock, patient, flaky, settings):
    appointment = book(patient=patient)
    clock.move_to(NOW + 3 * MIN)
    original_send = LocmemSmsBackend.send

    def accepted_but_timed_out(self, *, to, body, status_callback=None):
        original_send(self, to=to, body=body, status_callback=status_callback)
        raise SmsError("No answer from Twilio", temporary=True, uncertain=True)

    flaky.send = accepted_but_timed_out
    try:
        run_dispatcher()
    finally:
        del flaky.send
    confirmation = rows(appointment, kind="confirmation").get()
    assert confirmation.status == M.SENDING and confirmation.handed_off_at is not None
    clock.move_to(NOW + 3 * MIN + dt.timedelta(seconds=settings.NOTIFY_HANDOFF_TIMEOUT_SECONDS + 1))
    report = run_dispatcher()
    confirmation.refresh_from_db()
    assert (report.settled, confirmation.status) == (1, M.SENT)
    assert confirmation.provider_id == LocmemSmsBackend.outbox[0]["provider_id"]
    assert len(texts_to(str(patient.phone))) == 1


def test_an_interrupted_send_the_provider_never_got_is_sent_again(clock, patient, settings):
    appointment = book(patient=patient)
    clock.move_to(NOW + 3 * MIN)
    attempt_id, claimed = dispatch.claim_due(now=NOW + 3 * MIN, limit=10)
    ready, _ = sending.decide(message_ids=claimed, attempt_id=attempt_id, policy=MessagingPolicy.current())
    assert len(ready) == 1
    # The worker died here: decided and handed off, but the provider was never called. Celery
    # redelivers the task; it must leave the row to reconciliation.
    assert sending.deliver_batch(message_ids=claimed, attempt_id=attempt_id) == {"awaiting_reconciliation": 1}
    clock.move_to(NOW + 3 * MIN + dt.timedelta(seconds=settings.NOTIFY_HANDOFF_TIMEOUT_SECONDS + 1))
    report = run_dispatcher()
    assert report.resent == 1
    assert len(texts_to(str(patient.phone))) == 1
    assert rows(appointment, kind="confirmation").get().status == M.SENT


def test_an_interrupted_email_is_failed_for_a_person_never_resent(clock, patient, settings):
    patient.phone, patient.email = "", "ana@example.com"
    patient.save()
    appointment = book(patient=patient)
    clock.move_to(NOW + 3 * MIN)
    attempt_id, claimed = dispatch.claim_due(now=NOW + 3 * MIN, limit=10)
    sending.decide(message_ids=claimed, attempt_id=attempt_id, policy=MessagingPolicy.current())
    clock.move_to(NOW + 3 * MIN + dt.timedelta(seconds=settings.NOTIFY_HANDOFF_TIMEOUT_SECONDS + 1))
    assert run_dispatcher().unknown == 1
    confirmation = rows(appointment, kind="confirmation").get()
    assert confirmation.status == M.FAILED
    assert "never sent twice" in confirmation.status_reason
    assert mail.outbox == []


def test_a_claim_whose_task_was_lost_is_planned_again_and_a_late_copy_of_the_task_does_nothing(clock, patient,
                                                                                               settings):
    appointment = book(patient=patient)
    clock.move_to(NOW + 3 * MIN)
    lost_attempt, claimed = dispatch.claim_due(now=NOW + 3 * MIN, limit=10)
    clock.move_to(NOW + 3 * MIN + dt.timedelta(seconds=settings.NOTIFY_CLAIM_TIMEOUT_SECONDS + 1))
    report = run_dispatcher()
    assert (report.reclaimed, report.claimed) == (1, 1)
    assert sending.deliver_batch(message_ids=claimed, attempt_id=lost_attempt) == {"not_claimed": 1}
    assert len(texts_to(str(patient.phone))) == 1
    assert rows(appointment, kind="confirmation").get().status == M.SENT


def test_the_dispatcher_keeps_claimed_but_unfinished_messages_under_its_limit(clock, patient):
    from tests.factories import PatientFactory

    for n in range(5):
        book(patient=PatientFactory(phone=f"+1602555200{n}", sms_consent=True))
    clock.move_to(NOW + 3 * MIN)
    queued = []
    report = dispatch.dispatch_due(enqueue=lambda ids, attempt: queued.append(ids), batch_size=2, max_in_flight=3)
    assert (report.claimed, [len(ids) for ids in queued]) == (3, [2, 1])


def test_a_join_link_still_goes_once_the_video_visit_has_started_but_a_reminder_does_not(clock, patient):
    appointment = book(patient=patient, video=True, start=NOW + dt.timedelta(hours=1))
    clock.move_to(NOW + dt.timedelta(hours=1, minutes=5))
    run_dispatcher()
    statuses = dict(rows(appointment).values_list("kind", "status"))
    assert statuses == {"confirmation": M.DROPPED, "join_link": M.SENT}
    assert "/j/" in texts_to(str(patient.phone))[0]


def test_a_message_that_cannot_be_prepared_fails_alone_and_the_rest_of_the_batch_goes(clock, patient, monkeypatch):
    from tests.factories import PatientFactory

    other = PatientFactory(legal_first_name="Ben", phone="+16025552999", sms_consent=True)
    book(patient=patient)
    book(patient=other)
    real_render = sending.render_sms

    def broken_for_ana(*, template, language, context):
        if context["first_name"] == "Ana":
            raise ValueError("a broken template")
        return real_render(template=template, language=language, context=context)

    monkeypatch.setattr(sending, "render_sms", broken_for_ana)
    clock.move_to(NOW + 3 * MIN)
    run_dispatcher()
    failed = rows(kind="confirmation", patient=patient).get()
    assert (failed.status, failed.last_error) == (M.FAILED, "Could not prepare the message (ValueError: a broken template)")
    assert len(texts_to("+16025552999")) == 1
