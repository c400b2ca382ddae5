"""The appointment status machine and the changes that are only a status change: check-in,
no-show, completion and cancellation. Each runs under the appointment's row lock, writes one
AppointmentEvent and tells the apps above scheduling (scheduling.hooks) in the same transaction.

    held -> booked -> checked_in -> completed
    held -> cancelled | expired
    booked -> cancelled | no_show | rescheduled
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from accounts.models import Role
from core.errors import Conflict, Forbidden, Unprocessable
from scheduling import hooks
from scheduling.models import Allocation, Appointment, AppointmentStatus as S
from scheduling.models.clinic import DEFAULT_CHECK_IN_OPENS_MINUTES
from scheduling.services.events import record_event
from scheduling.services.locks import lock_appointment
from scheduling.timeutils import describe, zone

ALLOWED: dict[str, frozenset[str]] = {
    S.HELD: frozenset({S.BOOKED, S.CANCELLED, S.EXPIRED}),
    S.BOOKED: frozenset({S.CHECKED_IN, S.CANCELLED, S.NO_SHOW, S.RESCHEDULED}),
    S.CHECKED_IN: frozenset({S.COMPLETED}),
}

# An appointment in one of these no longer occupies the calendar: its allocations are deleted.
RELEASES_TIME = frozenset({S.CANCELLED, S.NO_SHOW, S.RESCHEDULED, S.EXPIRED})

_LABELS = dict(S.choices)


def ensure_transition(appointment: Appointment, to_status: str) -> None:
    if to_status not in ALLOWED.get(appointment.status, frozenset()):
        frm, to = _LABELS[appointment.status].lower(), _LABELS[to_status].lower()
        raise Conflict(f"This appointment is {frm}; it cannot change from {frm} to {to}.",
                       code="illegal_transition", from_status=appointment.status, to_status=to_status)


def actor_kind(actor) -> str:
    if actor is None:
        return "system"
    return "patient" if getattr(actor, "role", None) == Role.PATIENT else "staff"


def is_patient(actor) -> bool:
    return actor_kind(actor) == "patient"


def apply_status(*, appointment: Appointment, to_status: str, action: str, actor, reason: str = "",
                 data: dict[str, Any] | None = None, fields: dict[str, Any] | None = None,
                 now: datetime | None = None) -> Appointment:
    """Change the status of an appointment the caller has locked: check the move is legal, free
    its time if it no longer holds any, record the event, tell the apps above (their messages,
    a completed visit's check-ins)."""
    ensure_transition(appointment, to_status)
    from_status = appointment.status
    appointment.status = to_status
    changed = ["status", "updated_at"]
    for name, value in (fields or {}).items():
        setattr(appointment, name, value)
        changed.append(name)
    if to_status != S.HELD and appointment.hold_expires_at is not None:
        appointment.hold_expires_at = None
        changed.append("hold_expires_at")
    appointment.save(update_fields=changed)
    if to_status in RELEASES_TIME:
        Allocation.objects.filter(appointment_id=appointment.pk).delete()
    record_event(appointment=appointment, action=action, actor=actor, actor_kind=actor_kind(actor),
                 from_status=from_status, to_status=to_status, reason=reason, data=data)
    hooks.appointment_changed(appointment, action=action, now=now)
    return appointment


def cancellation_deadline(appointment: Appointment) -> datetime:
    """Until this instant the patient may cancel or move the visit themselves, without it counting as late."""
    return appointment.start - timedelta(hours=appointment.service.cancellation_window_hours)


def ensure_patient_may_change(appointment: Appointment, *, actor, now: datetime, verb: str) -> None:
    """Patients change their own booked visits only before the cancellation window; later, the desk does."""
    if not is_patient(actor) or appointment.status == S.HELD:
        return
    deadline = cancellation_deadline(appointment)
    if now >= deadline:
        hours = appointment.service.cancellation_window_hours
        raise Unprocessable(
            f"Visits can be {verb} online until {hours} hours before they start "
            f"({describe(deadline, appointment_zone(appointment))}). Please call the clinic.",
            code="cancellation_window_passed")


def appointment_zone(appointment: Appointment):
    """The zone a person reads this visit's times in: the site's, or the patient's for video."""
    if appointment.location_id:
        return zone(appointment.location.time_zone)
    return zone(appointment.patient.time_zone)


def cancel_appointment(*, appointment: Appointment, actor, reason: str = "", cancelled_by: str | None = None,
                       now: datetime | None = None) -> Appointment:
    """Cancel a visit (or release a hold). A patient's cancellation inside the service's window is
    flagged late; patients themselves may cancel only before it. Cancellations by the clinic are never late."""
    with transaction.atomic():
        appt = lock_appointment(appointment_id=appointment.pk)
        ensure_transition(appt, S.CANCELLED)
        now = now or timezone.now()
        if is_patient(actor):
            ensure_patient_may_change(appt, actor=actor, now=now, verb="cancelled")
            cancelled_by = Appointment.CancelledBy.PATIENT
        cancelled_by = cancelled_by or Appointment.CancelledBy.CLINIC
        late = (appt.status == S.BOOKED and cancelled_by == Appointment.CancelledBy.PATIENT
                and now >= cancellation_deadline(appt))
        return apply_status(
            appointment=appt, to_status=S.CANCELLED, action="cancelled", actor=actor, reason=reason,
            data={"cancelled_by": cancelled_by, "late_cancellation": late},
            fields={"cancelled_by": cancelled_by, "cancel_reason": reason[:300], "late_cancellation": late})


def check_in_opens_at(appointment: Appointment) -> datetime:
    """From this instant the visit can be checked in without a reason: its site's window before
    the start (a video visit, with no site, the clinic's default)."""
    minutes = appointment.location.check_in_opens_minutes if appointment.location_id else DEFAULT_CHECK_IN_OPENS_MINUTES
    return appointment.start - timedelta(minutes=minutes)


def _ensure_staff_override(override_reason: str, actor, *, what: str) -> None:
    if override_reason and (actor is None or is_patient(actor)):
        raise Forbidden(f"Only the front desk may override {what}.")


def check_in(*, appointment: Appointment, actor, override_reason: str = "", now: datetime | None = None) -> Appointment:
    """Check-in opens a while before the start (the site's window), so a visit days away is not
    checked in by a slip; the gates (registered by the apps above, scheduling.hooks: an adult
    escort for in-person dosing) are enforced under the appointment's lock. The desk may override
    either where the clinic allows, and the reason is kept on the event."""
    with transaction.atomic():
        appt = lock_appointment(appointment_id=appointment.pk)
        ensure_transition(appt, S.CHECKED_IN)
        _ensure_staff_override(override_reason, actor, what="a check-in rule")
        now = now or timezone.now()
        opens = check_in_opens_at(appt)
        early = now < opens
        if early and not override_reason:
            raise Unprocessable(
                f"Check-in for this visit opens at {describe(opens, appointment_zone(appt))}, "
                f"{_before_start(appt.start - opens)}. "
                "The front desk may check the patient in earlier with a reason.",
                code="too_early_for_check_in", opens_at=opens.isoformat(), overridable=True)
        overrides = hooks.check_check_in(appointment=appt, actor=actor, override_reason=override_reason)
        data: dict[str, Any] = {"overridden_gates": overrides} if overrides else {}
        if early:
            data["overridden_time_rule"] = "too_early_for_check_in"
        return apply_status(appointment=appt, to_status=S.CHECKED_IN, action="checked_in", actor=actor,
                            reason=override_reason if data else "", data=data or None)


def _before_start(span: timedelta) -> str:
    """'1 hour before it starts', '15 minutes before it starts', 'when it starts'."""
    minutes = int(span.total_seconds() // 60)
    if not minutes:
        return "when it starts"
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} hour{'s' if hours != 1 else ''} before it starts"
    return f"{minutes} minute{'s' if minutes != 1 else ''} before it starts"


def mark_no_show(*, appointment: Appointment, actor, reason: str = "", now: datetime | None = None) -> Appointment:
    """Only once the visit should have started; frees the rest of its time for a walk-in."""
    with transaction.atomic():
        appt = lock_appointment(appointment_id=appointment.pk)
        ensure_transition(appt, S.NO_SHOW)
        now = now or timezone.now()
        if now < appt.start:
            raise Unprocessable(
                f"The visit starts at {describe(appt.start, appointment_zone(appt))}; "
                "it can be marked a no-show only after that.", code="too_early_for_no_show")
        return apply_status(appointment=appt, to_status=S.NO_SHOW, action="no_show", actor=actor, reason=reason)


def complete(*, appointment: Appointment, actor, override_reason: str = "", now: datetime | None = None
             ) -> Appointment:
    """Only once the visit has started (the desk may override with a reason, kept on the event).
    A completed dosing visit (or a service with its own plan) gets its post-session check-ins
    planned in the same transaction, by the check-ins app's listener (scheduling.hooks)."""
    with transaction.atomic():
        appt = lock_appointment(appointment_id=appointment.pk)
        ensure_transition(appt, S.COMPLETED)
        _ensure_staff_override(override_reason, actor, what="the visit's start time")
        early = (now or timezone.now()) < appt.start
        if early and not override_reason:
            raise Unprocessable(
                f"The visit starts at {describe(appt.start, appointment_zone(appt))}; it can be marked completed "
                "only after that. The front desk may do it earlier with a reason.",
                code="too_early_to_complete", starts_at=appt.start.isoformat(), overridable=True)
        return apply_status(appointment=appt, to_status=S.COMPLETED, action="completed", actor=actor, now=now,
                            reason=override_reason if early else "",
                            data={"overridden_time_rule": "too_early_to_complete"} if early else None)
