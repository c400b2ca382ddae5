"""The availability engine proper: pure functions over interval lists, no database.

A service is a list of `Need`s (one per phase, as offsets from the visit's start). Consecutive
phases needing the same staff role keep one person, and consecutive phases needing the same
resource kind keep one chair or room: each such group is a `Run`, and since a service's phases
follow each other in time, runs are independent of one another.

For each candidate holder of a run the engine computes, once per request, the set of visit
start times at which that holder can take every phase of the run (free over the held range,
within their hours, under watch capacity). A start is bookable when every run has a holder
whose set contains it, the site is open throughout, someone of each "present" role is on site,
and the start is on the grid and within notice and horizon. Choosing the lowest-id holder keeps
chairs packed and answers deterministically.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import NamedTuple

from .intervals import (
    below_capacity,
    covers,
    intersect,
    intersect_all,
    overlapping,
    peak_load,
    Span,
    starts_fitting,
    subtract,
    union,
)

EXCLUSIVE, SHARED, PRESENT = "exclusive", "shared", "present"


@dataclass(frozen=True)
class Need:
    """What one phase needs. Offsets are seconds from the visit's start; hold_* include buffers."""

    phase_id: int
    name: str
    start: int
    end: int
    hold_start: int
    hold_end: int
    staff_role: str = ""
    staff_usage: str = EXCLUSIVE
    resource_kind: str = ""
    present_roles: tuple[str, ...] = ()


@dataclass(frozen=True)
class Run:
    """Consecutive phases held by one staff member (is_staff) or one resource of `role`."""

    is_staff: bool
    role: str
    needs: tuple[Need, ...]

    @property
    def hold_start(self) -> int:
        return self.needs[0].hold_start

    @property
    def hold_end(self) -> int:
        return self.needs[-1].hold_end


@dataclass
class Holder:
    """A staff member or resource: when they work (`open`) and what they already hold.

    `busy` rows are (start, end, appointment_id) of exclusive holdings (every holding, for a
    resource); `shared` rows are (start, end, units, appointment_id) of watch-capacity shares."""

    id: int
    name: str
    open: list[Span]
    busy: list[tuple[int, int, int]] = field(default_factory=list)
    shared: list[tuple[int, int, int, int]] = field(default_factory=list)
    capacity: int = 0
    grid: frozenset[int] | None = None  # video: the starts on this clinician's own wall-clock grid

    def free(self) -> list[Span]:
        return subtract(self.open, [(b[0], b[1]) for b in self.busy])

    def under_capacity(self, units: int) -> list[Span]:
        return below_capacity(((s[0], s[1], s[2]) for s in self.shared), self.capacity - units, self.open)


@dataclass
class Calendar:
    """Everything one request needs: the site's open hours (None for video), holders by staff
    role and by resource kind (in preference order), and who counts for a "present" role."""

    site_open: list[Span] | None
    staff: dict[str, list[Holder]]
    resources: dict[str, list[Holder]]
    present: dict[str, list[Holder]]


class Assignment(NamedTuple):
    """A need met by a holder: epoch-second start/end of what is held."""

    need: Need
    start: int
    end: int
    staff_id: int | None
    resource_id: int | None
    exclusive: bool
    share: int


def build_runs(needs: Iterable[Need], *, with_resources: bool) -> list[Run]:
    runs: list[Run] = []
    open_staff: list[Need] = []
    open_resource: list[Need] = []

    def close(group: list[Need], is_staff: bool) -> None:
        if group:
            runs.append(Run(is_staff, group[0].staff_role if is_staff else group[0].resource_kind, tuple(group)))

    for need in needs:
        role = need.staff_role if need.staff_usage in (EXCLUSIVE, SHARED) else ""
        if open_staff and open_staff[-1].staff_role != role:
            close(open_staff, True)
            open_staff = []
        if role:
            open_staff.append(need)
        kind = need.resource_kind if with_resources else ""
        if open_resource and open_resource[-1].resource_kind != kind:
            close(open_resource, False)
            open_resource = []
        if kind:
            open_resource.append(need)
    close(open_staff, True)
    close(open_resource, False)
    return runs


def present_roles(need: Need) -> tuple[str, ...]:
    roles = list(need.present_roles)
    if need.staff_role and need.staff_usage == PRESENT:
        roles.append(need.staff_role)
    return tuple(dict.fromkeys(roles))


def holder_starts(run: Run, holder: Holder) -> list[Span]:
    """Visit starts at which `holder` can take every phase of `run`.

    Consecutive phases held the same way (exclusively, or as a share of watch capacity) are
    checked as one stretch: the spans are disjoint and never adjacent, so back-to-back phases
    inside the spans lie inside one span, the same span that holds the whole stretch."""
    free: list[Span] | None = None
    under: list[Span] | None = None
    result: list[Span] | None = None
    for exclusive, stretch in _stretches(run):
        if exclusive:
            free = available = free if free is not None else holder.free()
        else:
            under = available = under if under is not None else holder.under_capacity(1)
        starts = starts_fitting(available, stretch[0].hold_start, stretch[-1].hold_end)
        result = starts if result is None else intersect(result, starts)
    return result or []


def _stretches(run: Run) -> list[tuple[bool, list[Need]]]:
    """The run's phases in groups of back-to-back ones held the same way: (exclusive, phases)."""
    groups: list[tuple[bool, list[Need]]] = []
    for need in run.needs:
        exclusive = not run.is_staff or need.staff_usage == EXCLUSIVE
        if groups and groups[-1][0] == exclusive and groups[-1][1][-1].hold_end == need.hold_start:
            groups[-1][1].append(need)
        else:
            groups.append((exclusive, [need]))
    return groups


@dataclass
class Prepared:
    """Per-request precomputation: feasible starts overall, and per run the holders' own sets."""

    runs: list[Run]
    feasible: list[Span]
    per_run: list[list[tuple[Holder, list[Span]]]]


def prepare(needs: list[Need], calendar: Calendar, *, within: list[Span], with_resources: bool) -> Prepared:
    runs = build_runs(needs, with_resources=with_resources)
    constraints: list[list[Span]] = []
    if calendar.site_open is not None:
        constraints += [starts_fitting(calendar.site_open, n.hold_start, n.hold_end) for n in needs]
    for need in needs:
        for role in present_roles(need):
            on_site = [starts_fitting(h.open, need.start, need.end) for h in calendar.present.get(role, ())]
            constraints.append(union(*on_site) if on_site else [])
    per_run: list[list[tuple[Holder, list[Span]]]] = []
    for run in runs:
        pool = (calendar.staff if run.is_staff else calendar.resources).get(run.role, ())
        sets = [(holder, holder_starts(run, holder)) for holder in pool]
        per_run.append(sets)
        constraints.append(union(*(s for _, s in sets)) if sets else [])
    feasible = intersect_all(sorted(constraints, key=len), within) if constraints or within else []
    return Prepared(runs, feasible, per_run)


class Row(NamedTuple):
    """One line of what every slot holds: the phase, the run whose holder takes it, and how."""

    run: int
    need: Need
    is_staff: bool
    exclusive: bool
    share: int  # units of watch capacity (0 when exclusive)


def layout(runs: list[Run]) -> list[Row]:
    """What every slot holds, in order: phase by phase, staff first."""
    rows = []
    for index, run in enumerate(runs):
        for need in run.needs:
            exclusive = not run.is_staff or need.staff_usage == EXCLUSIVE
            rows.append(Row(index, need, run.is_staff, exclusive, 0 if exclusive else 1))
    return sorted(rows, key=lambda row: (row.need.start, not row.is_staff))


def choose_many(prepared: Prepared, candidates: Iterable[int], *,
                grid_run: int | None = None) -> Iterator[tuple[int, list[Holder]]]:
    """For each bookable start among `candidates` (ascending), the holder taking each run: the
    lowest-id one whose set contains the start. One pass with a cursor per set, so a month of
    candidates costs little more than reading the sets once."""
    cursors = [[0] * len(sets) for sets in prepared.per_run]
    for start in _inside(sorted(candidates), prepared.feasible):
        chosen: list[Holder] = []
        for index, sets in enumerate(prepared.per_run):
            cursor = cursors[index]
            for position, (holder, starts) in enumerate(sets):
                c = cursor[position]
                while c < len(starts) and starts[c][1] <= start:
                    c += 1
                cursor[position] = c
                if c < len(starts) and starts[c][0] <= start and (
                        index != grid_run or holder.grid is None or start in holder.grid):
                    chosen.append(holder)
                    break
            else:
                break
        if len(chosen) == len(prepared.per_run):
            yield start, chosen


class Choices:
    """What choose_many answers for `candidates` (ascending), worked out no sooner than needed.

    Without a grid run, every start inside `feasible` has a holder for each run (`feasible` lies
    inside each run's union of holder sets), so the starts are read off `feasible` and holders are
    chosen for all of them once one slot's are first asked for: a lean answer never asks. With
    one (video), the clinician's own grid decides which starts there are, so holders come first."""

    def __init__(self, prepared: Prepared, candidates: list[int], *, grid_run: int | None = None):
        self.prepared = prepared
        self.chosen: dict[int, list[Holder]] | None = None
        if grid_run is None:
            self.starts = list(_inside(candidates, prepared.feasible))
        else:
            self.chosen = dict(choose_many(prepared, candidates, grid_run=grid_run))
            self.starts = list(self.chosen)

    def holders(self, start: int) -> list[Holder]:
        """The holder taking each run for a visit at `start`, one of `starts`."""
        if self.chosen is None:
            self.chosen = dict(choose_many(self.prepared, self.starts))
        return self.chosen[start]


def _inside(candidates: list[int], spans: list[Span]) -> Iterator[int]:
    """The sorted candidates that fall in `spans`, found by bisection rather than one by one."""
    for lo, hi in spans:
        yield from candidates[bisect_left(candidates, lo):bisect_left(candidates, hi)]


def assignments_for(rows: list[Row], start: int, chosen: list[Holder]) -> list[Assignment]:
    out = []
    for run, need, is_staff, exclusive, share in rows:
        holder_id = chosen[run].id
        out.append(Assignment(need, start + need.hold_start, start + need.hold_end, holder_id if is_staff else None,
                              None if is_staff else holder_id, exclusive, share))
    return out


def assign(prepared: Prepared, start: int, *, grid_run: int | None = None) -> list[Assignment] | None:
    """The assignments for a visit starting at `start`, or None when it cannot be booked.
    `grid_run` names the run whose holder must have `start` on their own grid (video)."""
    for _, chosen in choose_many(prepared, [start], grid_run=grid_run):
        return assignments_for(layout(prepared.runs), start, chosen)
    return None


def takes(run: Run, holder: Holder, start: int) -> bool:
    """Whether `holder` can take every phase of `run` for a visit at `start`: whether
    holder_starts(run, holder) holds `start`, without working out the holder's other starts."""
    for need in run.needs:
        lo, hi = start + need.hold_start, start + need.hold_end
        if not covers(holder.open, lo, hi):
            return False
        if not run.is_staff or need.staff_usage == EXCLUSIVE:
            if overlapping(holder.busy, lo, hi):
                return False
        elif peak_load(holder.shared, lo, hi) > holder.capacity - 1:
            return False
    return True


def assign_at(needs: list[Need], runs: list[Run], calendar: Calendar, start: int, *,
              grid_run: int | None = None) -> list[Assignment] | None:
    """What assign(prepare(..., within=[(start, start + 1)]), start) answers, checking the one
    start only: the site open throughout, someone of each "present" role on site, and for each
    run the first holder (in preference order) that can take it. Booking one visit asks this."""
    if calendar.site_open is not None and not all(
            covers(calendar.site_open, start + n.hold_start, start + n.hold_end) for n in needs):
        return None
    for need in needs:
        for role in present_roles(need):
            if not any(covers(h.open, start + need.start, start + need.end) for h in calendar.present.get(role, ())):
                return None
    chosen: list[Holder] = []
    for index, run in enumerate(runs):
        pool = (calendar.staff if run.is_staff else calendar.resources).get(run.role, ())
        holder = next((h for h in pool if takes(run, h, start)
                       and (index != grid_run or h.grid is None or start in h.grid)), None)
        if holder is None:
            return None
        chosen.append(holder)
    return assignments_for(layout(runs), start, chosen)


def first_staff_run(runs: list[Run]) -> int | None:
    return next((i for i, run in enumerate(runs) if run.is_staff), None)
