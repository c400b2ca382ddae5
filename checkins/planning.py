"""Planning the check-ins that follow a completed visit. Called by the booking service's `complete`
inside the transaction that marks the visit completed, so check-ins exist exactly for completed
visits (a cancelled or no-show visit never gets here) and commit or roll back with it.

Each check-in gets outbox rows: the ask on every channel the patient can be reached on, and one
nudge per channel `nudge_after_hours` later, superseded as soon as the check-in is answered.
Texts due inside the patient's quiet hours move to the next opening; the frequency limits then
choose among the patient's texts by priority (a nudge ranks below its ask), exactly as for
reminders. Sending re-checks everything at send time (notifications/send_checks.py).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from checkins import plans
from checkins.links import hash_token, new_nonce, token_from_nonce
from checkins.models import CheckIn
from notifications import caps, quiet_hours
from notifications.models import Channel, MessageStatus as M, MessagingPolicy, OutboundMessage
from notifications.planning import channels_for, nudge_on_commit, NUDGE_WINDOW
from notifications.plans import FOLLOW_UP_PREFIX
from scheduling.models import AppointmentStatus as S, Patient
from scheduling.services.locks import lock_patients

NUDGE_PRIORITY_DROP = 20
HOUR = dt.timedelta(hours=1)


def plan_on_completion(*, appointment, action: str, new: bool, now: dt.datetime | None) -> None:
    """scheduling.hooks' listener: a visit just completed gets its check-ins."""
    if action == "completed":
        plan_after_visit(appointment=appointment, now=now)


def plan_after_visit(*, appointment, now: dt.datetime | None = None) -> list[CheckIn]:
    """Create the check-ins (and their messages) for a visit that has just been completed.
    Idempotent: a step already planned for this visit is left alone."""
    if appointment.status != S.COMPLETED:
        return []
    steps = plans.steps_for_service(appointment.service)
    if not steps:
        return []
    now = now or timezone.now()
    with transaction.atomic(savepoint=False):
        lock_patients([appointment.patient_id])
        patient = Patient.objects.get(pk=appointment.patient_id)
        policy = MessagingPolicy.current()
        window = quiet_hours.window_for(patient=patient, policy=policy)
        channels = channels_for(patient)
        planned = set(CheckIn.objects.filter(appointment=appointment).values_list("step_key", flat=True))
        created: list[CheckIn] = []
        messages: list[OutboundMessage] = []
        for step in steps:
            if step.key in planned:
                continue
            due = max(appointment.end + step.hours_after * HOUR, now)
            expires = appointment.end + (step.hours_after + step.open_hours) * HOUR
            if expires <= now:
                continue  # recorded as completed too late for this step to mean anything
            nonce = new_nonce()
            checkin = CheckIn.objects.create(
                patient=patient, appointment=appointment, location_id=appointment.location_id, step_key=step.key,
                sections=list(step.sections), questionnaires=list(step.questionnaires), due_at=due,
                expires_at=expires, link_nonce=nonce, token_hash=hash_token(token_from_nonce(nonce)),
                language=patient.language)
            rows = _messages(checkin, step=step, appointment=appointment, channels=channels, window=window, now=now)
            for row in OutboundMessage.objects.bulk_create(rows):
                messages.append(row)
                checkin.messages.add(row)
            created.append(checkin)
        caps.rebalance(patient=patient, policy=policy, now=now)
        nudge_on_commit([row.pk for row in messages if row.next_attempt_at <= now + NUDGE_WINDOW])
    return created


def _messages(checkin, *, step: plans.Step, appointment, channels, window, now: dt.datetime) -> list[OutboundMessage]:
    asks = [(f"{FOLLOW_UP_PREFIX}{step.key}", "checkin", checkin.due_at, step.priority)]
    if step.nudge_after_hours is not None:
        asks.append((f"{FOLLOW_UP_PREFIX}{step.key}_nudge", "checkin_nudge",
                     checkin.due_at + step.nudge_after_hours * HOUR, step.priority - NUDGE_PRIORITY_DROP))
    rows = []
    for kind, template, due, priority in asks:
        for channel in channels:
            send_at = quiet_hours.next_allowed(due, window) if channel == Channel.SMS else due
            rows.append(OutboundMessage(
                patient_id=checkin.patient_id, appointment=appointment, kind=kind, template=template,
                channel=channel, priority=priority, status=M.PLANNED, planned_for_start=appointment.start,
                due_at=send_at, next_attempt_at=send_at, language=checkin.language, created_at=now,
                updated_at=now))
    return rows
