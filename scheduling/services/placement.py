"""Taking time on the calendar without ever double booking (docs/concurrency.md).

1. Plan without locks (scheduling.availability.plan_slot): which staff and resources the visit
   would take.
2. In the transaction, lock the calendar hours of exactly those staff members and resources
   (scheduling.services.locks), in key order.
3. Verify under the locks: read their allocations over what the plan gives them (one query;
   whoever booked there before us has committed) and check the plan still fits by the
   engine's rules.
   If not, roll back (releasing the locks) and plan again: the engine then names what is taken
   or picks another chair. The last attempt locks every candidate of the needed roles and
   kinds first and plans under those locks, so it cannot be overtaken.
4. Lock the appointments it changes (lapsed holds in the way, the visit a reschedule replaces)
   and then the patients' locks, in primary-key order; refuse a visit that overlaps another of
   the patient's (scheduling.services.patient_overlap); expire those holds; insert.
The PostgreSQL exclusion constraint is the last line of defence: if it ever fires, the
violation becomes the same 409 as a lost race. Shared nurse capacity has no constraint; it is
checked by step 3 under the nurse's hour locks, which every booking that uses her then takes.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import NamedTuple

from django.db import IntegrityError, OperationalError, transaction
from django.db.models import Q

from core.errors import Conflict, Unprocessable
from scheduling.availability import plan_slot, Slot, SlotUnavailable
from scheduling.availability.intervals import below_capacity, covers
from scheduling.models import (
    Allocation,
    Appointment,
    AppointmentStatus,
    Location,
    Patient,
    Resource,
    Service,
    StaffMember,
)
from scheduling.services.locks import lock_appointment, lock_appointments, lock_calendars, lock_patients
from scheduling.services.patient_overlap import ensure_patient_free
from scheduling.services.transitions import apply_status
from scheduling.timeutils import describe_range, zone

# Engine reasons that mean "someone else has this time": a 409. Every other reason is a rule
# or a request that cannot be met at all: a 422.
TAKEN_CODES = frozenset({"taken", "capacity"})
ATTEMPTS = 3
EXCLUSION_VIOLATION = "23P01"
DEADLOCK_DETECTED = "40P01"


@dataclass(frozen=True)
class SlotRequest:
    service: Service
    location: Location | None
    start: datetime
    staff: StaffMember | None = None
    patient: Patient | None = None
    exclude_appointment_ids: Collection[int] = field(default_factory=tuple)
    enforce_booking_rules: bool = True
    by_staff: bool = False
    # The appointment a reschedule replaces: locked with the lapsed holds, in one ordered batch.
    replaces: int | None = None
    # A plan of this start the caller already made (a course's search over find_slots): used as
    # the first attempt's plan and verified under the locks like any other.
    planned: Slot | None = None


class _PlanMoved(Exception):
    """Since the plan was made, someone took part of it: plan again."""


def place(*, request: SlotRequest, now: datetime, write: Callable[..., Appointment]) -> Appointment:
    """Plan, lock, verify, then `write(slot)` inside the locked transaction; return what it wrote."""
    for attempt in range(ATTEMPTS):
        last = attempt == ATTEMPTS - 1
        reuse = attempt == 0 and request.planned is not None and request.planned.start == request.start
        planned = None if last else request.planned if reuse else plan(request=request, now=now)
        try:
            with transaction.atomic():
                if last:
                    candidates = candidate_spans(request)
                    lock_calendars(spans=candidates)
                    slot = plan(request=request, now=now)  # nothing it can use changes until we commit
                    if not covered(slot, candidates):
                        raise _PlanMoved  # planned on a set-up older than the locks' (a role or site changed)
                else:
                    slot = planned
                    lock_calendars(spans=assignment_spans(slot))
                rows = rows_in_the_way(slot=slot, exclude_appointment_ids=request.exclude_appointment_ids)
                live = [r for r in rows if r.hold_expires_at is None or r.hold_expires_at > now]
                if not still_free(slot=slot, live=live):
                    raise _PlanMoved
                lapsed = sorted({r.appointment_id for r in rows if r.hold_expires_at and r.hold_expires_at <= now})
                locked = lock_appointments(ids=[*lapsed, *([request.replaces] if request.replaces else [])])
                patients = {a.patient_id for a in locked} | ({request.patient.pk} if request.patient else set())
                lock_patients(patients)
                if request.patient is not None:
                    ensure_patient_free(patient=request.patient, start=slot.start, end=slot.end, now=now,
                                        exclude_appointment_ids=request.exclude_appointment_ids,
                                        by_staff=request.by_staff)
                for hold_id in lapsed:
                    expire_hold(appointment_id=hold_id, now=now)
                return write(slot)
        except _PlanMoved:
            continue
        except OperationalError as exc:
            # Not expected with the ordered locks; if PostgreSQL ever picks us as a deadlock
            # victim, the attempt was rolled back whole and is simply tried again.
            if getattr(exc.__cause__, "sqlstate", None) != DEADLOCK_DETECTED or last:
                raise
            continue
        except IntegrityError as exc:
            if getattr(exc.__cause__, "sqlstate", None) != EXCLUSION_VIOLATION:
                raise
            raise Conflict(describe_taken(request=request, slot=slot), code="slot_taken") from None
    raise Conflict("That time was just taken by someone else. Please choose another.", code="slot_taken")


def covered(slot, spans) -> bool:
    """Whether every staff member and resource of the slot is among those `spans` locked."""
    staff = {staff_id for staff_id, _, _, _ in spans if staff_id}
    resources = {resource_id for _, resource_id, _, _ in spans if resource_id}
    return all((a.staff_id in staff) if a.staff_id else (a.resource_id in resources) for a in slot.assignments)


def assignment_spans(slot) -> list[tuple[int | None, int | None, datetime, datetime]]:
    return [(a.staff_id, a.resource_id, a.start, a.end) for a in slot.assignments]


def plan(*, request: SlotRequest, now: datetime):
    service = request.service
    if request.by_staff and not service.bookable_online:
        # "Booked by staff only" binds patients. The desk books such a service under the same
        # notice, horizon and grid rules, without needing an override reason.
        service = copy.copy(service)
        service.bookable_online = True
    try:
        return plan_slot(service=service, location=request.location, start=request.start,
                         staff=request.staff, patient=request.patient, now=now,
                         exclude_appointment_ids=request.exclude_appointment_ids,
                         enforce_booking_rules=request.enforce_booking_rules, name_resources=request.by_staff)
    except SlotUnavailable as unavailable:
        if unavailable.code in TAKEN_CODES:
            raise Conflict(unavailable.detail, code="slot_taken", reason=unavailable.code) from None
        raise Unprocessable(unavailable.detail, code=unavailable.code) from None


def candidate_spans(request: SlotRequest) -> list[tuple[int | None, int | None, datetime, datetime]]:
    """Every staff member and resource that could serve this request, over the whole visit with
    its buffers: the locks of the last attempt, when the calendar kept changing under finer ones."""
    service = request.service
    phases = list(service.phases.all())
    lo = request.start - timedelta(minutes=service.buffer_before_minutes)
    hi = request.start + timedelta(minutes=sum(p.duration_minutes for p in phases) + service.buffer_after_minutes)
    roles = {p.staff_role for p in phases if p.staff_role}
    kinds = {p.resource_kind for p in phases if p.resource_kind}
    staff = [pk for pk, member_roles in StaffMember.objects.filter(active=True).values_list("pk", "roles")
             if roles & set(member_roles or ())]
    resources: list[int] = []
    if request.location is not None and kinds:
        resources = list(Resource.objects.filter(location=request.location, kind__in=kinds).values_list("pk", flat=True))
    return [(pk, None, lo, hi) for pk in staff] + [(None, pk, lo, hi) for pk in resources]


class HeldRow(NamedTuple):
    """An allocation as verification reads it, with its staff member's watch capacity."""

    appointment_id: int
    staff_id: int | None
    resource_id: int | None
    start: datetime
    end: datetime
    exclusive: bool
    share: int
    hold_expires_at: datetime | None
    watch_capacity: int | None


def rows_in_the_way(*, slot, exclude_appointment_ids: Collection[int] = ()) -> list[HeldRow]:
    """The allocations of each planned staff member and resource that overlap what the plan
    gives them, lapsed holds included: one query, read with those calendar hours locked."""
    if not slot.assignments:
        return []
    lo = min(a.start for a in slot.assignments)
    hi = max(a.end for a in slot.assignments)
    rows = Allocation.objects.filter(Q(staff_id__in=slot.staff_ids) | Q(resource_id__in=slot.resource_ids),
                                     start__lt=hi, end__gt=lo)
    if exclude_appointment_ids:
        rows = rows.exclude(appointment_id__in=list(exclude_appointment_ids))
    rows = [HeldRow(*row) for row in rows.values_list("appointment_id", "staff_id", "resource_id", "start", "end",
                                                      "exclusive", "share", "hold_expires_at", "staff__watch_capacity")]
    return [r for r in rows if any(_same_holder(r, a) and r.start < a.end and r.end > a.start
                                   for a in slot.assignments)]


def _same_holder(row: HeldRow, a) -> bool:
    return row.resource_id == a.resource_id if a.resource_id is not None else row.staff_id == a.staff_id


def still_free(*, slot, live: list[HeldRow]) -> bool:
    """Whether the planned assignments still fit beside the live allocations, by the engine's
    rules: a resource is held by one visit at a time; a staff member's hands-on (exclusive)
    phases do not overlap; the shares a nurse watches stay within her watch capacity."""
    for a in slot.assignments:
        if a.resource_id is not None:
            if any(r.resource_id == a.resource_id and r.start < a.end and r.end > a.start for r in live):
                return False
        elif a.exclusive:
            if any(r.staff_id == a.staff_id and r.exclusive and r.start < a.end and r.end > a.start for r in live):
                return False
        else:
            shared = [r for r in live if r.staff_id == a.staff_id and not r.exclusive]
            if not shared:
                continue  # nothing else is watched then: the plan already fitted her capacity
            loads = [(_epoch(r.start), _epoch(r.end), r.share) for r in shared]
            span = (_epoch(a.start), _epoch(a.end))
            if not covers(below_capacity(loads, shared[0].watch_capacity - a.share, [span]), *span):
                return False
    return True


def _epoch(instant: datetime) -> int:
    return int(instant.timestamp())


def expire_hold(*, appointment_id: int, now: datetime) -> bool:
    """Mark one lapsed hold expired and free its time; False if it was converted or is still live."""
    hold = lock_appointment(appointment_id=appointment_id)
    if hold.status != AppointmentStatus.HELD or hold.hold_expires_at > now:
        return False
    apply_status(appointment=hold, to_status=AppointmentStatus.EXPIRED, action="expired", actor=None,
                 reason="The hold lapsed before the booking was finished.")
    return True


def write_allocations(*, appointment: Appointment, slot, hold_expires_at: datetime | None = None) -> None:
    Allocation.objects.bulk_create([
        Allocation(appointment=appointment, phase_id=a.phase_id, staff_id=a.staff_id, resource_id=a.resource_id,
                   start=a.start, end=a.end, exclusive=a.exclusive, share=a.share, hold_expires_at=hold_expires_at)
        for a in slot.assignments])


def describe_taken(*, request: SlotRequest, slot) -> str:
    """Name what the constraint found in our way, the way the engine does: "Chair 3 is taken
    Mon 10 Mar 2025 10:15-11:45 MST" (the whole stretch that visit holds on it, on the site's
    clock or by video the patient's), chairs and rooms before people; a patient reads "The
    infusion chair" rather than its name."""
    exclusive = sorted((a for a in slot.assignments if a.exclusive), key=lambda a: a.resource_id is None)
    for a in exclusive:
        holder = Q(staff_id=a.staff_id) if a.staff_id else Q(resource_id=a.resource_id)
        clash = (Allocation.objects.filter(holder, exclusive=True, start__lt=a.end, end__gt=a.start)
                 .select_related("staff", "resource").order_by("start").first())
        if clash is None:
            continue
        rows = list(Allocation.objects.filter(holder, appointment_id=clash.appointment_id).values_list("start", "end"))
        lo, hi = min(r[0] for r in rows), max(r[1] for r in rows)
        if request.location is not None:
            tz = zone(request.location.time_zone)
        else:
            tz = zone(request.patient.time_zone if request.patient else clash.staff.time_zone)
        if clash.staff_id:
            name, verb = clash.staff.display_name, "is booked"
        else:
            name = clash.resource.name if request.by_staff else f"The {clash.resource.get_kind_display().lower()}"
            verb = "is taken"
        return f"{name} {verb} {describe_range(lo, hi, tz)}."
    return "That time was just taken by someone else. Please choose another."
