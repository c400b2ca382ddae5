"""Reading patients for the pages: a patient's own visits ("My appointments") and the front
desk's patient search."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import QuerySet
from django.utils import timezone

from scheduling.models import Appointment, AppointmentStatus as S, Patient
from scheduling.selectors import patients
from scheduling.services.transitions import cancellation_deadline
from telehealth.passes import open_join_path
from telehealth.selectors import join_window

UPCOMING = (S.BOOKED, S.CHECKED_IN)
SHOWN_PAST = (S.COMPLETED, S.CANCELLED, S.NO_SHOW, S.CHECKED_IN, S.BOOKED)


@dataclass(frozen=True)
class Visit:
    appointment: Appointment
    zone_name: str
    upcoming: bool
    may_change: bool  # the patient may still cancel or move it online
    change_until: dt.datetime
    join_url: str | None
    join_opens_at: dt.datetime | None


def visit_zone(appointment: Appointment) -> str:
    """The clock a visit is read on: the site's, or the patient's own for video."""
    return appointment.location.time_zone if appointment.location_id else appointment.patient.time_zone


def own_visits(*, patient: Patient, now: dt.datetime | None = None) -> tuple[list[Visit], list[Visit]]:
    """(upcoming soonest first, past most recent first). Moved visits show once, at their new time."""
    now = now or timezone.now()
    rows = (Appointment.objects.filter(patient=patient, status__in=SHOWN_PAST)
            .select_related("service", "location", "patient").order_by("start", "pk"))
    upcoming, past = [], []
    for appointment in rows:
        is_upcoming = appointment.status in UPCOMING and appointment.end > now
        deadline = cancellation_deadline(appointment)
        video = appointment.location_id is None
        visit = Visit(appointment=appointment, zone_name=visit_zone(appointment), upcoming=is_upcoming,
                      may_change=is_upcoming and appointment.status == S.BOOKED and now < deadline,
                      change_until=deadline,
                      join_url=open_join_path(appointment, now=now) if video and is_upcoming else None,
                      join_opens_at=join_window(appointment).opens_at if video and is_upcoming else None)
        (upcoming if is_upcoming else past).append(visit)
    past.reverse()
    return upcoming, past


def own_visit(*, patient: Patient, appointment_id: int) -> Appointment | None:
    return (Appointment.objects.filter(patient=patient, pk=appointment_id)
            .select_related("service", "location", "patient").first())


def search_patients(*, query: str, user, limit: int = 20) -> QuerySet[Patient]:
    """The desk page's patient search: the first `limit` of scheduling.selectors.patients'."""
    return patients.search_patients(query=query, user=user)[:limit]
