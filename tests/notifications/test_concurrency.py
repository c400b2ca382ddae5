"""Never twice, never for a cancelled visit: real parallel transactions on PostgreSQL.

Each thread has its own database connection (closed at the end of the thread), so the row
locks, SKIP LOCKED and the advisory lock behave as they do between processes.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections import Counter

import pytest
import time_machine
from django.db import connection, transaction

from notifications import dispatch, sending
from notifications.channels.sms import LocmemSmsBackend, SmsResult
from notifications.models import MessageStatus as M, MessagingPolicy
from scheduling.models import AppointmentStatus as S
from scheduling.services.transitions import cancel_appointment
from tests.factories import LocationFactory, PatientFactory, ServiceFactory
from tests.notifications.conftest import book, NOW, rows, run_dispatcher

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
DUE = NOW + dt.timedelta(minutes=5)


def in_threads(*jobs, timeout: float = 60.0) -> list:
    """Run each job in its own thread with its own connection, started together."""
    barrier = threading.Barrier(len(jobs))
    results: list = [None] * len(jobs)
    errors: list = []

    def run(index, job):
        try:
            with time_machine.travel(DUE, tick=False):
                barrier.wait()
                results[index] = job()
        except BaseException as exc:  # noqa: BLE001 - re-raised in the test's thread
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    assert not any(thread.is_alive() for thread in threads), "a thread is stuck"
    if errors:
        raise errors[0]
    return results


def wait_until_blocked(pid: int, *, timeout: float = 20.0) -> None:
    """Until the backend `pid` waits on a lock (it reached the lock: not a guess about timing)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with connection.cursor() as cursor:
            cursor.execute("SELECT wait_event_type FROM pg_stat_activity WHERE pid = %s", [pid])
            row = cursor.fetchone()
        if row and row[0] == "Lock":
            return
        time.sleep(0.02)
    raise AssertionError(f"backend {pid} never waited on a lock")


@pytest.fixture
def many_due():
    service, location = ServiceFactory(), LocationFactory()
    with time_machine.travel(NOW, tick=False):
        for n in range(60):
            book(patient=PatientFactory(phone=f"+1602555{3000 + n}", sms_consent=True), service=service,
                 location=location)
    return 60


def test_two_dispatchers_running_at_once_never_send_a_message_twice(many_due, settings):
    settings.NOTIFY_BATCH_SIZE = 4
    reports = in_threads(run_dispatcher, run_dispatcher)
    sent = Counter(message["to"] for message in LocmemSmsBackend.outbox)
    assert len(sent) == many_due and set(sent.values()) == {1}
    assert sum(report.claimed for report in reports) == many_due
    assert rows(kind="confirmation", status=M.SENT).count() == many_due


def test_a_dispatcher_skips_rows_another_is_claiming_instead_of_waiting_or_taking_them(many_due):
    claiming, may_commit = threading.Event(), threading.Event()

    def slow_claim():
        with transaction.atomic():
            _, ids = dispatch.claim_due(now=DUE, limit=40)
            claiming.set()
            may_commit.wait(20)
        return ids

    def second_claim():
        claiming.wait(20)
        try:
            return dispatch.claim_due(now=DUE, limit=40)[1]
        finally:
            may_commit.set()

    first, second = in_threads(slow_claim, second_claim)
    assert (len(first), len(second)) == (40, 20)
    assert not set(first) & set(second)


class SlowProvider(LocmemSmsBackend):
    """Holds every send until `release` is set, telling `entered` it has begun."""

    entered = threading.Event()
    release = threading.Event()

    def send(self, *, to, body, status_callback=None) -> SmsResult:
        SlowProvider.entered.set()
        SlowProvider.release.wait(20)
        return super().send(to=to, body=body, status_callback=status_callback)


def test_a_cancellation_that_commits_while_the_text_is_being_sent_waits_and_the_text_counts_as_sent_before_it(
        settings):
    settings.SMS_BACKEND = f"{__name__}.SlowProvider"
    SlowProvider.entered.clear()
    SlowProvider.release.clear()
    with time_machine.travel(NOW, tick=False):
        appointment = book(patient=PatientFactory(phone="+16025554000", sms_consent=True))
    seen: dict[str, object] = {}

    def cancel():
        SlowProvider.entered.wait(20)
        seen["pid"] = connection.cursor().connection.info.backend_pid
        return cancel_appointment(appointment=appointment, actor=None, reason="Clinic closed")

    def watch_then_release():
        SlowProvider.entered.wait(20)
        try:
            while "pid" not in seen:
                time.sleep(0.01)
            wait_until_blocked(seen["pid"])
            seen["cancel_waited_for_the_send"] = True
        finally:
            SlowProvider.release.set()

    in_threads(run_dispatcher, cancel, watch_then_release)
    assert seen.get("cancel_waited_for_the_send") is True
    confirmation = rows(appointment, kind="confirmation").get()
    assert confirmation.status == M.SENT
    appointment.refresh_from_db()
    assert appointment.status == S.CANCELLED
    assert set(rows(appointment).filter(kind__startswith="reminder").values_list("status", flat=True)) == {M.SUPERSEDED}
    assert rows(appointment, kind="cancellation").get().status == M.PLANNED
    assert [m["body"] for m in LocmemSmsBackend.outbox] == [confirmation.body]


def test_a_cancellation_that_commits_after_the_claim_stops_the_text(settings):
    with time_machine.travel(NOW, tick=False):
        appointment = book(patient=PatientFactory(phone="+16025554001", sms_consent=True))
    with time_machine.travel(DUE, tick=False):
        attempt_id, claimed = dispatch.claim_due(now=DUE, limit=10)
        cancel_appointment(appointment=appointment, actor=None, reason="Clinic closed")
        assert sending.deliver_batch(message_ids=claimed, attempt_id=attempt_id) == {"not_claimed": 1}
    assert rows(appointment, kind="confirmation").get().status == M.SUPERSEDED
    assert LocmemSmsBackend.outbox == []


def test_a_cancellation_that_commits_between_the_decision_and_the_send_stops_the_text(settings):
    with time_machine.travel(NOW, tick=False):
        appointment = book(patient=PatientFactory(phone="+16025554002", sms_consent=True))
    with time_machine.travel(DUE, tick=False):
        attempt_id, claimed = dispatch.claim_due(now=DUE, limit=10)
        [(message_id, handed_off_at)], _ = sending.decide(message_ids=claimed, attempt_id=attempt_id,
                                                          policy=MessagingPolicy.current())
        cancel_appointment(appointment=appointment, actor=None, reason="Clinic closed")
        outcome = sending.send(message_id=message_id, attempt_id=attempt_id, handed_off_at=handed_off_at,
                               policy=MessagingPolicy.current(), backend_cache=[])
    assert outcome == "changed_before_send"
    assert rows(appointment, kind="confirmation").get().status == M.SUPERSEDED
    assert LocmemSmsBackend.outbox == []


def test_two_workers_sending_to_one_patient_at_once_keep_the_daily_limit():
    patient = PatientFactory(phone="+16025554003", sms_consent=False)
    service, location = ServiceFactory(), LocationFactory()
    with time_machine.travel(NOW, tick=False):
        first = book(patient=patient, service=service, location=location)
        second = book(patient=patient, service=service, location=location, start=first.start + dt.timedelta(hours=3))
    # Force both confirmations due together, as if planning had not merged them.
    pair = [rows(first, kind="confirmation").get().pk, rows(second, kind="confirmation").get().pk]
    rows().filter(pk__in=pair).update(status=M.PLANNED)

    def deliver(message_id):
        def job():
            attempt_id, claimed = dispatch.claim_due(now=DUE, limit=1, message_ids=[message_id])
            return sending.deliver_batch(message_ids=claimed, attempt_id=attempt_id)
        return job

    outcomes = in_threads(deliver(pair[0]), deliver(pair[1]))
    assert sorted(next(iter(o)) for o in outcomes) == ["drop", "sent"]
    assert len(LocmemSmsBackend.outbox) == 1


def test_the_same_keyword_texted_twice_at_once_is_answered_once_and_neither_webhook_fails():
    """The second text's reply waits on the first's uncommitted row (the one-live-row rule) and,
    once that commits, takes it as its answer instead of failing the webhook with a 500."""
    from notifications.inbound import receive_sms
    from notifications.models import InboundMessage

    with time_machine.travel(NOW, tick=False):
        patient = PatientFactory(phone="+16025554100", sms_consent=True)
        appointment = book(patient=patient)
    first_answered, seen = threading.Event(), {}

    def first():
        with transaction.atomic():
            receive_sms(provider_id="SM-first", from_number=str(patient.phone), to_number="+16025550199", body="C")
            first_answered.set()
            while "second_pid" not in seen:
                time.sleep(0.01)
            wait_until_blocked(seen["second_pid"])

    def second():
        first_answered.wait(20)
        seen["second_pid"] = connection.cursor().connection.info.backend_pid
        receive_sms(provider_id="SM-second", from_number=str(patient.phone), to_number="+16025550199", body="C")

    in_threads(first, second)
    assert InboundMessage.objects.filter(appointment=appointment).count() == 2
    assert rows(appointment, kind="reply_confirmed").count() == 1

