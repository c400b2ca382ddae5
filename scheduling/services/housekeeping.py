"""Housekeeping that correctness never waits for: run by Celery beat, safe to run late or twice.

Lapsed holds already count as free (the engine ignores them, bookings expire the ones they
collide with); this only tidies their status for people reading the calendar. Old
idempotency keys are already ignored past their TTL; this only keeps the table small."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from scheduling.models import Allocation, Appointment, AppointmentStatus, IdempotencyRecord
from scheduling.services.locks import lock_calendars
from scheduling.services.placement import expire_hold


def expire_lapsed_holds(*, now: datetime | None = None, batch: int = 500) -> int:
    """Mark lapsed holds expired and delete their allocations, each in its own short transaction
    taking the same locks, in the same order, as a booking; a hold converted meanwhile is left alone."""
    now = now or timezone.now()
    ids = list(Appointment.objects.filter(status=AppointmentStatus.HELD, hold_expires_at__lte=now)
               .order_by("pk").values_list("pk", flat=True)[:batch])
    expired = 0
    for appointment_id in ids:
        with transaction.atomic():
            lock_calendars(spans=Allocation.objects.filter(appointment_id=appointment_id)
                           .values_list("staff_id", "resource_id", "start", "end"))
            expired += expire_hold(appointment_id=appointment_id, now=now)
    return expired


def purge_idempotency_records(*, now: datetime | None = None) -> int:
    """Forget Idempotency-Keys older than IDEMPOTENCY_KEY_TTL_HOURS."""
    cutoff = (now or timezone.now()) - timedelta(hours=settings.IDEMPOTENCY_KEY_TTL_HOURS)
    deleted, _ = IdempotencyRecord.objects.filter(created_at__lt=cutoff).delete()
    return deleted
