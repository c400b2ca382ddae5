"""The desk's call list for a day (tomorrow by default): the visits at one location that need a
call, each with why. A visit needs one when it is an in-person dosing visit with no escort on
record, the patient has not confirmed, cannot be reached by text, or a gate will refuse the visit.
Only visits the user may see; the records are read for the whole day at once."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from care.models import VisitCall
from care.selectors import calls_for, readiness_for
from notifications.selectors import reach_for_visits
from scheduling import timeutils
from scheduling.models import Appointment, AppointmentStatus, Location
from scheduling.selectors.appointments import visible_appointments
from web import formatting
from web.selectors.day_marks import marks_for, NOT_REACHED


@dataclass
class CallRow:
    appointment: Appointment
    time_label: str
    reasons: list[str]
    marks: list = field(default_factory=list)
    calls: list[tuple[str, VisitCall]] = field(default_factory=list)  # (when, on the site's clock; the call)
    needs_escort: bool = False


def call_list(*, user, location: Location, day: dt.date, today: dt.date) -> list[CallRow]:
    tz = timeutils.zone(location.time_zone)
    lo, hi = timeutils.day_bounds(day, tz)
    where = {"location__isnull": True} if location.is_virtual else {"location": location}
    visits = list(
        visible_appointments(user=user)
        .filter(status=AppointmentStatus.BOOKED, start__gte=lo, start__lt=hi, **where)
        .select_related("patient", "service", "location")
        .order_by("start", "pk")
    )
    ids = [v.pk for v in visits]
    reach = reach_for_visits(appointment_ids=ids)
    ready = readiness_for(visits=visits, today=today)
    marks = marks_for(visits, today=today)
    calls = calls_for(visit_ids=ids)
    rows = []
    for visit in visits:
        reasons = []
        readiness = ready[visit.pk]
        if readiness.escort is False:
            reasons.append("Dosing visit without an escort")
        heard = reach.get(visit.pk)
        if heard is not None and heard.state == "not_reached":
            reasons.append(f"Not reachable by text: {NOT_REACHED[heard.why]}")
        elif heard is None or heard.state != "confirmed":
            reasons.append("Not confirmed")
        reasons += [f"Gate: {problem}" for problem in readiness.gate_problems]
        if reasons:
            rows.append(
                CallRow(
                    appointment=visit,
                    reasons=reasons,
                    marks=marks.get(visit.pk, []),
                    calls=[
                        (formatting.when_label(call.at, location.time_zone, with_zone=False), call)
                        for call in calls.get(visit.pk, [])
                    ],
                    needs_escort=readiness.escort is False,
                    time_label=formatting.time_label(visit.start, location.time_zone),
                )
            )
    return rows
