"""A brute-force availability oracle, written independently of the engine: it walks the calendar
one minute at a time and shares no code with scheduling.availability or scheduling.timeutils.

Wall-clock rule: a rule boundary "HH:MM on day D" is the first minute at which the local clock,
read as a plain date and time, shows at least D HH:MM. That gives the same answer as the
engine's documented rule (gap -> end of the gap, fold -> first occurrence) by a different route.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cache
from zoneinfo import ZoneInfo

MINUTE = 60


@dataclass
class Owner:
    rules: list[tuple[int, dt.time, dt.time, dt.date | None, dt.date | None]] = field(default_factory=list)
    extra: list[tuple[dt.date, dt.time, dt.time]] = field(default_factory=list)
    off: list[tuple[dt.date, dt.time | None, dt.time | None]] = field(default_factory=list)


@cache
def reach(zone: str, day: dt.date, clock: dt.time | None) -> int:
    """Epoch minute at which the clock in `zone` first shows `day clock` (None: next midnight)."""
    tz = ZoneInfo(zone)
    target = dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0)) if clock is None \
        else dt.datetime.combine(day, clock)
    minute = int(dt.datetime.combine(day, dt.time(0), tzinfo=dt.UTC).timestamp()) // MINUTE - 16 * 60
    while dt.datetime.fromtimestamp(minute * MINUTE, tz).replace(tzinfo=None) < target:
        minute += 1
    return minute


def local(zone: str, minute: int) -> dt.datetime:
    return dt.datetime.fromtimestamp(minute * MINUTE, ZoneInfo(zone))


def open_minutes(owner: Owner, *, zone: str, closed: set[dt.date], lo: int, hi: int) -> set[int]:
    out = set()
    for minute in range(lo, hi):
        day = local(zone, minute).date()
        if day in closed:
            continue
        working = any(
            weekday == day.weekday() and (since is None or day >= since) and (until is None or day <= until)
            and reach(zone, day, start) <= minute < reach(zone, day, end)
            for weekday, start, end, since, until in owner.rules)
        working = working or any(d == day and reach(zone, d, s) <= minute < reach(zone, d, e) for d, s, e in owner.extra)
        if not working:
            continue
        if any(d == day and (s is None or reach(zone, d, s) <= minute < reach(zone, d, e)) for d, s, e in owner.off):
            continue
        out.add(minute)
    return out


@dataclass
class World:
    """Minute sets per holder; phases as (id, minutes, staff_role, usage, resource_kind, present_role)."""

    zone: str
    site_open: set[int]
    resources: dict[int, tuple[str, set[int]]]          # id -> (kind, open minutes)
    staff: dict[int, tuple[list[str], set[int], int]]   # id -> (roles, open minutes, capacity)
    resource_busy: dict[int, set[int]]
    staff_busy: dict[int, set[int]]
    staff_load: dict[int, dict[int, int]]
    phases: list[tuple[int, int, str, str, str, str]]
    step: int
    buffer_before: int
    buffer_after: int


def _groups(phases, key):
    groups, current = [], []
    for phase in phases:
        k = key(phase)
        if current and key(current[-1]) != k:
            groups.append(current)
            current = []
        if k:
            current.append(phase)
    if current:
        groups.append(current)
    return groups


def slots(world: World, *, lo: int, hi: int, earliest: int, latest: int) -> list[tuple[int, list[tuple]]]:
    """(start minute, assignments) for every bookable start minute in [lo, hi)."""
    out = []
    for start in range(lo, hi):
        when = local(world.zone, start)
        if (when.hour * 60 + when.minute) % world.step or start < earliest or start > latest:
            continue
        held = {}
        offset = 0
        for index, phase in enumerate(world.phases):
            a = start + offset - (world.buffer_before if index == 0 else 0)
            b = start + offset + phase[1] + (world.buffer_after if index == len(world.phases) - 1 else 0)
            held[phase[0]] = (a, b, start + offset, start + offset + phase[1])
            offset += phase[1]
        if any(m not in world.site_open for a, b, _, _ in held.values() for m in range(a, b)):
            continue
        assignments = []
        ok = True
        for run in _groups(world.phases, lambda p: p[2] if p[3] in ("exclusive", "shared") else ""):
            chosen = None
            for sid in sorted(world.staff):
                roles, opened, capacity = world.staff[sid]
                if run[0][2] not in roles:
                    continue
                if all(m in opened and (m not in world.staff_busy.get(sid, ()) if p[3] == "exclusive"
                                        else world.staff_load.get(sid, {}).get(m, 0) + 1 <= capacity)
                       for p in run for m in range(held[p[0]][0], held[p[0]][1])):
                    chosen = sid
                    break
            if chosen is None:
                ok = False
                break
            assignments += [(p[0], held[p[0]][0], held[p[0]][1], chosen, None, p[3] == "exclusive",
                             0 if p[3] == "exclusive" else 1) for p in run]
        if not ok:
            continue
        for run in _groups(world.phases, lambda p: p[4]):
            chosen = next((rid for rid in sorted(world.resources)
                           if world.resources[rid][0] == run[0][4]
                           and all(m in world.resources[rid][1] and m not in world.resource_busy.get(rid, ())
                                   for p in run for m in range(held[p[0]][0], held[p[0]][1]))), None)
            if chosen is None:
                ok = False
                break
            assignments += [(p[0], held[p[0]][0], held[p[0]][1], None, chosen, True, 0) for p in run]
        if not ok:
            continue
        for phase in world.phases:
            for role in {phase[5], phase[2] if phase[3] == "present" else ""} - {""}:
                if not any(role in roles and all(m in opened for m in range(held[phase[0]][2], held[phase[0]][3]))
                           for roles, opened, _ in world.staff.values()):
                    ok = False
        if ok:
            order = {p[0]: i for i, p in enumerate(world.phases)}
            out.append((start, sorted(assignments, key=lambda a: (order[a[0]], a[4] is not None))))
    return out
