"""One visit at a time per patient: two visits of the same patient never overlap, whatever the
place or modality. A live hold counts as a visit; a lapsed one does not.

`placement.place` calls `ensure_patient_free` for every hold, booking and move (and so for
each visit of a course), under the patient's lock (`locks.lock_patients`), after the calendar
is verified: two requests for one patient at the same hour queue on that lock, and the second
sees the first's visit once it commits (docs/concurrency.md).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from django.db.models import Q

from core.errors import Conflict
from scheduling import catalog
from scheduling.models import Appointment, AppointmentStatus as S, Patient
from scheduling.timeutils import clock, describe, zone

# A visit in one of these holds the patient's time (a hold only while it is live).
HOLDS_TIME = (S.BOOKED, S.CHECKED_IN)


def overlapping_visit(*, patient: Patient, start: datetime, end: datetime, now: datetime,
                      exclude_appointment_ids: Collection[int] = ()) -> Appointment | None:
    """The patient's earliest visit (or live hold) that overlaps [start, end), if any."""
    visits = (Appointment.objects.filter(patient=patient, start__lt=end, end__gt=start)
              .filter(Q(status__in=HOLDS_TIME) | Q(status=S.HELD, hold_expires_at__gt=now)))
    if exclude_appointment_ids:
        visits = visits.exclude(pk__in=list(exclude_appointment_ids))
    visit = visits.select_related("patient").order_by("start", "pk").first()
    return catalog.attach(visit) if visit is not None else None


def ensure_patient_free(*, patient: Patient, start: datetime, end: datetime, now: datetime,
                        exclude_appointment_ids: Collection[int] = (), by_staff: bool = False) -> None:
    """Refuse (409 `patient_busy`) a visit that would overlap another of the patient's, naming
    that visit's day, time and zone. The caller holds the patient's lock."""
    other = overlapping_visit(patient=patient, start=start, end=end, now=now,
                              exclude_appointment_ids=exclude_appointment_ids)
    if other is None:
        return
    raise Conflict(busy_detail(other, by_staff=by_staff), code="patient_busy", appointment=other.pk,
                   appointment_start=other.start.isoformat(), appointment_end=other.end.isoformat(),
                   held=other.status == S.HELD)


def busy_detail(other: Appointment, *, by_staff: bool) -> str:
    """'You already have a visit then: IV infusion at Phoenix, Mon 10 Mar 2025 09:00 MST to 10:25.'"""
    tz = zone(other.location.time_zone if other.location_id else other.patient.time_zone)
    where = f"at {other.location.name}" if other.location_id else "by video"
    what = "a time held" if other.status == S.HELD else "a visit"
    who = f"{other.patient.display_name} already has" if by_staff else "You already have"
    return (f"{who} {what} then: {other.service.name} {where}, {describe(other.start, tz)} to "
            f"{clock(other.end, tz)}. One visit at a time: choose a time that does not overlap it.")
