"""The dispatcher: a loop over due outbox rows, run by Celery beat every ~30 s.

Claiming is a short transaction: `SELECT ... FOR UPDATE SKIP LOCKED` picks due rows no other
dispatcher is claiming, and a compare-and-set `UPDATE ... WHERE status = 'planned'` marks them
`sending` with a fresh attempt id (on SQLite, where there are no row locks, the IMMEDIATE
transaction plus the compare-and-set do the same). Two dispatchers never claim one row. Each
claim is handed to a worker task as one batch; the task runs sending.deliver_batch.

Nothing waits in Celery with an ETA: a row that is not due stays in the table, so a lost or
restarted broker delays messages by at most one beat and loses none.

Reconciliation repairs what crashes leave behind (see sending.py for the two transactions):
- claimed but never started (the task was lost): back to `planned` after NOTIFY_CLAIM_TIMEOUT;
  a late copy of the task then finds another attempt id and does nothing;
- handed to the provider with no recorded outcome (the worker died mid-call): the provider is
  asked whether the text exists; found -> `sent`, not found -> sent again, and where the
  channel cannot be asked -> `failed` for the front desk rather than risk a second copy.
"""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from notifications.channels.sms import get_sms_backend, SmsError
from notifications.models import Channel, MessageStatus as M, MessagingPolicy, OutboundMessage

logger = logging.getLogger(__name__)

# The provider's clock and ours may differ a little when matching a look-up.
LOOKUP_SKEW = dt.timedelta(minutes=1)
RECONCILE_LIMIT = 200


@dataclass
class DispatchReport:
    claimed: int = 0
    batches: int = 0
    reclaimed: int = 0  # stale claims put back to planned
    settled: int = 0  # interrupted sends the provider confirmed
    resent: int = 0  # interrupted sends the provider never got: planned again
    unknown: int = 0  # interrupted sends nobody can confirm: failed, for a person
    at_limit: bool = False  # stopped at max_in_flight with rows possibly still due


def claim_due(*, now: dt.datetime, limit: int, message_ids: list[int] | None = None) -> tuple[str, list[int]]:
    """Claim up to `limit` due rows for one attempt. Returns (attempt id, claimed row ids)."""
    attempt_id = str(uuid.uuid4())
    with transaction.atomic():
        due = OutboundMessage.objects.filter(status=M.PLANNED, next_attempt_at__lte=now)
        if message_ids is not None:
            due = due.filter(pk__in=message_ids)
        candidates = list(due.order_by("next_attempt_at", "pk").select_for_update(skip_locked=True)
                          .values_list("pk", flat=True)[:limit])
        if not candidates:
            return attempt_id, []
        changed = OutboundMessage.objects.filter(pk__in=candidates, status=M.PLANNED).update(
            status=M.SENDING, attempt_id=attempt_id, claimed_at=now, updated_at=now)
    if changed == len(candidates):
        return attempt_id, candidates
    return attempt_id, list(OutboundMessage.objects.filter(pk__in=candidates, attempt_id=attempt_id)
                            .order_by("next_attempt_at", "pk").values_list("pk", flat=True))


def release_claim(*, message_ids: list[int], attempt_id: str, until: dt.datetime, reason: str) -> int:
    """Give back rows of a claim that were not started (e.g. the provider is down)."""
    return OutboundMessage.objects.filter(
        pk__in=message_ids, status=M.SENDING, attempt_id=attempt_id, handed_off_at__isnull=True,
    ).update(status=M.PLANNED, attempt_id=None, claimed_at=None, next_attempt_at=until, status_reason=reason[:300],
             updated_at=timezone.now())


def dispatch_due(*, enqueue: Callable[[list[int], str], None], now: dt.datetime | None = None,
                 batch_size: int | None = None, max_in_flight: int | None = None) -> DispatchReport:
    """Reconcile, then claim due rows batch by batch and enqueue each batch, keeping at most
    `max_in_flight` rows claimed-but-unfinished so none waits in the queue past the claim timeout."""
    now = now or timezone.now()
    batch_size = batch_size or settings.NOTIFY_BATCH_SIZE
    max_in_flight = max_in_flight or settings.NOTIFY_MAX_IN_FLIGHT
    report = reconcile(now=now)
    in_flight = OutboundMessage.objects.filter(status=M.SENDING).count()
    while True:
        if in_flight >= max_in_flight:
            report.at_limit = True
            break
        attempt_id, claimed = claim_due(now=now, limit=min(batch_size, max_in_flight - in_flight))
        if not claimed:
            break
        try:
            enqueue(claimed, attempt_id)
        except Exception:
            release_claim(message_ids=claimed, attempt_id=attempt_id, until=now,
                          reason="The task queue was unavailable; planned again.")
            logger.exception("Could not enqueue %d claimed messages; released them", len(claimed))
            break
        report.claimed += len(claimed)
        report.batches += 1
        in_flight += len(claimed)
    return report


def reconcile(*, now: dt.datetime) -> DispatchReport:
    report = DispatchReport()
    claim_deadline = now - dt.timedelta(seconds=settings.NOTIFY_CLAIM_TIMEOUT_SECONDS)
    with transaction.atomic():
        stale = list(OutboundMessage.objects.filter(status=M.SENDING, handed_off_at__isnull=True,
                                                    claimed_at__lt=claim_deadline)
                     .select_for_update(skip_locked=True).values_list("pk", flat=True)[:RECONCILE_LIMIT * 5])
        if stale:
            report.reclaimed = OutboundMessage.objects.filter(
                pk__in=stale, status=M.SENDING, handed_off_at__isnull=True).update(
                status=M.PLANNED, attempt_id=None, claimed_at=None, updated_at=now,
                status_reason="Claimed but not picked up in time; planned again.")
    handoff_deadline = now - dt.timedelta(seconds=settings.NOTIFY_HANDOFF_TIMEOUT_SECONDS)
    interrupted = list(OutboundMessage.objects.filter(status=M.SENDING, handed_off_at__lt=handoff_deadline)
                       .order_by("handed_off_at").values_list("pk", flat=True)[:RECONCILE_LIMIT])
    if interrupted:
        policy = MessagingPolicy.current()
        backend = get_sms_backend()
        for pk in interrupted:
            outcome = _settle(pk, deadline=handoff_deadline, backend=backend, policy=policy, now=now)
            if outcome:
                setattr(report, outcome, getattr(report, outcome) + 1)
    return report


def _settle(pk: int, *, deadline: dt.datetime, backend, policy, now: dt.datetime) -> str | None:
    with transaction.atomic():
        message = (OutboundMessage.objects.select_for_update(skip_locked=True)
                   .filter(pk=pk, status=M.SENDING, handed_off_at__lt=deadline).first())
        if message is None:
            return None  # a worker holds it right now, or it was settled meanwhile
        if message.channel != Channel.SMS or not backend.can_look_up:
            message.status = M.FAILED
            message.status_reason = ("Interrupted while handing the message to the provider, which cannot be asked "
                                     "whether it arrived; not resent, so it is never sent twice. Check with the patient.")
            message.save()
            return "unknown"
        known = OutboundMessage.objects.filter(to_address=message.to_address).exclude(provider_id="")
        try:
            found = backend.find_sent(to=message.to_address, body=message.body,
                                      since=message.handed_off_at - LOOKUP_SKEW,
                                      exclude_ids=frozenset(known.values_list("provider_id", flat=True)))
        except SmsError:
            logger.warning("Could not ask the provider about message %s; will try again", pk, exc_info=True)
            return None
        if found is not None:
            message.status, message.provider_id = M.SENT, found.provider_id
            message.provider_status = message.provider_status or found.status
            message.sent_at = message.sent_at or message.handed_off_at
            message.status_reason = "Interrupted mid-send; the provider confirms it has the message."
            message.save()
            return "settled"
        message.handed_off_at = None
        message.attempt_id = None
        message.claimed_at = None
        if message.attempts >= policy.max_attempts:
            message.status = M.FAILED
            message.status_reason = f"Interrupted {message.attempts} times; gave up."
        else:
            message.status, message.next_attempt_at = M.PLANNED, now
            message.status_reason = "Interrupted mid-send and not found at the provider; sending again."
        message.save()
        return "resent"
