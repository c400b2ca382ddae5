"""Freed time, found where it frees: scheduling's appointment-changed hook runs inside the
transaction that cancels, moves or expires a visit or hold, so the `FreedTime` row commits (or
rolls back) with the change. The matcher is asked once the transaction commits; a lost nudge is
picked up by the periodic sweep (tasks.py)."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone

from scheduling.models import AppointmentStatus as S
from waitlist.models import FreedTime, Offer

logger = logging.getLogger(__name__)

# The changes after which the appointment no longer holds its time.
FREEING = {"cancelled": S.CANCELLED, "rescheduled": S.RESCHEDULED, "expired": S.EXPIRED}


def record_freed_time(*, appointment, action: str, new: bool, now: dt.datetime | None) -> None:
    """scheduling.hooks' listener. A hold the waitlist itself placed for an offer is ours to
    follow (claiming and expiry move on to the next candidate), so it is not freed time again."""
    if FREEING.get(action) != appointment.status:
        return
    now = now or timezone.now()
    if appointment.end <= now:
        return
    if Offer.objects.filter(hold_id=appointment.pk).exists():
        return
    freed = FreedTime.objects.create(
        service_id=appointment.service_id,
        location_id=appointment.location_id,
        start=appointment.start,
        end=appointment.end,
        source=appointment,
        reason=action,
        freed_at=now,
    )
    match_on_commit(freed.pk)


def match_on_commit(freed_id: int) -> None:
    def nudge() -> None:
        from waitlist.tasks import match_freed_time

        try:
            match_freed_time.delay(freed_id)
        except Exception:  # noqa: BLE001 - the broker being down must not fail a committed cancellation
            logger.warning("Could not queue matching of freed time %s; the sweep will.", freed_id, exc_info=True)

    transaction.on_commit(nudge)
