"""Celery tasks: thin wrappers over dispatch.py and sending.py.

Every task is safe to run twice (acks_late redelivers after a worker dies): a batch only acts on
rows still claimed by its attempt id and not yet handed to the provider.
"""

from __future__ import annotations

from dataclasses import asdict

from celery import shared_task
from django.core.cache import cache
from django.utils import timezone

from notifications import dispatch, sending

# A dispatch run that stopped at its in-flight limit runs again this soon, instead of waiting
# for the next beat; one follow-up at a time.
FOLLOW_UP_SECONDS = 2


@shared_task(name="notifications.dispatch_due_messages")
def dispatch_due_messages() -> dict:
    report = dispatch.dispatch_due(enqueue=enqueue_batch)
    if report.at_limit and cache.add("notifications:dispatch-follow-up", 1, timeout=FOLLOW_UP_SECONDS):
        dispatch_due_messages.apply_async(countdown=FOLLOW_UP_SECONDS)
    return asdict(report)


def enqueue_batch(message_ids: list[int], attempt_id: str) -> None:
    send_messages.delay(message_ids, attempt_id)


@shared_task(name="notifications.send_messages", acks_late=True)
def send_messages(message_ids: list[int], attempt_id: str) -> dict:
    return dict(sending.deliver_batch(message_ids=message_ids, attempt_id=attempt_id))


@shared_task(name="notifications.send_now", acks_late=True)
def send_now(message_ids: list[int]) -> dict:
    """Rows due now (a reply, a cancellation notice): claim exactly these and send them."""
    attempt_id, claimed = dispatch.claim_due(now=timezone.now(), limit=len(message_ids), message_ids=message_ids)
    if not claimed:
        return {}
    return dict(sending.deliver_batch(message_ids=claimed, attempt_id=attempt_id))
