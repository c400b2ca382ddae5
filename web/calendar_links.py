"""Links that put a booked visit in the patient's own calendar app (Google, Outlook on the web) and
open the clinic's address in a maps app. They carry what the .ics file carries
(calendars.ics): the clinic's name as the title, never the service, and the address or, for a
video visit, the visit page."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from calendars import ics
from scheduling.models import Appointment
from telehealth.passes import patient_join_url

GOOGLE = "https://calendar.google.com/calendar/render"
OUTLOOK = "https://outlook.live.com/calendar/0/deeplink/compose"
MAPS = "https://www.google.com/maps/search/"


def _where(appointment: Appointment) -> str:
    if appointment.location_id is None:
        return patient_join_url(appointment)
    return ics.site_address(appointment.location)


def google_url(appointment: Appointment, *, language: str) -> str:
    def stamp(instant: dt.datetime) -> str:
        return instant.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")

    return f"{GOOGLE}?" + urlencode(
        {
            "action": "TEMPLATE",
            "text": ics.patient_title(language),
            "dates": f"{stamp(appointment.start)}/{stamp(appointment.end)}",
            "location": _where(appointment),
        }
    )


def outlook_url(appointment: Appointment, *, language: str) -> str:
    def stamp(instant: dt.datetime) -> str:
        return instant.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    return f"{OUTLOOK}?" + urlencode(
        {
            "path": "/calendar/action/compose",
            "rru": "addevent",
            "subject": ics.patient_title(language),
            "startdt": stamp(appointment.start),
            "enddt": stamp(appointment.end),
            "location": _where(appointment),
        }
    )


def maps_url(location) -> str:
    """Directions to a site: its address in a maps search (works on phones and computers)."""
    return f"{MAPS}?" + urlencode({"api": "1", "query": ics.site_address(location)})


def links(appointment: Appointment, *, language: str) -> dict:
    """Everything the confirmation and My appointments offer for one visit."""
    return {
        "google": google_url(appointment, language=language),
        "outlook": outlook_url(appointment, language=language),
        "maps": maps_url(appointment.location) if appointment.location_id else "",
    }
