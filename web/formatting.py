"""Dates and times as a person reads them: in the page's language, on a named zone's clock.

Pages never print a UTC instant. Every time shown to a patient says which clock it is on
("Arizona time (MST)"), because a patient in California may book a visit in Phoenix.
"""

from __future__ import annotations

import datetime as dt

from django.utils import dateformat, translation
from django.utils.translation import gettext_lazy as _

from scheduling import timeutils

ZONE_NAMES = {
    "America/New_York": _("Eastern time"),
    "America/Chicago": _("Central time"),
    "America/Denver": _("Mountain time"),
    "America/Phoenix": _("Arizona time"),
    "America/Los_Angeles": _("Pacific time"),
    "America/Anchorage": _("Alaska time"),
    "Pacific/Honolulu": _("Hawaii time"),
    "America/Puerto_Rico": _("Puerto Rico time"),
}

# Patients choose among these for video visits (the clinic's own zone is used in person).
PATIENT_ZONES = list(ZONE_NAMES)

_FORMATS = {
    "en": {"day": "l j F", "short_day": "D j M", "time": "g:i A", "year_day": "l j F Y"},
    "es": {"day": r"l j \d\e F", "short_day": "D j M", "time": "H:i", "year_day": r"l j \d\e F \d\e Y"},
}


def _formats() -> dict[str, str]:
    return _FORMATS.get((translation.get_language() or "en")[:2], _FORMATS["en"])


def local(instant: dt.datetime, zone_name: str) -> dt.datetime:
    return timeutils.to_local(instant, timeutils.zone(zone_name))


def zone_label(zone_name: str, *, at: dt.datetime | None = None) -> str:
    """'Arizona time (MST)': the zone's plain name and its abbreviation at that instant."""
    abbreviation = local(at or dt.datetime.now(dt.UTC), zone_name).tzname()
    name = ZONE_NAMES.get(zone_name)
    return f"{name} ({abbreviation})" if name else f"{zone_name} ({abbreviation})"


def time_label(instant: dt.datetime, zone_name: str) -> str:
    return dateformat.format(local(instant, zone_name), _formats()["time"])


def day_label(day: dt.date, *, with_year: bool = False) -> str:
    return dateformat.format(day, _formats()["year_day" if with_year else "day"])


def short_day_label(day: dt.date) -> str:
    return dateformat.format(day, _formats()["short_day"])


def when_label(instant: dt.datetime, zone_name: str, *, with_zone: bool = True) -> str:
    """'Monday 10 March 2025, 9:15 AM Arizona time (MST)'."""
    text = f"{day_label(local(instant, zone_name).date(), with_year=True)}, {time_label(instant, zone_name)}"
    return f"{text} {zone_label(zone_name, at=instant)}" if with_zone else text

