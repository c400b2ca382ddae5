"""Celery tasks: thin wrappers over matching.py and claiming.py. Each is safe to run twice."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.utils import timezone

from waitlist import claiming, matching
from waitlist.models import FreedTime, Offer, OfferStatus

# Freed time the sweep looks at again when its nudge may have been lost.
SWEEP_AFTER = dt.timedelta(seconds=20)


@shared_task(name="waitlist.match_freed_time", acks_late=True)
def match_freed_time(freed_id: int) -> int:
    return len(matching.match(freed_id))


@shared_task(name="waitlist.close_lapsed_offer", acks_late=True)
def close_lapsed_offer(offer_id: int) -> bool:
    return claiming.close_lapsed(offer_id=offer_id)


@shared_task(name="waitlist.sweep")
def sweep() -> dict:
    """Beat: close lapsed offers (moving on to the next candidate) and match freed time whose
    nudge was lost. Correctness never waits for this; only the next offer does."""
    now = timezone.now()
    closed = sum(
        claiming.close_lapsed(offer_id=pk, now=now)
        for pk in Offer.objects.filter(status=OfferStatus.SENT, expires_at__lte=now).values_list("pk", flat=True)[:200]
    )
    stale = FreedTime.objects.filter(
        status__in=(FreedTime.Status.OPEN, FreedTime.Status.OFFERED), start__gt=now, freed_at__lte=now - SWEEP_AFTER
    )
    stale = stale.exclude(matched_at__gt=now - SWEEP_AFTER).values_list("pk", flat=True)[:200]
    offered = sum(len(matching.match(pk, now=now)) for pk in stale)
    return {"closed": closed, "offered": offered}
