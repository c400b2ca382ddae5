"""Booking and moving appointments. Every function here runs in one transaction, takes its
locks through scheduling.services.placement (never double books), writes an AppointmentEvent
and tells the apps above scheduling (scheduling.hooks) before it commits."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone

from core.errors import Conflict, Forbidden, NotFound
from scheduling import hooks
from scheduling.availability import Slot
from scheduling.models import (
    Allocation,
    Appointment,
    AppointmentStatus as S,
    BookingChannel,
    Location,
    Modality,
    Patient,
    Service,
    StaffMember,
)
from scheduling.services.course_rules import ensure_move_keeps_spacing
from scheduling.services.events import record_event
from scheduling.services.locks import lock_appointment, lock_calendars
from scheduling.services.placement import place, SlotRequest, write_allocations
from scheduling.services.transitions import (
    actor_kind,
    apply_status,
    appointment_zone,
    ensure_patient_may_change,
    ensure_transition,
    is_patient,
)
from scheduling.timeutils import describe


def book_appointment(*, patient: Patient, service: Service, location: Location | None, start: datetime,
                     actor, staff: StaffMember | None = None, channel: str = BookingChannel.ONLINE,
                     staff_notes: str = "", override_reason: str = "", now: datetime | None = None,
                     planned: Slot | None = None) -> Appointment:
    """Book `start` for the patient. `location=None` is a video visit. The desk may override the
    booking rules (notice, horizon, online-only) with a recorded reason; conflicts never.
    `planned`: a plan of this start the caller already has (a course's search), verified under
    the locks like placement's own."""
    location = check_request(patient=patient, service=service, location=location, start=start, actor=actor,
                             override_reason=override_reason)
    now = now or timezone.now()
    request = SlotRequest(service=service, location=location, start=start, staff=staff, patient=patient,
                          enforce_booking_rules=not override_reason, by_staff=not is_patient(actor), planned=planned)

    def write(slot) -> Appointment:
        appointment = Appointment.objects.create(
            patient=patient, service=service, location=location, modality=modality_for(location),
            start=slot.start, end=slot.end, status=S.BOOKED, booked_by=actor if actor else None,
            channel=channel, staff_notes=staff_notes)
        write_allocations(appointment=appointment, slot=slot)
        record_event(appointment=appointment, action="booked", actor=actor, actor_kind=actor_kind(actor),
                     to_status=S.BOOKED, reason=override_reason,
                     data={"channel": channel, "override": bool(override_reason)})
        hooks.appointment_changed(appointment, action="booked", new=True)
        return appointment

    return place(request=request, now=now, write=write)


def convert_hold(*, hold: Appointment, patient: Patient, actor, channel: str = BookingChannel.ONLINE,
                 staff_notes: str = "", now: datetime | None = None) -> Appointment:
    """Book the time a live hold keeps. The hold's allocations already stand (the exclusion
    constraint accepted them), so nothing is re-planned: the hold becomes the booking, in place."""
    if hold.patient_id != patient.pk:
        raise NotFound(f"There is no hold {hold.pk} for this patient.", code="hold_not_found")
    # Read before the locks: while the hold is live (checked under them) nothing changes these rows.
    spans = list(Allocation.objects.filter(appointment_id=hold.pk)
                 .values_list("staff_id", "resource_id", "start", "end"))
    with transaction.atomic():
        # The same global order as placement: calendar hours, then the appointment.
        lock_calendars(spans=spans)
        hold = lock_appointment(appointment_id=hold.pk)
        now = max(now or timezone.now(), timezone.now())
        if hold.status == S.HELD and hold.hold_expires_at <= now:
            raise Conflict(
                f"Your hold on {describe(hold.start, appointment_zone(hold))} expired at "
                f"{describe(hold.hold_expires_at, appointment_zone(hold))}. Please choose the time again.",
                code="hold_expired")
        if hold.status != S.HELD:
            raise Conflict(f"This hold is no longer open (it is {hold.get_status_display().lower()}).",
                           code="hold_not_live", status_now=hold.status)
        Allocation.objects.filter(appointment_id=hold.pk).update(hold_expires_at=None)
        return apply_status(appointment=hold, to_status=S.BOOKED, action="booked", actor=actor,
                            data={"channel": channel, "from_hold": True},
                            fields={"booked_by": actor if actor else None, "channel": channel,
                                    "staff_notes": staff_notes or hold.staff_notes})


def reschedule_appointment(*, appointment: Appointment, start: datetime, actor,
                           location: Location | None | type[...] = ..., staff: StaffMember | None = None,
                           reason: str = "", override_reason: str = "", now: datetime | None = None) -> Appointment:
    """Move a booked visit: the new time is taken and the old one released in one transaction.
    The old row becomes `rescheduled` and points to the new one. If the new time cannot be had,
    nothing changes. `location=...` keeps the current place (or video)."""
    now = now or timezone.now()
    ensure_transition(appointment, S.RESCHEDULED)
    ensure_patient_may_change(appointment, actor=actor, now=now, verb="moved")
    target = appointment.location if location is ... else location
    target = check_request(patient=appointment.patient, service=appointment.service, location=target, start=start,
                           actor=actor, override_reason=override_reason)
    ensure_move_keeps_spacing(appointment=appointment, start=start)
    request = SlotRequest(service=appointment.service, location=target, start=start, staff=staff,
                          patient=appointment.patient, exclude_appointment_ids=(appointment.pk,),
                          enforce_booking_rules=not override_reason, by_staff=not is_patient(actor),
                          replaces=appointment.pk)

    def write(slot) -> Appointment:
        old = lock_appointment(appointment_id=appointment.pk)
        ensure_transition(old, S.RESCHEDULED)
        # Free the old time first: the new one may overlap it on the same chair.
        Allocation.objects.filter(appointment_id=old.pk).delete()
        new = Appointment.objects.create(
            patient=old.patient, service=old.service, location=target, modality=modality_for(target),
            start=slot.start, end=slot.end, status=S.BOOKED, booked_by=actor if actor else None,
            channel=old.channel, staff_notes=old.staff_notes)
        write_allocations(appointment=new, slot=slot)
        apply_status(appointment=old, to_status=S.RESCHEDULED, action="rescheduled", actor=actor,
                     reason=reason or override_reason,
                     data={"rescheduled_to": new.pk, "new_start": slot.start.isoformat(),
                           "override": bool(override_reason)},
                     fields={"rescheduled_to": new})
        record_event(appointment=new, action="booked", actor=actor, actor_kind=actor_kind(actor),
                     to_status=S.BOOKED, reason=reason or override_reason,
                     data={"rescheduled_from": old.pk, "old_start": old.start.isoformat(),
                           "override": bool(override_reason)})
        hooks.appointment_changed(new, action="booked", new=True)
        return new

    return place(request=request, now=now, write=write)


def check_request(*, patient: Patient, service: Service, location: Location | None, start: datetime, actor,
                  override_reason: str) -> Location | None:
    """Checks that need no calendar (the engine checks what is offered where), then the clinical
    gates (the apps above register them, scheduling.hooks), for every channel. A telehealth
    location means a video visit, stored without a location."""
    if override_reason and (actor is None or is_patient(actor)):
        raise Forbidden("Only the front desk may override booking rules.")
    if location is not None and location.is_virtual:
        location = None
    hooks.check_booking(patient=patient, service=service, location=location, start=start, actor=actor,
                        override_reason=override_reason)
    return location


def modality_for(location: Location | None) -> str:
    return Modality.VIDEO if location is None else Modality.IN_PERSON
