"""Freed time, found where it frees: scheduling's appointment-changed hook runs inside the
transaction that cancels, moves or expires a visit or hold, so the `FreedTime` row commits (or
rolls back) with the change. The matcher is asked once the transaction commits; a lost nudge is
picked up by the periodic sweep (tasks.py)."""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from scheduling.models import AppointmentStatus as S, Modality
from waitlist.models import FreedTime, Offer, OPEN_STATUSES, WaitlistEntry

logger = logging.getLogger(__name__)

# The changes after which the appointment no longer holds its time.
VIDEO_MODALITIES = (Modality.VIDEO, Modality.EITHER)
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


def record_time_freed(*, location, resource, staff, start: dt.datetime, end: dt.datetime, reason: str) -> None:
    """scheduling.hooks' listener for a block removed or hours added: one `FreedTime` row per
    service and place that someone on the list waits for (a site, or video when a clinician's
    time opened); the matcher then asks the engine what of the span is really bookable."""
    if location is not None:
        places = [location]
    elif resource is not None:
        places = [resource.location]
    else:
        places = [*staff.locations.filter(active=True, is_virtual=False), None]
    now = timezone.now()
    for place in places:
        if place is not None and place.is_virtual:
            place = None
        waiting = WaitlistEntry.objects.filter(status__in=OPEN_STATUSES)
        if place is None:
            waiting = waiting.filter(place__in=("video", "any"), service__modality__in=VIDEO_MODALITIES)
        else:
            waiting = waiting.filter(
                Q(place="location", location=place) | Q(place="any", service__locations=place)
            )
        for service_id in sorted(set(waiting.values_list("service_id", flat=True))):
            freed = FreedTime.objects.create(
                service_id=service_id,
                location=place,
                start=start,
                end=end,
                reason=reason,
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
