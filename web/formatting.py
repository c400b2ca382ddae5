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

# US order in English ("Monday, December 7"); Spanish day first with lowercase month
# abbreviations ("lun 7 dic": Django's "b", where "M" would capitalise them).
_FORMATS = {
    "en": {"day": "l, F j", "short_day": "D, M j", "time": "g:i A", "year_day": "l, F j, Y"},
    "es": {"day": r"l j \d\e F", "short_day": "D j b", "time": "H:i", "year_day": r"l j \d\e F \d\e Y"},
}


def _formats() -> dict[str, str]:
    return _FORMATS.get((translation.get_language() or "en")[:2], _FORMATS["en"])


def local(instant: dt.datetime, zone_name: str) -> dt.datetime:
    return timeutils.to_local(instant, timeutils.zone(zone_name))


def zone_label(zone_name: str, *, at: dt.datetime | None = None) -> str:
    """'Arizona time (MST)': the zone's plain name and its abbreviation at that instant."""
    return _named(zone_name, local(at or dt.datetime.now(dt.UTC), zone_name).tzname())


def _named(zone_name: str, abbreviations: str) -> str:
    name = ZONE_NAMES.get(zone_name)
    return f"{name} ({abbreviations})" if name else f"{zone_name} ({abbreviations})"


def abbreviations(instants, zone_name: str) -> list[str]:
    """The zone's abbreviations in force at these instants, each once, in order ("PDT", "PST")."""
    found: list[str] = []
    for instant in instants:
        abbreviation = local(instant, zone_name).tzname()
        if abbreviation not in found:
            found.append(abbreviation)
    return found


def zone_label_for(zone_name: str, instants, *, day: dt.date | None = None) -> str:
    """The label for a page of times: the abbreviation in force at the times shown, not today's
    ('Pacific time (PDT)' over July times in December). Times on both sides of a change name
    both ('Pacific time (PDT/PST)'); with no time shown, the day shown decides (its noon)."""
    found = abbreviations(instants, zone_name)
    if not found:
        zone = timeutils.zone(zone_name)
        noon = dt.datetime.combine(day, dt.time(12), tzinfo=zone) if day else dt.datetime.now(dt.UTC)
        found = [local(noon, zone_name).tzname()]
    return _named(zone_name, "/".join(found))


def is_repeated_hour(instant: dt.datetime, zone_name: str) -> bool:
    """True in the hour a fall-back day shows twice (1:00-2:00 AM), where a clock time alone is ambiguous."""
    wall = local(instant, zone_name)
    other = wall.replace(fold=1 - wall.fold)
    return other.utcoffset() != wall.utcoffset()


def time_label(instant: dt.datetime, zone_name: str, *, with_abbreviation: bool = False) -> str:
    """'9:15 AM'; with the abbreviation ('1:00 AM PDT', '1:00 AM PST') in a repeated hour or when asked."""
    text = dateformat.format(local(instant, zone_name), _formats()["time"])
    if with_abbreviation or is_repeated_hour(instant, zone_name):
        return f"{text} {local(instant, zone_name).tzname()}"
    return text


def day_label(day: dt.date, *, with_year: bool = False) -> str:
    return dateformat.format(day, _formats()["year_day" if with_year else "day"])


def short_day_label(day: dt.date) -> str:
    return dateformat.format(day, _formats()["short_day"])


def when_label(instant: dt.datetime, zone_name: str, *, with_zone: bool = True) -> str:
    """'Monday, March 10, 2025, 9:15 AM Arizona time (MST)' / 'lunes 10 de marzo de 2025, 09:15 hora de Arizona (MST)'."""
    text = f"{day_label(local(instant, zone_name).date(), with_year=True)}, {time_label(instant, zone_name)}"
    return f"{text} {zone_label(zone_name, at=instant)}" if with_zone else text

