"""Housekeeping that correctness never waits for: run by Celery beat, safe to run late or twice.

Lapsed holds already count as free (the engine ignores them, bookings expire the ones they
collide with); this only tidies their status for people reading the calendar."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from scheduling.models import Allocation, Appointment, AppointmentStatus
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

