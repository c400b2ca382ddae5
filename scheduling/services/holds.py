"""Holds: a few minutes on the calendar while the patient finishes booking.

A hold is an Appointment in status `held` with `hold_expires_at`, and Allocation rows carrying
the same expiry. Correctness never waits for a job: the engine treats a lapsed hold as free, and
the booking service expires the lapsed holds it collides with under its locks. The periodic
housekeeping.expire_lapsed_holds only tidies statuses for people reading the calendar."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.utils import timezone

from scheduling import hooks
from scheduling.models import (
    Appointment,
    AppointmentStatus as S,
    BookingChannel,
    Location,
    Patient,
    Service,
    StaffMember,
)
from scheduling.services.booking import check_request, modality_for
from scheduling.services.events import record_event
from scheduling.services.placement import place, SlotRequest, write_allocations
from scheduling.services.transitions import actor_kind, is_patient


def hold_slot(*, patient: Patient, service: Service, location: Location | None, start: datetime, actor,
              staff: StaffMember | None = None, channel: str = BookingChannel.ONLINE,
              minutes: int | None = None, now: datetime | None = None) -> Appointment:
    """Reserve `start` for HOLD_MINUTES (a setting). The same rules as a booking apply: a hold
    is a promise that the booking will go through."""
    location = check_request(patient=patient, service=service, location=location, start=start, actor=actor,
                             override_reason="")
    now = now or timezone.now()
    expires_at = now + timedelta(minutes=minutes or settings.HOLD_MINUTES)
    request = SlotRequest(service=service, location=location, start=start, staff=staff, patient=patient,
                          by_staff=not is_patient(actor))

    def write(slot) -> Appointment:
        hold = Appointment.objects.create(
            patient=patient, service=service, location=location, modality=modality_for(location),
            start=slot.start, end=slot.end, status=S.HELD, hold_expires_at=expires_at,
            booked_by=actor if actor else None, channel=channel)
        write_allocations(appointment=hold, slot=slot, hold_expires_at=expires_at)
        record_event(appointment=hold, action="held", actor=actor, actor_kind=actor_kind(actor), to_status=S.HELD,
                     data={"hold_expires_at": expires_at.isoformat()})
        hooks.appointment_changed(hold, action="held", new=True)
        return hold

    return place(request=request, now=now, write=write)
