"""Visits as iCalendar (RFC 5545), built with `icalendar`: one visit for its patient (a download,
an email attachment, the API) and a clinician's private feed.

An event never names the service, the drug or the patient: its title carries the clinic's name
only, because calendars are shared, synced to phones and shown on lock screens. Its UID is the
first booking of the visit, so a move keeps the same event (SEQUENCE grows by one per move) and a
cancellation is the same event with STATUS:CANCELLED. Times are in UTC; calendar apps show them
in the reader's zone.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from urllib.parse import urlsplit

import icalendar
from django.conf import settings

from notifications.models import MessagingPolicy
from scheduling.models import Appointment, AppointmentStatus as S
from telehealth.passes import patient_join_url

CONTENT_TYPE = "text/calendar; charset=utf-8"
PRODID = "-//Clearday//Clinic calendar//EN"
# What a visit in one of these statuses is, to a calendar: it will not take place.
CANCELLED_STATUSES = frozenset({S.CANCELLED, S.EXPIRED, S.RESCHEDULED})
# A hold is not a visit yet; an expired one never was. Neither has an .ics of its own.
NOT_A_VISIT = frozenset({S.HELD, S.EXPIRED})

_TITLES = {"en": "Appointment at {brand}", "es": "Cita en {brand}"}
_VIDEO = {"en": "Video visit", "es": "Visita por video"}
_CALL = {"en": "Questions or changes: call {phone}.", "es": "Preguntas o cambios: llame al {phone}."}


@dataclass(frozen=True)
class Lineage:
    """Where a row stands among the moves of one visit: the first booking's id (the UID) and how
    many times the visit was moved before this row."""

    root_id: int
    moves: int


def lineage(appointment: Appointment) -> Lineage:
    """Walk back through the rows this one replaced (one small query per move)."""
    root_id, moves = appointment.pk, 0
    while True:
        earlier = Appointment.objects.filter(rescheduled_to_id=root_id).values_list("pk", flat=True).first()
        if earlier is None:
            return Lineage(root_id=root_id, moves=moves)
        root_id, moves = earlier, moves + 1


def latest_version(appointment: Appointment) -> Appointment:
    """The row a moved visit lives on now (the appointment itself when it was never moved)."""
    while appointment.status == S.RESCHEDULED and appointment.rescheduled_to_id:
        appointment = Appointment.objects.select_related("service", "location", "patient").get(
            pk=appointment.rescheduled_to_id
        )
    return appointment


def event_uid(root_id: int) -> str:
    host = urlsplit(settings.PUBLIC_BASE_URL).hostname or "clearday.example"
    return f"appointment-{root_id}@{host}"


def sequence(moves: int, *, cancelled: bool) -> int:
    """RFC 5545: SEQUENCE grows with each significant change. A move is one, a cancellation another."""
    return moves + (1 if cancelled else 0)


def new_calendar(*, name: str | None = None) -> icalendar.Calendar:
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    if name:
        calendar.add("x-wr-calname", name)
    return calendar


def visit_event(
    *,
    appointment: Appointment,
    lineage: Lineage,
    title: str,
    location: str,
    url: str = "",
    description: str = "",
    cancelled: bool | None = None,
) -> icalendar.Event:
    """One VEVENT. `cancelled` forces STATUS:CANCELLED (a clinician moved off a visit)."""
    if cancelled is None:
        cancelled = appointment.status in CANCELLED_STATUSES
    event = icalendar.Event()
    event.add("uid", event_uid(lineage.root_id))
    event.add("dtstamp", appointment.updated_at.astimezone(dt.UTC))
    event.add("last-modified", appointment.updated_at.astimezone(dt.UTC))
    event.add("dtstart", appointment.start.astimezone(dt.UTC))
    event.add("dtend", appointment.end.astimezone(dt.UTC))
    event.add("sequence", sequence(lineage.moves, cancelled=cancelled))
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add("summary", title)
    if location:
        event.add("location", location)
    if url:
        event.add("url", url)
    if description:
        event.add("description", description)
    event.add("transp", "TRANSPARENT" if cancelled else "OPAQUE")
    return event


def clinic_name() -> str:
    return MessagingPolicy.current().brand_name


def site_address(location) -> str:
    """The site's postal address on one line, or its name when no address is on file."""
    address = ", ".join(part.strip() for part in (location.address or "").splitlines() if part.strip())
    return address or location.name


def patient_title(language: str) -> str:
    """A patient's visit as a calendar names it; the pages' Google and Outlook links
    (web/calendar_links.py) carry the same title as the .ics."""
    return _TITLES.get(language, _TITLES["en"]).format(brand=clinic_name())


def appointment_calendar(appointment: Appointment, *, language: str | None = None) -> bytes:
    """The patient's .ics for one visit: where it stands now (a moved visit's latest time, a
    cancelled one as cancelled). The caller has checked that this patient or staff member may see it."""
    appointment = latest_version(appointment)
    if appointment.status in NOT_A_VISIT:
        raise ValueError(f"Appointment {appointment.pk} is {appointment.status}, not a visit.")
    language = language or appointment.patient.language
    policy = MessagingPolicy.current()
    if appointment.location_id is None:
        join = "" if appointment.status in CANCELLED_STATUSES else patient_join_url(appointment)
        location, url = (join or _VIDEO.get(language, _VIDEO["en"])), join
    else:
        location, url = site_address(appointment.location), ""
    description = _CALL.get(language, _CALL["en"]).format(phone=policy.phone.as_national) if policy.phone else ""
    calendar = new_calendar()
    calendar.add_component(
        visit_event(
            appointment=appointment,
            lineage=lineage(appointment),
            title=_TITLES.get(language, _TITLES["en"]).format(brand=policy.brand_name),
            location=location,
            url=url,
            description=description,
        )
    )
    return calendar.to_ical()


def filename(appointment: Appointment) -> str:
    return f"appointment-{appointment.start:%Y-%m-%d}.ics"
