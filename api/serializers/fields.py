"""Input fields and instant texts the serializers share."""

from __future__ import annotations

import datetime as dt

from rest_framework import serializers

from scheduling import timeutils

# Every table's key is a 64-bit integer: a larger number is refused as invalid input (400)
# before it reaches a query, where the database driver would fail on it (500).
MAX_ID = 2**63 - 1


class IdField(serializers.IntegerField):
    """A row's id in a request: a positive integer within the database's key range."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)


def utc_text(instant: dt.datetime | None) -> str | None:
    """An instant as ISO 8601 in UTC, to the second: '2025-03-10T16:00:00Z'."""
    return instant.astimezone(dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z") if instant else None


def local_text(instant: dt.datetime, zone_name: str) -> str:
    """An instant on a zone's wall clock with its offset, to the second: '2025-03-10T09:00:00-07:00'."""
    return instant.astimezone(timeutils.zone(zone_name)).isoformat(timespec="seconds")
