"""Whether a time suits a waitlist entry: the days, weekdays and times of day the patient
accepts, on the patient's own clock, and "earlier than my visit" for a move-up."""

from __future__ import annotations

import datetime as dt

from scheduling import timeutils


def fits(entry, *, start: dt.datetime, end: dt.datetime) -> bool:
    tz = timeutils.zone(entry.patient.time_zone)
    local_start, local_end = timeutils.to_local(start, tz), timeutils.to_local(end, tz)
    day = local_start.date()
    if not (entry.earliest_date <= day <= entry.latest_date) or day > entry.expires_on:
        return False
    if day.weekday() not in entry.weekdays:
        return False
    if entry.move_up_id is not None and start >= entry.move_up.start:
        return False
    if not entry.time_ranges:
        return True
    if local_end.date() != day:
        return False
    for first, last in entry.time_ranges:
        if dt.time.fromisoformat(first) <= local_start.time() and local_end.time() <= dt.time.fromisoformat(last):
            return True
    return False
