"""What a planned block of time would collide with, shown to the desk before it is saved."""

from __future__ import annotations

import datetime as dt

from scheduling import timeutils
from scheduling.models import Allocation, Appointment, AppointmentStatus as S, Location, Resource, StaffMember


def collisions(*, day: dt.date, start_time: dt.time | None, end_time: dt.time | None,
               resource: Resource | None = None, staff: StaffMember | None = None,
               location: Location | None = None) -> list[Appointment]:
    """Visits still on the calendar that hold this chair, room or person inside the block. The
    block is read on the clock the engine reads it by: the site's for visits there, the
    clinician's own for video visits."""
    holder = {"resource": resource} if resource is not None else {"staff": staff}
    widest = [day - timeutils.DAY, day + 2 * timeutils.DAY]
    lo, hi = (dt.datetime.combine(d, dt.time(0), tzinfo=dt.UTC) for d in widest)
    rows = (Allocation.objects.filter(start__lt=hi, end__gt=lo, **holder)
            .filter(appointment__status__in=(S.BOOKED, S.CHECKED_IN))
            .select_related("appointment__patient", "appointment__service", "appointment__location"))
    found: dict[int, Appointment] = {}
    for row in rows:
        appointment = row.appointment
        if appointment.location_id:
            zone_name = appointment.location.time_zone
        elif staff is not None:
            zone_name = staff.time_zone
        else:
            zone_name = location.time_zone if location else "UTC"
        block_lo, block_hi = timeutils.wall_range(day, start_time, end_time, timeutils.zone(zone_name))
        if row.start < block_hi and row.end > block_lo:
            found[appointment.pk] = appointment
    return sorted(found.values(), key=lambda a: (a.start, a.pk))
