"""Today's floor board: for each chair and room at a location, who is in it, which phase of the
visit they are in, how long is left, and what is due next.

The phase comes from the service's phases laid end to end from the visit's start (set-up 15,
infusion 40, recovery 30), which is also how its allocations were written. What is due follows
one rule for dosing visits, written here: vitals 40 minutes after the first phase (set-up or
dosing) ends, and the discharge check when the last phase ends. A visit still checked in after
its end shows its discharge check as overdue, so nobody is forgotten in a chair.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from scheduling import timeutils
from scheduling.models import Allocation, Appointment, AppointmentStatus as S, Location, Phase, Resource
from web import formatting

VITALS_AFTER_FIRST_PHASE = dt.timedelta(minutes=40)
# A check stays "due now" this long after its time before the board moves on to the next one.
DUE_GRACE = dt.timedelta(minutes=5)
OCCUPYING = (S.BOOKED, S.CHECKED_IN)


@dataclass(frozen=True)
class PhaseNow:
    name: str
    ends_at: dt.datetime
    minutes_left: int


@dataclass(frozen=True)
class Due:
    what: str
    at: dt.datetime
    minutes: int  # from now; negative when overdue


@dataclass
class Bay:
    resource: Resource
    appointment: Appointment | None = None
    checked_in: bool = False
    phase: PhaseNow | None = None
    visit_minutes_left: int = 0
    due: Due | None = None
    next_appointment: Appointment | None = None
    next_label: str = ""

    @property
    def state(self) -> str:
        if self.appointment is None:
            return "free"
        return "in_use" if self.checked_in else "expected"


def phase_timeline(appointment: Appointment, phases: list[Phase]) -> list[tuple[Phase, dt.datetime, dt.datetime]]:
    timeline, at = [], appointment.start
    for phase in phases:
        end = at + dt.timedelta(minutes=phase.duration_minutes)
        timeline.append((phase, at, end))
        at = end
    return timeline


def current_phase(appointment: Appointment, phases: list[Phase], now: dt.datetime) -> PhaseNow | None:
    timeline = phase_timeline(appointment, phases)
    for phase, start, end in timeline:
        if start <= now < end:
            return PhaseNow(phase.name, end, _minutes(end - now))
    if timeline and now >= timeline[-1][2]:
        return PhaseNow(timeline[-1][0].name, timeline[-1][2], 0)
    return None


def checks(appointment: Appointment, phases: list[Phase]) -> list[tuple[str, dt.datetime]]:
    timeline = phase_timeline(appointment, phases)
    if not timeline:
        return []
    items = []
    if appointment.status != S.CHECKED_IN:
        items.append(("Check in", appointment.start))
    if appointment.service.is_dosing:
        vitals = timeline[0][2] + VITALS_AFTER_FIRST_PHASE
        if vitals < timeline[-1][2]:
            items.append(("Vitals", vitals))
        items.append(("Discharge check", timeline[-1][2]))
    else:
        items.append(("Visit ends", timeline[-1][2]))
    return items


def next_due(appointment: Appointment, phases: list[Phase], now: dt.datetime) -> Due | None:
    items = checks(appointment, phases)
    for what, at in items:
        if at >= now - DUE_GRACE:
            return Due(what, at, _minutes_signed(at - now))
    if items:
        what, at = items[-1]
        return Due(what, at, _minutes_signed(at - now))
    return None


def _minutes(delta: dt.timedelta) -> int:
    return max(0, -(-int(delta.total_seconds()) // 60))


def _minutes_signed(delta: dt.timedelta) -> int:
    seconds = int(delta.total_seconds())
    return -(-seconds // 60) if seconds >= 0 else -((-seconds) // 60)


def floor_board(*, location: Location, now: dt.datetime | None = None) -> list[Bay]:
    """One bay per active chair and room, in the order the calendar shows them."""
    now = now or timezone.now()
    tz = timeutils.zone(location.time_zone)
    day_lo, day_hi = timeutils.day_bounds(timeutils.local_date(now, tz), tz)
    resources = list(Resource.objects.filter(location=location, active=True).order_by("kind", "name"))
    rows = list(Allocation.objects.filter(resource__in=resources, start__lt=day_hi, end__gt=day_lo,
                                          appointment__status__in=OCCUPYING)
                .select_related("appointment__patient", "appointment__service").order_by("start"))
    # A visit still checked in after its time keeps its chair on the board until it is completed.
    lingering = list(Allocation.objects.filter(resource__in=resources, end__lte=now, end__gt=day_lo,
                                               appointment__status=S.CHECKED_IN)
                     .select_related("appointment__patient", "appointment__service"))
    phases = _phases_by_service({r.appointment.service_id for r in rows + lingering})
    bays = []
    for resource in resources:
        bay = Bay(resource=resource)
        mine = [r for r in rows if r.resource_id == resource.pk]
        current = next((r for r in mine if r.start <= now < r.end), None)
        if current is None:
            current = next((r for r in lingering if r.resource_id == resource.pk), None)
        if current is not None:
            appointment = current.appointment
            service_phases = phases.get(appointment.service_id, [])
            bay.appointment = appointment
            bay.checked_in = appointment.status == S.CHECKED_IN
            bay.phase = current_phase(appointment, service_phases, now)
            last_end = phase_timeline(appointment, service_phases)[-1][2] if service_phases else appointment.end
            bay.visit_minutes_left = _minutes(last_end - now)
            bay.due = next_due(appointment, service_phases, now)
        upcoming = next((r for r in mine if r.start >= now and (current is None or r.appointment_id != current.appointment_id)),
                        None)
        if upcoming is not None:
            bay.next_appointment = upcoming.appointment
            bay.next_label = formatting.time_label(upcoming.appointment.start, location.time_zone)
        bays.append(bay)
    return bays


def _phases_by_service(service_ids: set[int]) -> dict[int, list[Phase]]:
    out: dict[int, list[Phase]] = {}
    for phase in Phase.objects.filter(service_id__in=service_ids).order_by("service_id", "order"):
        out.setdefault(phase.service_id, []).append(phase)
    return out
