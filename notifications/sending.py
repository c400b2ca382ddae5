"""Sending claimed messages, each exactly once or not at all.

A worker owns the rows one claim took (status `sending`, the claim's `attempt_id`) and takes
them through two kinds of short transaction:

1. Decide, once for the batch: under the patients' locks and the rows' locks, check everything
   again (send_checks), render each body, and record `handed_off_at`, committed *before* any
   provider is called. From here on a crash leaves evidence that a message may have gone out.
2. Send, per group of a few messages: re-lock the rows, re-read each appointment, call the
   provider while holding the row lock, record the outcome. A cancellation that commits
   meanwhile has to update the row to supersede it, so it waits for us: the text either went
   out before the cancel committed (and the cancellation notice follows) or it is never sent.

A redelivered task (Celery's acks_late after a worker died) finds `handed_off_at` set and
leaves the row to the dispatcher's reconciliation, which asks the provider whether the message
exists before sending it again (dispatch.py). We chose "at most once, then look it up" over
"at least once": a duplicate reminder can be worse for a patient who cancelled than a late one,
and the look-up closes the gap that "at most once" alone would leave. For the same reason the
"sent" mark may be committed asynchronously on PostgreSQL: if the server loses it, the row is
back to "handed off" and the look-up finds the message.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import Counter
from collections.abc import Callable

from celery.exceptions import SoftTimeLimitExceeded
from django.db import connection, DatabaseError, transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from notifications import caps, places, plans, send_checks
from notifications.channels.email import attachments_for, EmailError, send_email
from notifications.channels.sms import get_sms_backend, SmsBackend, SmsError
from notifications.channels.twilio import UNSUBSCRIBED_CODE
from notifications.models import Channel, MessageStatus as M, MessagingPolicy, OutboundMessage
from notifications.rendering import build_context, message_context, MessageTooLong, public_url, render_email, render_sms
from scheduling.services.locks import lock_patients

logger = logging.getLogger(__name__)

BACKOFF_BASE_SECONDS = 30
BACKOFF_MAX_SECONDS = 30 * 60
# Messages sent under one transaction: fewer round trips; a cancellation waits at most this many sends.
SEND_GROUP = 10
# Outcomes after which the rest of a batch is given back rather than tried against a provider in trouble.
TROUBLE = frozenset({"retry", "uncertain", "time_limit"})
_DECIDED_FIELDS = ["status", "status_reason", "next_attempt_at", "attempt_id", "claimed_at", "handed_off_at",
                   "attempts", "channel", "to_address", "subject", "body", "last_error", "updated_at"]
_SENT_FIELDS = ["status", "provider_id", "provider_status", "sent_at", "last_error", "updated_at"]


def backoff(attempts: int) -> dt.timedelta:
    """30 s, 1 min, 2 min, 4 min, ... capped at 30 min: the wait before try number attempts+1."""
    return dt.timedelta(seconds=min(BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0), BACKOFF_MAX_SECONDS))


def status_callback_url(message_id: int) -> str:
    return public_url(reverse("webhooks:sms-status")) + f"?m={message_id}"


def deliver_batch(*, message_ids: list[int], attempt_id: str) -> Counter:
    """Deliver the rows one claim took, in order. A group that fails unexpectedly leaves its
    rows handed off, for reconciliation; it must not stop the rest of the batch. A provider in
    trouble (a temporary error or no answer) does stop it: the rows not yet sent go back to
    `planned` for a later claim instead of each waiting out the same timeout."""
    policy = MessagingPolicy.current()
    attempt_id = str(attempt_id)
    ready, outcomes = decide(message_ids=message_ids, attempt_id=attempt_id, policy=policy)
    backend: list[SmsBackend] = []
    for start in range(0, len(ready), SEND_GROUP):
        sent, stop = send_group(ready[start:start + SEND_GROUP], attempt_id=attempt_id, policy=policy,
                                backend_cache=backend)
        outcomes += sent
        if stop:
            outcomes["released"] += _give_back(ready[start + SEND_GROUP:], attempt_id=attempt_id)
            break
    return outcomes


# --- 1. Decide -------------------------------------------------------------------------------

def decide(*, message_ids: list[int], attempt_id: str, policy) -> tuple[list[tuple[int, dt.datetime]], Counter]:
    """Check and render the claimed rows; return the ones handed off (id, handed_off_at) and
    the outcome of the others."""
    outcomes: Counter = Counter()
    ready: list[tuple[int, dt.datetime]] = []
    with transaction.atomic():
        owners = dict(OutboundMessage.objects.filter(pk__in=message_ids).values_list("pk", "patient_id"))
        lock_patients(owners.values())
        messages = {m.pk: m for m in _locked(message_ids, full=True)}
        now = timezone.now()
        limits = caps.SendTimeLimits(patients=[m.patient for m in messages.values() if m.patient_id],
                                     policy=policy, now=now)
        several_sites = _once(places.clinic_has_several_sites)  # asked once a batch, if a text names a place
        changed = []
        for message_id in message_ids:
            message = messages.get(message_id)
            outcome = _skip_reason(message, attempt_id)
            if outcome is None:
                outcome = _decide_guarded(message, policy=policy, limits=limits, now=now, several_sites=several_sites)
                changed.append(message)
                if outcome == "handed_off":
                    ready.append((message.pk, now))
                    continue
            outcomes[outcome] += 1
        OutboundMessage.objects.bulk_update(changed, _DECIDED_FIELDS)
    return ready, outcomes


def _locked(message_ids: list[int], *, full: bool):
    """The rows under their locks, in id order, with what the checks read joined in (only the
    outbox rows are locked: the booking service owns the appointment's lock)."""
    related = ("patient", "appointment__service", "appointment__location") if full else ("appointment",)
    return (OutboundMessage.objects.select_for_update(of=("self",)).select_related(*related)
            .filter(pk__in=message_ids).order_by("pk"))


def _skip_reason(message, attempt_id: str) -> str | None:
    if message is None:
        return "missing"
    if message.status != M.SENDING or str(message.attempt_id) != attempt_id:
        return "not_claimed"  # reclaimed after a timeout, or superseded by a booking change
    if message.handed_off_at is not None:
        return "awaiting_reconciliation"  # a crashed run handed it off: only a look-up may resend
    return None


def _decide_guarded(message, *, policy, limits, now: dt.datetime, several_sites: Callable[[], bool]) -> str:
    """One row's decision; a bug in preparing one message (a template, say) fails that message
    for a person instead of sending the whole batch round the claim timeout for ever. A database
    error spoils the transaction, so that one is raised and the batch is retried."""
    try:
        return _decide_one(message, policy=policy, limits=limits, now=now, several_sites=several_sites)
    except DatabaseError:
        raise
    except Exception as exc:  # noqa: BLE001 - recorded on the row and logged with its id
        logger.exception("Preparing message %s failed", message.pk)
        message.status, message.updated_at = M.FAILED, now
        message.last_error = f"Could not prepare the message ({exc.__class__.__name__}: {exc})"[:300]
        return "failed"


def _decide_one(message, *, policy, limits, now: dt.datetime, several_sites: Callable[[], bool]) -> str:
    patient, appointment = message.patient, message.appointment
    if appointment is not None and patient is not None:
        appointment.patient = patient  # the same row; saves a query for video visits' zone
    verdict = send_checks.decide(message, patient=patient, appointment=appointment, policy=policy, now=now,
                                 limits=limits)
    message.updated_at = now
    if not isinstance(verdict, send_checks.Send):
        _release(message, verdict)
        return type(verdict).__name__.lower()
    # Why it waited (a window, a retry, a limit) is over once it goes; only a change of channel is news.
    message.status_reason = ""
    if verdict.channel != message.channel:
        message.status_reason = f"Sent by email instead of text: {message.channel} was not possible."
        message.channel = verdict.channel
    try:
        _render(message, patient=patient, appointment=appointment, policy=policy, several_sites=several_sites)
    except MessageTooLong as exc:
        message.status, message.last_error = M.FAILED, str(exc)[:300]
        return "failed"
    message.to_address = verdict.to
    message.handed_off_at = now
    message.attempts += 1
    if message.channel == Channel.SMS and patient is not None and not send_checks.is_reply(message):
        limits.record(patient)
    return "handed_off"


def _release(message, verdict) -> None:
    if isinstance(verdict, send_checks.Postpone):
        message.status, message.next_attempt_at = M.PLANNED, verdict.until
    else:
        message.status = M.SUPERSEDED if isinstance(verdict, send_checks.Supersede) else M.DROPPED
    message.status_reason = verdict.reason[:300]
    message.attempt_id = None
    message.claimed_at = None
    message.handed_off_at = None


def _render(message, *, patient, appointment, policy, several_sites: Callable[[], bool]) -> None:
    language = message.language if message.language in ("en", "es") else "en"
    prep = False
    if appointment is not None and message.channel == Channel.EMAIL:
        prep = any(step.prep for step in plans.steps_for_service(appointment.service_id) if step.key == message.kind)
    context = build_context(patient=patient if patient is not None else _Anonymous(), appointment=appointment,
                            policy=policy, language=language, step_prep=prep)
    site_changed = False
    if appointment is not None and message.template == "confirmation":
        # What the patient heard of before: this visit at another time, or the visit it replaced.
        heard = set(OutboundMessage.objects.filter(
            Q(appointment_id=appointment.pk) | Q(appointment__rescheduled_to=appointment.pk),
            status__in=(M.SENT, M.DELIVERED)).exclude(planned_for_start=appointment.start)
            .values_list("appointment_id", "appointment__location_id").distinct())
        context["moved"] = bool(heard)
        site_changed = any(pk != appointment.pk and location_id != appointment.location_id
                           for pk, location_id in heard)
    if appointment is not None and message.template in places.PLACE_TEMPLATES and (site_changed or several_sites()):
        context["place"] = places.phrase(appointment.location if appointment.location_id else None, language=language)
    context.update(message_context(message))
    if message.channel == Channel.SMS:
        message.subject, message.body = "", render_sms(template=message.template, language=language, context=context)
    else:
        rendered = render_email(template=message.template, language=language, context=context)
        message.subject, message.body = rendered.subject[:200], rendered.body


def _once(compute: Callable[[], bool]) -> Callable[[], bool]:
    known: list[bool] = []

    def value() -> bool:
        if not known:
            known.append(compute())
        return known[0]

    return value


class _Anonymous:
    """The sender of a text from a number we do not know (a reply still names the clinic)."""

    preferred_name = ""
    legal_first_name = ""


def _give_back(rest: list[tuple[int, dt.datetime]], *, attempt_id: str) -> int:
    """Rows this worker handed off but never transmitted: nothing went out, so they may simply
    be planned again (compare-and-set on the claim, in case reconciliation got there first)."""
    return OutboundMessage.objects.filter(
        pk__in=[message_id for message_id, _ in rest], status=M.SENDING, attempt_id=attempt_id,
    ).update(status=M.PLANNED, attempt_id=None, claimed_at=None, handed_off_at=None,
             next_attempt_at=timezone.now() + backoff(1), status_reason="The provider was in trouble; planned again.",
             updated_at=timezone.now())


# --- 2. Send ---------------------------------------------------------------------------------

def send_group(group: list[tuple[int, dt.datetime]], *, attempt_id: str, policy, backend_cache: list
               ) -> tuple[Counter, bool]:
    """Send a few handed-off messages in one transaction that holds their row locks from before
    each provider call until its outcome is recorded. Returns the outcomes and whether the
    provider is in trouble. If the transaction fails, every row of the group stays handed off
    and reconciliation asks the provider about each: none is lost or sent twice."""
    outcomes: Counter = Counter()
    try:
        with transaction.atomic():
            if connection.vendor == "postgresql":
                # A session setting, which the ORM has no call for; why it is safe: the docstring above.
                with connection.cursor() as cursor:
                    cursor.execute("SET LOCAL synchronous_commit TO OFF")
            messages = {m.pk: m for m in _locked([message_id for message_id, _ in group], full=False)}
            sent: list[OutboundMessage] = []
            for index, (message_id, handed_off_at) in enumerate(group):
                outcome = _send_one(messages.get(message_id), attempt_id=attempt_id, handed_off_at=handed_off_at,
                                    policy=policy, backend_cache=backend_cache, sent=sent)
                outcomes[outcome] += 1
                if outcome in TROUBLE:
                    OutboundMessage.objects.bulk_update(sent, _SENT_FIELDS)
                    outcomes["released"] += _give_back(group[index + 1:], attempt_id=attempt_id)
                    return outcomes, True
            OutboundMessage.objects.bulk_update(sent, _SENT_FIELDS)
    except SoftTimeLimitExceeded:
        outcomes["time_limit"] += 1
        return outcomes, True
    except Exception:  # noqa: BLE001 - logged with the row ids; reconciliation picks the rows up
        logger.exception("Sending messages %s failed unexpectedly", [message_id for message_id, _ in group])
        outcomes["error"] += 1
    return outcomes, False


def send(*, message_id: int, attempt_id: str, handed_off_at: dt.datetime, policy, backend_cache: list) -> str:
    """Send one handed-off message (a group of one)."""
    outcomes, _ = send_group([(message_id, handed_off_at)], attempt_id=attempt_id, policy=policy,
                             backend_cache=backend_cache)
    return next(iter(outcomes))


def _send_one(message, *, attempt_id: str, handed_off_at: dt.datetime, policy, backend_cache: list,
              sent: list) -> str:
    """Send one row; a success is appended to `sent` (written with the group), anything else is
    saved at once."""
    if (message is None or message.status != M.SENDING or str(message.attempt_id) != attempt_id
            or message.handed_off_at != handed_off_at):
        return "changed_before_send"
    now = timezone.now()
    problem = send_checks.appointment_problem(message, message.appointment, now=now)
    if problem is not None:
        _release(message, problem)
        message.save()
        return type(problem).__name__.lower()
    try:
        provider_id, provider_status = _transmit(message, backend_cache)
    except (SmsError, EmailError) as exc:
        return _record_failure(message, exc, appointment=message.appointment, policy=policy, now=now)
    message.status = M.SENT
    message.provider_id, message.provider_status = provider_id, provider_status
    message.sent_at = message.updated_at = timezone.now()
    message.last_error = ""
    sent.append(message)
    return "sent"


def _transmit(message, backend_cache: list) -> tuple[str, str]:
    if message.channel == Channel.EMAIL:
        result = send_email(to=message.to_address, subject=message.subject, body=message.body,
                            attachments=attachments_for(message))
        return result.provider_id, "sent"
    if not backend_cache:
        backend_cache.append(get_sms_backend())
    result = backend_cache[0].send(to=message.to_address, body=message.body,
                                   status_callback=status_callback_url(message.pk))
    return result.provider_id, result.status


def _record_failure(message, exc, *, appointment, policy, now: dt.datetime) -> str:
    message.last_error = str(exc)[:300]
    message.provider_error_code = getattr(exc, "provider_code", "")[:20]
    if exc.uncertain:
        # Keep `sending` + `handed_off_at`: reconciliation asks the provider before any resend.
        message.status_reason = "Outcome unknown: the provider is asked before any new attempt."
        message.save()
        return "uncertain"
    message.handed_off_at = None
    message.attempt_id = None
    message.claimed_at = None
    retry_at = now + backoff(message.attempts)
    deadline = None
    if appointment is not None and not send_checks.is_reply(message) and not send_checks.is_follow_up(message):
        deadline = appointment.end if message.template == "join_link" else appointment.start
    if exc.temporary and message.attempts < policy.max_attempts and (deadline is None or retry_at < deadline):
        message.status, message.next_attempt_at = M.PLANNED, retry_at
        message.status_reason = f"Temporary failure; try {message.attempts + 1} at {retry_at:%H:%M:%S}Z."
        message.save()
        return "retry"
    message.status = M.FAILED
    if not exc.temporary:
        message.status_reason = "The provider refused the message."
    elif deadline is not None and retry_at >= deadline:
        message.status_reason = "The provider was unavailable until the visit started."
    else:
        message.status_reason = f"Gave up after {message.attempts} attempts."
    message.save()
    if message.provider_error_code == UNSUBSCRIBED_CODE and message.patient_id:
        from notifications.consent import revoke_sms

        revoke_sms(patients=[message.patient], source="provider",
                   detail="The provider reports the number unsubscribed (error 21610).")
    return "failed"
