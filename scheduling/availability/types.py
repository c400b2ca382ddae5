"""What the engine answers with. Instants are aware UTC datetimes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property
from typing import NamedTuple


class PhaseAssignment(NamedTuple):
    """One Allocation row the booking writes: a phase holding one staff member or one resource.

    start/end include the service's buffers (before the first phase, after the last), so the
    allocations of a booked visit protect its set-up and clean-up time too. `share` is the units of
    a nurse's watch capacity a shared phase takes (0 when exclusive). A named tuple: a month of
    slots makes thousands of these, and a frozen dataclass costs several times more to build."""

    phase_id: int
    start: dt.datetime
    end: dt.datetime
    staff_id: int | None
    resource_id: int | None
    exclusive: bool
    share: int


@dataclass(frozen=True)
class Slot:
    """A bookable start: the visit runs [start, end); `assignments` say what it would hold.

    They are worked out from `plan` when first asked for: a month of starts is listed far more
    often than each start's chairs and clinicians are read (the lean availability answer never
    reads them), and building them for every start cost a quarter of a month's search."""

    start: dt.datetime
    end: dt.datetime
    plan: Callable[[], list[PhaseAssignment]] = field(default=list, repr=False, compare=False)

    @cached_property
    def assignments(self) -> list[PhaseAssignment]:
        return self.plan()

    @property
    def staff_ids(self) -> list[int]:
        seen: dict[int, None] = {}
        for a in self.assignments:
            if a.staff_id is not None:
                seen.setdefault(a.staff_id)
        return list(seen)

    @property
    def resource_ids(self) -> list[int]:
        seen: dict[int, None] = {}
        for a in self.assignments:
            if a.resource_id is not None:
                seen.setdefault(a.resource_id)
        return list(seen)


@dataclass(frozen=True)
class AvailabilityResult:
    slots: list[Slot]
    earliest: Slot | None


class SlotUnavailable(Exception):
    """Why a start time cannot be booked, in words a person reads, with a stable code:
    taken, capacity, outside_hours, closed, time_off, no_staff, no_resource, not_offered,
    min_notice, horizon, off_grid, staff_only, invalid."""

    def __init__(self, detail: str, code: str):
        super().__init__(detail)
        self.detail = detail
        self.code = code

    def __repr__(self) -> str:
        return f"SlotUnavailable({self.detail!r}, code={self.code!r})"
