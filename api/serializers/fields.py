"""Input fields and instant texts the serializers share."""

from __future__ import annotations

import datetime as dt
import re

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from scheduling import catalog, timeutils

# Every table's key is a 64-bit integer: a larger number is refused as invalid input (400)
# before it reaches a query, where the database driver would fail on it (500).
MAX_ID = 2**63 - 1
_SLUG = re.compile(r"[-a-zA-Z0-9_]{1,40}")


class IdField(serializers.IntegerField):
    """A row's id in a request: a positive integer within the database's key range."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


# Days and instants a request may name. No clinic record falls outside them, and they stay far
# enough inside Python's and the database's calendars that adding a day, a course's weeks or a
# zone's offset to one never overflows (year 9999 plus a day was a 500).
EARLIEST_DAY = dt.date(1900, 1, 1)
LATEST_DAY = dt.date(2199, 12, 31)
OUT_OF_RANGE = f"Give a date between {EARLIEST_DAY} and {LATEST_DAY}."


class DayField(serializers.DateField):
    """A calendar day in a request, within EARLIEST_DAY..LATEST_DAY."""

    default_error_messages = {"out_of_range": OUT_OF_RANGE}

    def to_internal_value(self, value) -> dt.date:
        day = super().to_internal_value(value)
        if not EARLIEST_DAY <= day <= LATEST_DAY:
            self.fail("out_of_range")
        return day


def utc_instant(value: dt.datetime) -> dt.datetime:
    """An aware instant from a request, in UTC, on a day within EARLIEST_DAY..LATEST_DAY; otherwise a
    validation error (converting 9999-12-31T23:00-07:00 to UTC would overflow)."""
    if not EARLIEST_DAY <= value.date() <= LATEST_DAY:
        raise serializers.ValidationError(OUT_OF_RANGE, code="out_of_range")
    return value.astimezone(dt.UTC)


def utc_text(instant: dt.datetime | None) -> str | None:
    """An instant as ISO 8601 in UTC, to the second: '2025-03-10T16:00:00Z'."""
    return instant.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z") if instant else None


def local_text(instant: dt.datetime, zone_name: str) -> str:
    """An instant on a zone's wall clock with its offset, to the second: '2025-03-10T09:00:00-07:00'."""
    return instant.astimezone(timeutils.zone(zone_name)).isoformat(timespec="seconds")


@extend_schema_field({
    "oneOf": [{"type": "integer", "minimum": 1, "maximum": MAX_ID}, {"type": "string", "pattern": "^[-a-zA-Z0-9_]+$"}],
    "description": "A service: its `id` or its `code` (both in GET /api/v1/services), e.g. 3 or \"iv-infusion\".",
})
class ServiceRefField(serializers.Field):
    """A service in a request, by id or by code; the value is the service's id. Every endpoint
    that takes a service takes it this way. An id is passed on as it is (the view says whether
    such a service is offered); a code no service has is refused here."""

    default_error_messages = {
        "invalid": "Give a service id (an integer) or code, e.g. iv-infusion; see /api/v1/services.",
        "unknown_code": "No service has the code {code!r}; see /api/v1/services.",
    }

    def to_internal_value(self, data) -> int:
        if isinstance(data, bool) or not isinstance(data, (int, str)):
            self.fail("invalid")
        text = str(data).strip()
        if text.isascii() and text.isdigit():
            pk = int(text)
            if not 1 <= pk <= MAX_ID:
                self.fail("invalid")
            return pk
        if not _SLUG.fullmatch(text):
            self.fail("invalid")
        pk = next((s.pk for s in catalog.current().services.values() if s.code == text), None)
        if pk is None:
            self.fail("unknown_code", code=text[:40])
        return pk

    def to_representation(self, value):
        return value
