"""Planning the messages an appointment should get. Called by the booking service inside the
same transaction as every change to an appointment (book, reschedule, cancel, ...), so the
outbox commits or rolls back with the booking (DESIGN.md, guarantee 3).

Planning writes rows only; sending decides again at send time (sending.py), because consent,
quiet hours and the appointment itself can change between the two.
"""

from __future__ import annotations

import datetime as dt
import functools

from django.db import IntegrityError, connections, transaction
from django.utils import timezone

from config import hot_sql
from notifications import caps, plans, quiet_hours
from notifications.locks import lock_patient_messages
from notifications.models import (
    Channel, MessageStatus as M, MessagingPolicy, OutboundMessage, PENDING_STATUSES,
)
from scheduling import catalog
from scheduling.models import Appointment, AppointmentStatus as S, Patient

# Replies answer the patient's own text; a booking change never supersedes them.
REPLY_PREFIX = plans.REPLY_PREFIX
# Rows due within this much of now are handed to a worker at commit instead of waiting for beat.
NUDGE_WINDOW = dt.timedelta(seconds=30)


def replan_for_appointment(appointment, *, now: dt.datetime | None = None, new: bool = False) -> None:
    """Make the outbox match the appointment's current state: plan what is missing, supersede
    pending rows that no longer fit (moved, cancelled). Idempotent.

    `new`: the appointment was inserted in this very transaction, so it has no messages yet and
    there is nothing to supersede or to skip (the booking path saves two queries). The patient
    the caller loaded with the appointment is used as it is; sending re-reads consent anyway."""
    now = now or timezone.now()
    with transaction.atomic(savepoint=False):
        lock_patient_messages(appointment.patient_id)
        if Appointment.patient.is_cached(appointment):
            patient = appointment.patient
        else:
            patient = Patient.objects.get(pk=appointment.patient_id)
        if not new:
            _supersede_stale(appointment, now=now)
        if appointment.status == S.BOOKED:
            policy, steps = _policy_and_steps(appointment.service_id)
            created = _plan_steps(appointment, patient=patient, policy=policy, steps=steps, now=now,
                                  existing=set() if new else None)
        elif appointment.status == S.CANCELLED:
            policy = catalog.current().messaging_policy
            created = _plan_cancellation(appointment, patient=patient, policy=policy, now=now)
        else:
            policy = catalog.current().messaging_policy
            created = []
        caps.rebalance(patient=patient, policy=policy, now=now)
        nudge_on_commit([row.pk for row in created if row.status == M.PLANNED and row.next_attempt_at <= now + NUDGE_WINDOW])


def _policy_and_steps(service_id: int) -> tuple[MessagingPolicy, list[plans.Step]]:
    """The messaging policy and the service's message plan, from the clinic's set-up in memory."""
    setup = catalog.current()
    return setup.messaging_policy, plans.parse_or_default(setup.message_plans.get(service_id))


def channels_for(patient) -> list[str]:
    """SMS to a mobile that has not opted out; email when the patient chose it, or when it is
    the only way left to reach them."""
    sms = bool(patient.phone) and not patient.sms_opted_out
    channels = [Channel.SMS] if sms else []
    if patient.email and (patient.prefers_email or not sms):
        channels.append(Channel.EMAIL)
    return channels


# What a status change keeps of the visit's pending rows: those planned for its current start,
# of any kind (None) or of one kind; without an entry nothing is kept.
_KEPT = {S.BOOKED: None, S.CANCELLED: plans.CANCELLATION.key, S.CHECKED_IN: "join_link"}
_STALE_BECAUSE = {S.BOOKED: "The visit moved to another time.", S.CANCELLED: "The visit was cancelled.",
                  S.CHECKED_IN: "The patient checked in."}


def _supersede_stale(appointment, *, now: dt.datetime) -> None:
    """Pending rows of the visit that no longer fit it become superseded. Replies answer the
    patient's own text, and check-ins follow the visit once it is over (checkins/ retires them
    when answered): neither is touched. One statement made once (config.hot_sql): every move
    and cancellation runs it."""
    status = appointment.status
    keeps, kind = status in _KEPT, _KEPT.get(status)
    reason = _STALE_BECAUSE.get(status) or f"The visit is {S(status).label.lower()}."
    connection = connections["default"]
    sql, fixed = _supersede_sql(keeps=keeps, one_kind=kind is not None)
    kept = [connection.ops.adapt_datetimefield_value(appointment.start), *([kind] if kind else [])] if keeps else []
    # A row whose worker is mid-send holds its row lock: this UPDATE waits for it and then
    # skips the row if it went out (its status is no longer pending).
    with connection.cursor() as cursor:
        cursor.execute(sql, [M.SUPERSEDED, reason, connection.ops.adapt_datetimefield_value(now), appointment.pk,
                             *fixed, *kept])


@functools.cache
def _supersede_sql(*, keeps: bool, one_kind: bool) -> tuple[str, list]:
    c = functools.partial(hot_sql.column, OutboundMessage)
    reply, reply_params = hot_sql.starts_with(c("kind"), REPLY_PREFIX)
    follow_up, follow_up_params = hot_sql.starts_with(c("kind"), plans.FOLLOW_UP_PREFIX)
    sql = (f"UPDATE {hot_sql.table(OutboundMessage)} SET {c('status')} = %s, {c('status_reason')} = %s, "  # nosec B608 - column names and placeholders only
           f"{c('updated_at')} = %s WHERE {c('appointment')} = %s "
           f"AND {c('status')} IN ({', '.join(['%s'] * len(PENDING_STATUSES))}) "
           f"AND NOT ({reply}) AND NOT ({follow_up})")
    if keeps:
        sql += f" AND NOT ({c('planned_for_start')} IS NOT NULL AND {c('planned_for_start')} = %s"
        sql += f" AND {c('kind')} = %s)" if one_kind else ")"
    return sql, [*PENDING_STATUSES, *reply_params, *follow_up_params]


def _existing_keys(appointment) -> set[tuple[str, str]]:
    """(kind, channel) of the visit's live rows planned for its current start."""
    connection = connections["default"]
    with connection.cursor() as cursor:
        cursor.execute(_existing_keys_sql(), [appointment.pk, connection.ops.adapt_datetimefield_value(appointment.start),
                                              M.SUPERSEDED])
        return set(cursor.fetchall())


@functools.cache
def _existing_keys_sql() -> str:
    c = functools.partial(hot_sql.column, OutboundMessage)
    return (f"SELECT {c('kind')}, {c('channel')} FROM {hot_sql.table(OutboundMessage)} "  # nosec B608 - column names and placeholders only
            f"WHERE {c('appointment')} = %s AND {c('planned_for_start')} = %s AND {c('status')} <> %s")


def _row(appointment, patient, *, step: plans.Step, channel: str, due: dt.datetime, window, now: dt.datetime,
         language: str) -> OutboundMessage:
    status, reason, send_at = M.PLANNED, "", due
    if channel == Channel.SMS:
        send_at = quiet_hours.next_allowed(due, window)
        if send_at >= appointment.start:
            status, send_at = M.DROPPED, due
            reason = (f"Due inside quiet hours ({window.describe()}); "
                      "the texting window opens only after the visit starts.")
    return OutboundMessage(
        patient=patient, appointment=appointment, kind=step.key, template=step.template, channel=channel,
        priority=step.priority, status=status, status_reason=reason, planned_for_start=appointment.start,
        due_at=send_at, next_attempt_at=send_at, language=language, created_at=now, updated_at=now)


def _plan_steps(appointment, *, patient, policy, steps: list[plans.Step], now: dt.datetime,
                existing: set[tuple[str, str]] | None = None) -> list[OutboundMessage]:
    channels = channels_for(patient)
    if not channels or appointment.start <= now:
        return []
    if existing is None:
        existing = _existing_keys(appointment)
    window = quiet_hours.window_for(patient=patient, policy=policy)
    confirm_at = now + dt.timedelta(minutes=policy.confirmation_grace_minutes)
    video = appointment.location_id is None
    rows = []
    for step in steps:
        if step.video_only and not video:
            continue
        if step.after_booking:
            due = confirm_at
        else:
            due = appointment.start - dt.timedelta(minutes=step.minutes_before)
            if step.template == "join_link":
                due = max(due, confirm_at)  # a last-minute booking still gets its link
            elif due < confirm_at + dt.timedelta(minutes=plans.REMINDER_MIN_GAP_MINUTES):
                continue  # past, or so close to the confirmation that it adds nothing
        if due >= appointment.start:
            continue
        rows.extend(_row(appointment, patient, step=step, channel=channel, due=due, window=window, now=now,
                         language=patient.language)
                    for channel in channels if (step.key, channel) not in existing)
    hot_sql.insert(rows)
    return rows


def _plan_cancellation(appointment, *, patient, policy, now: dt.datetime) -> list[OutboundMessage]:
    """A cancellation notice, but only if the patient heard of the visit (a quick undo inside
    the confirmation's grace period sends nothing) and it has not started."""
    if appointment.start <= now:
        return []
    if not _heard_of(appointment):
        return []
    existing = _existing_keys(appointment)
    window = quiet_hours.window_for(patient=patient, policy=policy)
    rows = [_row(appointment, patient, step=plans.CANCELLATION, channel=channel, due=now, window=window, now=now,
                 language=patient.language)
            for channel in channels_for(patient) if (plans.CANCELLATION.key, channel) not in existing]
    hot_sql.insert(rows)
    return rows


# The statuses of a row that reached (or may have reached) the provider and the patient.
_HEARD = (M.SENDING, M.SENT, M.DELIVERED)


def _heard_of(appointment) -> bool:
    """Whether a message about this visit reached the provider."""
    with connections["default"].cursor() as cursor:
        cursor.execute(_heard_of_sql(), [appointment.pk, *_HEARD])
        return cursor.fetchone() is not None


@functools.cache
def _heard_of_sql() -> str:
    c = functools.partial(hot_sql.column, OutboundMessage)
    return (f"SELECT 1 FROM {hot_sql.table(OutboundMessage)} WHERE {c('appointment')} = %s "  # nosec B608 - column names and placeholders only
            f"AND {c('handed_off_at')} IS NOT NULL AND {c('status')} IN ({', '.join(['%s'] * len(_HEARD))}) LIMIT 1")


def plan_reply(*, patient, phone: str, template: str, appointment=None, now: dt.datetime | None = None,
               language: str | None = None) -> OutboundMessage:
    """A text answering the patient's own message, due now and sent at commit. An answer about a
    visit is given once per visit and keyword (the outbox keeps one live row per step): a patient
    who texts C twice already has, or is about to get, the same answer."""
    now = now or timezone.now()
    if appointment is not None:
        answered = _live_reply(appointment, template)
        if answered is not None:
            return answered
    try:
        # A savepoint: the same text arriving twice at once makes the second insert fail on the
        # one-live-row rule once the first commits; that first answer then stands for both.
        with transaction.atomic():
            row = OutboundMessage.objects.create(
                patient=patient, appointment=appointment, kind=f"{REPLY_PREFIX}{template}", template=template,
                channel=Channel.SMS, priority=0, status=M.PLANNED, due_at=now, next_attempt_at=now,
                language=language or (patient.language if patient is not None else "en"), to_address=phone,
                planned_for_start=appointment.start if appointment is not None else None)
    except IntegrityError:
        answered = _live_reply(appointment, template) if appointment is not None else None
        if answered is None:
            raise
        return answered
    nudge_on_commit([row.pk])
    return row


def _live_reply(appointment, template: str) -> OutboundMessage | None:
    return (OutboundMessage.objects.filter(appointment=appointment, kind=f"{REPLY_PREFIX}{template}",
                                           channel=Channel.SMS, planned_for_start=appointment.start)
            .exclude(status=M.SUPERSEDED).first())


def nudge_on_commit(message_ids: list[int]) -> None:
    """Hand rows that are due now to a worker once the transaction commits, so a reply or a
    cancellation notice does not wait for the next beat. Losing the nudge only delays them."""
    if not message_ids:
        return

    def nudge() -> None:
        from notifications.tasks import send_now

        try:
            send_now.delay(message_ids)
        except Exception:  # noqa: BLE001 - the broker being down must not fail a committed booking
            import logging

            logging.getLogger(__name__).warning("Could not queue messages %s; the dispatcher will send them.",
                                                message_ids, exc_info=True)

    transaction.on_commit(nudge)
