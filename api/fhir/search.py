"""Reading FHIR search parameters: references (`Patient/5` or `5`), tokens (`system|code`),
and date ranges with FHIR's prefixes (`ge2025-03-10`, `lt2025-03-11T00:00:00Z`). A bad value is a
400 naming the parameter, as in the API."""

from __future__ import annotations

import datetime as dt
import re

from rest_framework import serializers

_PREFIXES = ("eq", "ne", "gt", "lt", "ge", "le", "sa", "eb", "ap")
_ID = re.compile(r"\d{1,18}")


def invalid(name: str, message: str) -> serializers.ValidationError:
    return serializers.ValidationError({name: message})


def reference_id(value: str, *, name: str, resource_type: str) -> int:
    """`Patient/5`, `5` or an absolute URL ending in `Patient/5` -> 5."""
    value = value.strip()
    tail = value.rsplit(f"{resource_type}/", 1)[-1] if f"{resource_type}/" in value else value
    if not _ID.fullmatch(tail) or int(tail) < 1 or int(tail) > 2**63 - 1:
        raise invalid(name, f"Give a {resource_type} reference, e.g. {resource_type}/5.")
    return int(tail)


def token_code(value: str) -> str:
    """`system|code` or `code` -> code."""
    return value.rsplit("|", 1)[-1].strip()


def _parse_instant(raw: str, *, name: str) -> tuple[dt.datetime, dt.datetime]:
    """The range [lo, hi) a FHIR date or dateTime stands for. A date is a UTC day; a dateTime
    needs a zone (a time without one is ambiguous)."""
    try:
        if len(raw) == 10:
            day = dt.date.fromisoformat(raw)
            lo = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
            return lo, lo + dt.timedelta(days=1)
        value = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
    except ValueError:
        raise invalid(
            name, f"{raw!r} is not a FHIR date or dateTime (e.g. 2025-03-10 or 2025-03-10T09:00:00-07:00)."
        ) from None
    if value.tzinfo is None:
        raise invalid(
            name, "Include a UTC offset or Z (e.g. 2025-03-10T09:00:00-07:00): a time without one is ambiguous."
        )
    if not (1900 <= value.year <= 2199):
        raise invalid(name, "Dates lie between 1900 and 2199.")
    return value, value


def date_range(values: list[str], *, name: str) -> tuple[dt.datetime | None, dt.datetime | None]:
    """Every value narrows [lower, upper): `ge`/`gt`/`eq` raise the lower bound, `lt`/`le`/`eq`
    lower the upper one. Only those prefixes are supported."""
    lower = upper = None
    for value in values:
        prefix, raw = (value[:2], value[2:]) if value[:2] in _PREFIXES else ("eq", value)
        if prefix not in ("eq", "ge", "gt", "le", "lt"):
            raise invalid(name, f"The prefix {prefix!r} is not supported here; use eq, ge, gt, le or lt.")
        lo, hi = _parse_instant(raw, name=name)
        exact = lo == hi
        if prefix in ("eq", "ge"):
            lower = lo if lower is None else max(lower, lo)
        if prefix == "gt":
            bound = lo + dt.timedelta(microseconds=1) if exact else hi
            lower = bound if lower is None else max(lower, bound)
        if prefix in ("eq", "le"):
            bound = hi + dt.timedelta(microseconds=1) if exact else hi
            upper = bound if upper is None else min(upper, bound)
        if prefix == "lt":
            upper = lo if upper is None else min(upper, lo)
    return lower, upper


def count(values: list[str], *, default: int, maximum: int) -> int:
    if not values:
        return default
    raw = values[-1]
    if not raw.isdigit() or not 1 <= int(raw) <= maximum:
        raise invalid("_count", f"_count is a whole number from 1 to {maximum}.")
    return int(raw)


def offset(values: list[str]) -> int:
    if not values:
        return 0
    raw = values[-1]
    if not raw.isdigit() or int(raw) > 10**9:
        raise invalid("_offset", "_offset is a whole number from 0.")
    return int(raw)
