"""Planning the messages an appointment should get. Called through scheduling's hooks
(notifications/apps.py) inside the same transaction as every change to an appointment (book,
reschedule, cancel, ...), so the outbox commits or rolls back with the booking.

Planning writes rows only; sending decides again at send time (sending.py), because consent,
quiet hours and the appointment itself can change between the two.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone

from notifications import caps, plans, quiet_hours
from notifications.models import Channel, MessageStatus as M, MessagingPolicy, OutboundMessage, PENDING_STATUSES
from scheduling.models import Appointment, AppointmentStatus as S, Patient
from scheduling.services.locks import lock_patients

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
        lock_patients([appointment.patient_id])
        if Appointment.patient.is_cached(appointment):
            patient = appointment.patient
        else:
            patient = Patient.objects.get(pk=appointment.patient_id)
        if not new:
            _supersede_stale(appointment, now=now)
        policy = MessagingPolicy.current()
        if appointment.status == S.BOOKED:
            created = _plan_steps(appointment, patient=patient, policy=policy,
                                  steps=plans.steps_for_service(appointment.service_id), now=now,
                                  existing=set() if new else None)
        elif appointment.status == S.CANCELLED:
            created = _plan_cancellation(appointment, patient=patient, policy=policy, now=now)
        else:
            created = []
        caps.rebalance(patient=patient, policy=policy, now=now)
        nudge_on_commit([row.pk for row in created if row.status == M.PLANNED and row.next_attempt_at <= now + NUDGE_WINDOW])


def replan_on_change(*, appointment, action: str, new: bool, now: dt.datetime | None) -> None:
    """scheduling.hooks' listener: whatever changed, the outbox follows the appointment."""
    replan_for_appointment(appointment, new=new, now=now)


def channels_for(patient) -> list[str]:
    """SMS to a mobile that has not opted out; email when the patient chose it, or when it is
    the only way left to reach them."""
    sms = bool(patient.phone) and not patient.sms_opted_out
    channels = [Channel.SMS] if sms else []
    if patient.email and (patient.prefers_email or not sms):
        channels.append(Channel.EMAIL)
    return channels


_STALE_BECAUSE = {S.BOOKED: "The visit moved to another time.", S.CANCELLED: "The visit was cancelled.",
                  S.CHECKED_IN: "The patient checked in."}


def _supersede_stale(appointment, *, now: dt.datetime) -> None:
    """Pending rows of the visit that no longer fit it become superseded. Replies answer the
    patient's own text, and check-ins follow the visit once it is over (checkins/ retires them
    when answered): neither is touched. A booked visit keeps what was planned for its current
    start, a cancelled one its cancellation notice, a checked-in one its join link."""
    pending = (OutboundMessage.objects.filter(appointment_id=appointment.pk, status__in=PENDING_STATUSES)
               .exclude(kind__startswith=REPLY_PREFIX).exclude(kind__startswith=plans.FOLLOW_UP_PREFIX))
    status = appointment.status
    if status == S.BOOKED:
        pending = pending.exclude(planned_for_start=appointment.start)
    elif status == S.CANCELLED:
        pending = pending.exclude(kind=plans.CANCELLATION.key, planned_for_start=appointment.start)
    elif status == S.CHECKED_IN:
        pending = pending.exclude(kind="join_link", planned_for_start=appointment.start)
    reason = _STALE_BECAUSE.get(status) or f"The visit is {S(status).label.lower()}."
    # A row whose worker is mid-send holds its row lock: this UPDATE waits for it and then
    # skips the row if it went out (its status is no longer pending).
    pending.update(status=M.SUPERSEDED, status_reason=reason, updated_at=now)


def _existing_keys(appointment) -> set[tuple[str, str]]:
    """(kind, channel) of the visit's live rows planned for its current start."""
    return set(OutboundMessage.objects.filter(appointment_id=appointment.pk, planned_for_start=appointment.start)
               .exclude(status=M.SUPERSEDED).values_list("kind", "channel"))


def _row(appointment, patient, *, step: plans.Step, channel: str, due: dt.datetime, window, now: dt.datetime,
         language: str, earliest: dt.datetime | None = None) -> OutboundMessage:
    status, reason, send_at = M.PLANNED, "", due
    if channel == Channel.SMS:
        timing = sms_timing(template=step.template, due=due, start=appointment.start, end=appointment.end,
                            video=appointment.location_id is None, window=window, earliest=earliest)
        send_at, reason = timing.send_at or due, timing.reason
        if timing.send_at is None:
            status = M.DROPPED
    return OutboundMessage(
        patient=patient, appointment=appointment, kind=step.key, template=step.template, channel=channel,
        priority=step.priority, status=status, status_reason=reason, planned_for_start=appointment.start,
        due_at=send_at, next_attempt_at=send_at, language=language, created_at=now, updated_at=now)


# A reminder that cannot reach the patient between its due time and the visit goes this long
# before the previous texting window closes, so a worker a little late still finds it open.
EVENING_MARGIN = dt.timedelta(minutes=30)


@dataclass(frozen=True)
class SmsTiming:
    send_at: dt.datetime | None  # None: the text cannot reach the patient while it is of use
    reason: str = ""


def sms_timing(*, template: str, due: dt.datetime, start: dt.datetime, end: dt.datetime, video: bool, window,
               earliest: dt.datetime | None = None) -> SmsTiming:
    """When a text due at `due` may go, given the patient's texting window: at `due` inside it,
    else when the window next opens, if the text is still of use then (a join link until the
    visit ends, anything else until it starts). A reminder of a video visit whose window opens
    only after the visit starts (an early visit, or a clinician in another zone) goes instead
    late in the window before, if that is not before `earliest`."""
    send_at = quiet_hours.next_allowed(due, window)
    if send_at == due:
        return SmsTiming(due)
    outside = window.describe_outside()
    join_link = template == "join_link"
    useful_until = end if join_link else start
    if send_at < useful_until:
        return SmsTiming(send_at, f"Due {outside}: held until it opens.")
    if template == "reminder" and video:
        before = quiet_hours.latest_before(due, window, margin=EVENING_MARGIN)
        if earliest is None or before >= earliest:
            return SmsTiming(before, f"Due {outside}, which opens only after the visit starts: "
                                     "moved to the window before.")
    return SmsTiming(None, f"Due {outside}, which opens only after the visit {'ends' if join_link else 'starts'}.")


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
        earliest = None if step.after_booking else confirm_at + dt.timedelta(minutes=plans.REMINDER_MIN_GAP_MINUTES)
        rows.extend(_row(appointment, patient, step=step, channel=channel, due=due, window=window, now=now,
                         language=patient.language, earliest=earliest)
                    for channel in channels if (step.key, channel) not in existing)
    return OutboundMessage.objects.bulk_create(rows)


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
    return OutboundMessage.objects.bulk_create(rows)


def _heard_of(appointment) -> bool:
    """Whether a message about this visit reached (or may have reached) the provider."""
    return OutboundMessage.objects.filter(appointment_id=appointment.pk, handed_off_at__isnull=False,
                                          status__in=(M.SENDING, M.SENT, M.DELIVERED)).exists()


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
