"""Blocking time from the front desk: a chair out of service, a clinician's meeting or sick day.

A block is an `HoursOverride` of kind "unavailable" on a resource or a staff member (the
availability engine reads it, so nothing new is offered in it). Visits already booked inside it
are not touched: the desk sees them first (web.selectors.blocks.collisions) and moves them.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError

from core.errors import Unprocessable
from scheduling.models import HoursOverride, Resource, StaffMember


def block_time(*, day: dt.date, resource: Resource | None = None, staff: StaffMember | None = None,
               start_time: dt.time | None = None, end_time: dt.time | None = None, reason: str,
               actor=None) -> HoursOverride:
    """Whole day when no times are given. The reason is what the calendar shows."""
    if (resource is None) == (staff is None):
        raise Unprocessable("Block either one chair or room, or one staff member.", code="invalid_block")
    block = HoursOverride(resource=resource, staff=staff, date=day, kind=HoursOverride.Kind.UNAVAILABLE,
                          start_time=start_time, end_time=end_time, reason=reason.strip()[:200])
    try:
        block.full_clean()
    except ValidationError as exc:
        raise Unprocessable(" ".join(exc.messages), code="invalid_block") from None
    block.save()
    return block
