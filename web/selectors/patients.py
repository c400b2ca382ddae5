"""Reading patients for the pages: a patient's own visits ("My appointments") and the front
desk's patient search."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import phonenumbers
from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from scheduling.models import Appointment, AppointmentStatus as S, Patient
from scheduling.selectors.appointments import visible_patients
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
    """By name (any part), mobile number (any format), email, or date of birth (YYYY-MM-DD or MM/DD/YYYY),
    among the patients `user` may see: a desk finds its own sites' patients and new callers with no
    visit yet, never another site's (scheduling.selectors.appointments.visible_patients)."""
    query = (query or "").strip()
    if len(query) < 2:
        return Patient.objects.none()
    where = Q()
    born = _as_date(query)
    if born is not None:
        where |= Q(date_of_birth=born)
    phone = _as_phone(query)
    if phone:
        where |= Q(phone=phone)
    if "@" in query:
        where |= Q(email__iexact=query)
    words = [w for w in re.split(r"\s+", query) if w]
    if words and born is None and not phone:
        name = Q()
        for word in words:
            name &= (Q(legal_first_name__icontains=word) | Q(legal_last_name__icontains=word)
                     | Q(preferred_name__icontains=word))
        where |= name
    if not where:
        return Patient.objects.none()
    return visible_patients(user=user).filter(where).order_by("legal_last_name", "legal_first_name", "pk")[:limit]


def _as_date(text: str) -> dt.date | None:
    for pattern in ("%Y-%m-%d", "%m/%d/%Y"):
        try:
            return dt.datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    return None


def _as_phone(text: str) -> str:
    if sum(ch.isdigit() for ch in text) < 7:
        return ""
    try:
        number = phonenumbers.parse(text, settings.PHONENUMBER_DEFAULT_REGION)
    except phonenumbers.NumberParseException:
        return ""
    if not phonenumbers.is_valid_number(number):
        return ""
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
