"""The rules a message must pass at the moment it is sent, whatever was true when it was planned:
the visit is still on at the same time, the patient can be reached on this channel and has not
opted out, it is not quiet hours where the patient lives, and a frequency limit is not broken.
A check-in (checkins/) instead needs its visit completed; an urgent alert to a clinician's own
number skips the patient's rules (quiet hours, limits) and carries no clinical detail.

`decide` returns one verdict; sending.py applies it to the row under the row lock.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from notifications import caps, plans, quiet_hours
from notifications.models import Channel, MessageStatus as M, OutboundMessage
from notifications.rendering import display_zone, format_when
from scheduling.models import AppointmentStatus as S


@dataclass(frozen=True)
class Send:
    channel: str
    to: str


@dataclass(frozen=True)
class Supersede:
    reason: str


@dataclass(frozen=True)
class Drop:
    reason: str


@dataclass(frozen=True)
class Postpone:
    until: dt.datetime
    reason: str


Verdict = Send | Supersede | Drop | Postpone


def is_reply(message) -> bool:
    return message.kind.startswith("reply_")


def is_follow_up(message) -> bool:
    """A check-in about a visit that is over (checkins/ supersedes it once answered)."""
    return message.kind.startswith(plans.FOLLOW_UP_PREFIX)


# The app that owns a follow-up template registers, when it loads, a check message -> Verdict or
# None for what only it knows (the check-in was answered, or has closed since it was planned).
_FOLLOW_UP_CHECKS: dict[str, Callable] = {}


def register_follow_up_check(template: str, check: Callable) -> None:
    _FOLLOW_UP_CHECKS[template] = check


# Messages about something other than a visit (a waitlist offer): the owning app registers, when
# it loads, a check message -> Supersede | Drop | None that replaces the visit's checks.
_OWN_CHECKS: dict[str, Callable] = {}


def register_own_check(template: str, check: Callable) -> None:
    _OWN_CHECKS[template] = check


def is_staff_alert(message) -> bool:
    return message.kind.startswith(plans.STAFF_PREFIX)


def appointment_problem(message, appointment, *, now: dt.datetime) -> Supersede | Drop | None:
    """Why this appointment message must not go out now, or None. Replies are about the
    patient's own text and always go, and so do urgent alerts to staff."""
    if is_reply(message) or is_staff_alert(message):
        return None
    own = _OWN_CHECKS.get(message.template)
    if own is not None:
        return own(message, now=now)
    if appointment is None:
        return Supersede("The visit no longer exists.")
    status = appointment.status
    if is_follow_up(message):
        if status != S.COMPLETED:
            return Supersede(f"The visit is {S(status).label.lower()}, not completed.")
        check = _FOLLOW_UP_CHECKS.get(message.template)
        return check(message, now=now) if check is not None else None
    if message.kind == plans.CANCELLATION.key:
        if status != S.CANCELLED:
            return Supersede(f"The visit is {S(status).label.lower()}, not cancelled.")
    elif not (status == S.BOOKED or (status == S.CHECKED_IN and message.template == "join_link")):
        return Supersede(f"The visit is {S(status).label.lower()}.")
    if appointment.start != message.planned_for_start:
        when = format_when(appointment.start, time_zone=display_zone(appointment), language="en")
        return Supersede(f"The visit moved to {when}.")
    end_of_use = appointment.end if message.template == "join_link" else appointment.start
    if now >= end_of_use:
        return Drop("The visit has already started.")
    return None


def _email_fallback(message, patient) -> Send | None:
    """An SMS that cannot go may go by email, unless the plan already has that email."""
    if not patient.email or message.appointment_id is None:
        return None
    sibling = OutboundMessage.objects.filter(
        appointment_id=message.appointment_id, kind=message.kind, channel=Channel.EMAIL,
        planned_for_start=message.planned_for_start).exclude(status=M.SUPERSEDED).exists()
    return None if sibling else Send(Channel.EMAIL, patient.email)


def _sms_verdict(message, patient, appointment, *, policy, now: dt.datetime, limits) -> Verdict:
    if is_reply(message):
        to = message.to_address or (str(patient.phone) if patient is not None and patient.phone else "")
        return Send(Channel.SMS, to) if to else Drop("No number to answer.")
    if is_staff_alert(message):
        return Send(Channel.SMS, message.to_address) if message.to_address else Drop("No number for the clinician.")
    if not patient.phone or patient.sms_opted_out:
        why = "The patient opted out of texts (STOP)." if patient.sms_opted_out else "The patient has no mobile number."
        return _email_fallback(message, patient) or Drop(why)
    window = quiet_hours.window_for(patient=patient, policy=policy)
    opens = quiet_hours.next_allowed(now, window)
    if opens != now:
        deadline = None
        if appointment is not None and not is_follow_up(message):
            deadline = appointment.end if message.template == "join_link" else appointment.start
        if deadline is not None and opens >= deadline:
            until = "ends" if message.template == "join_link" else "starts"
            return Drop(f"Now {window.describe_outside()}, which opens only after the visit {until}.")
        return Postpone(opens, f"Now {window.describe_outside()}: held until it opens.")
    breach = limits.breach(patient)
    if breach:
        return Drop(breach)
    spaced_until = limits.spacing(patient, message)
    if spaced_until is not None:
        gap = f"{caps.TEXT_SPACING.total_seconds() / 60:.0f} minutes"
        if appointment is not None and spaced_until >= appointment.start:
            return Drop(f"Another text reached the patient less than {gap} ago, and the visit starts before the gap ends.")
        return Postpone(spaced_until, f"Another text reached the patient less than {gap} ago: held to keep them apart.")
    return Send(Channel.SMS, str(patient.phone))


def decide(message, *, patient, appointment, policy, now: dt.datetime, limits: caps.SendTimeLimits) -> Verdict:
    problem = appointment_problem(message, appointment, now=now)
    if problem is not None:
        return problem
    if message.channel == Channel.SMS:
        return _sms_verdict(message, patient, appointment, policy=policy, now=now, limits=limits)
    if is_staff_alert(message):
        return Send(Channel.EMAIL, message.to_address) if message.to_address else Drop("No email for the clinician.")
    if patient is None or not patient.email:
        return Drop("The patient has no email address.")
    return Send(Channel.EMAIL, patient.email)
