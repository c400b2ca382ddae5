"""Books the demo clinic's past and upcoming visits with the availability engine itself, so they
are consistent by construction (no overlap, within hours, nurse capacity respected), then writes
them with bulk inserts.

Calendars are read once per four-week block and service (the loader's fixed handful of queries)
and sliced per day in memory; what is booked is kept in per-day buckets that every context
shares, so a clinician booked by video is busy for the in-person calendar too.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, replace

from scheduling import timeutils
from scheduling.availability.core import assign, Calendar, first_staff_run, Holder, prepare
from scheduling.availability.hours import from_epoch, to_epoch
from scheduling.availability.intervals import contains, intersect
from scheduling.availability.loader import Context, load
from scheduling.models import Allocation, Appointment, AppointmentStatus, Location, Service

BLOCK_DAYS = 28
DAY_SECONDS = 86400
# How often each service is booked, and for "either" services how often by video.
MIX = {"iv-infusion": 20, "booster-infusion": 6, "spravato": 6, "kap-dosing": 2, "preparation": 12,
       "integration": 24, "evaluation": 12, "med-management": 18}
VIDEO_SHARE = 0.5


@dataclass
class Booked:
    service: Service
    location: Location | None
    start: int
    end: int
    assignments: list
    status: str


class Buckets:
    """Rows held per holder, bucketed by UTC day so a day's calendar reads only its neighbours."""

    def __init__(self) -> None:
        self.busy: dict[tuple[str, int], dict[int, list]] = defaultdict(lambda: defaultdict(list))
        self.shared: dict[int, dict[int, list]] = defaultdict(lambda: defaultdict(list))

    def add(self, assignments, marker: int) -> None:
        for a in assignments:
            day = a.start // DAY_SECONDS
            if a.resource_id is not None:
                self.busy[("resource", a.resource_id)][day].append((a.start, a.end, marker))
            elif a.exclusive:
                self.busy[("staff", a.staff_id)][day].append((a.start, a.end, marker))
            else:
                self.shared[a.staff_id][day].append((a.start, a.end, a.share, marker))

    def forget_before(self, day: int) -> None:
        for store in (*self.busy.values(), *self.shared.values()):
            for old in [d for d in store if d < day - 1]:
                del store[old]

    def rows(self, store, day: int) -> list:
        return sorted(row for d in (day - 1, day, day + 1) for row in store.get(d, ()))


@dataclass
class DayCalendar:
    """One context's calendar for one day, and its holders as ("staff"|"resource", holder)."""

    calendar: Calendar
    holders: list[tuple[str, Holder]]


def _day_calendar(ctx: Context, lo: int, hi: int) -> DayCalendar:
    """The block calendar cut down to one day: every holder keeps only that day's hours."""
    window = [(lo, hi)]
    cut: dict[int, tuple[str, Holder]] = {}

    def day_holder(holder: Holder, kind: str) -> Holder:
        if id(holder) not in cut:
            cut[id(holder)] = (kind, replace(holder, open=intersect(holder.open, window), busy=[], shared=[]))
        return cut[id(holder)][1]

    calendar = Calendar(
        site_open=intersect(ctx.calendar.site_open, window) if ctx.calendar.site_open is not None else None,
        staff={role: [day_holder(h, "staff") for h in pool] for role, pool in ctx.calendar.staff.items()},
        resources={kind: [day_holder(h, "resource") for h in pool] for kind, pool in ctx.calendar.resources.items()},
        present={role: [day_holder(h, "staff") for h in pool] for role, pool in ctx.calendar.present.items()},
    )
    return DayCalendar(calendar, list(cut.values()))


def _contexts(services: dict[str, Service], sites: list[Location]) -> list[tuple[Service, Location | None, float]]:
    out = []
    for code, weight in MIX.items():
        service = services[code]
        places: list[tuple[Location | None, float]] = []
        if service.allows_in_person:
            share = (1 - VIDEO_SHARE) if service.allows_video else 1.0
            places += [(site, share / len(sites)) for site in sites]
        if service.allows_video:
            places.append((None, VIDEO_SHARE if service.allows_in_person else 1.0))
        out += [(service, place, weight * share) for place, share in places]
    return out


def book_visits(*, services: dict[str, Service], sites: list[Location], first_day: dt.date, last_day: dt.date,
                target: int, today: dt.date, upcoming_per_week: float,
                weekday_weights: tuple[float, ...] = (1, 1, 1, 1, 1, 0.5, 0), seed: int = 1) -> Iterator[list[Booked]]:
    """Place `target` visits between first_day and last_day (inclusive), busiest on weekdays;
    yields them a block of days at a time so a large history never sits in memory at once.

    The days from `today` on get about `upcoming_per_week` visits a week, fewer the further out
    (as a real clinic's calendar fills), placed first and from their own random stream: they come
    out the same whatever the target, so a bigger target only adds older history."""
    days = [first_day + dt.timedelta(days=i) for i in range((last_day - first_day).days + 1)]
    upcoming = [d for d in days if d >= today]
    past = [d for d in days if d < today]
    ahead = max((last_day - today).days, 1)
    upcoming_rng = random.Random(seed)
    upcoming_weights = [weekday_weights[d.weekday()] * max(0.5, 1 - 0.5 * (d - today).days / ahead)
                        * upcoming_rng.uniform(0.85, 1.15) for d in upcoming]
    per_weight = upcoming_per_week / max(sum(weekday_weights), 1e-9)
    upcoming_target = min(target, round(per_weight * sum(upcoming_weights)))
    placed = yield from _book_days(services, sites, upcoming, upcoming_weights, upcoming_target, today, upcoming_rng)
    past_rng = random.Random(seed + 1)
    past_weights = [weekday_weights[d.weekday()] * past_rng.uniform(0.85, 1.15) for d in past]
    yield from _book_days(services, sites, past, past_weights, target - placed, today, past_rng)


def _book_days(services, sites, days: list[dt.date], weights: list[float], target: int, today: dt.date,
               rng: random.Random) -> Iterator[list[Booked]]:
    contexts = _contexts(services, sites)
    per_weight = target / max(sum(weights), 1e-9)
    cumulative = 0.0
    buckets = Buckets()
    placed_count = 0
    grids: dict[tuple[str, int, int], list[int]] = {}
    now = dt.datetime.combine(days[0], dt.time(0), tzinfo=dt.UTC) if days else None

    for block_start in range(0, len(days), BLOCK_DAYS):
        block = days[block_start:block_start + BLOCK_DAYS]
        lo = dt.datetime.combine(block[0], dt.time(6), tzinfo=dt.UTC)
        hi = dt.datetime.combine(block[-1] + dt.timedelta(days=1), dt.time(6), tzinfo=dt.UTC)
        booked: list[Booked] = []
        loaded = [(load(service=service, location=place, window_start=lo, window_end=hi, now=now), weight)
                  for service, place, weight in contexts]
        for day, weight in zip(block, weights[block_start:block_start + BLOCK_DAYS], strict=False):
            # Cumulative rounding hits the target exactly; a day that is full passes its rest on.
            cumulative += weight
            quota = round(cumulative * per_weight) - placed_count
            day_lo = to_epoch(dt.datetime.combine(day, dt.time(6), tzinfo=dt.UTC))
            day_hi = day_lo + DAY_SECONDS
            open_contexts = list(loaded)
            cut: dict[int, DayCalendar] = {}
            while quota > 0 and open_contexts:
                pick = rng.choices(range(len(open_contexts)), weights=[w for _, w in open_contexts])[0]
                ctx = open_contexts[pick][0]
                if id(ctx) not in cut:
                    cut[id(ctx)] = _day_calendar(ctx, day_lo, day_hi)
                placed = _place_one(ctx, cut[id(ctx)], buckets, day_lo, day_hi, grids, rng)
                if placed is None:
                    open_contexts.pop(pick)
                    continue
                start, assignments = placed
                status = (rng.choices([AppointmentStatus.COMPLETED, AppointmentStatus.NO_SHOW,
                                       AppointmentStatus.CANCELLED], [85, 5, 10])[0] if day < today
                          else rng.choices([AppointmentStatus.BOOKED, AppointmentStatus.CANCELLED], [93, 7])[0])
                if status != AppointmentStatus.CANCELLED:
                    buckets.add(assignments, placed_count)
                booked.append(Booked(ctx.service, ctx.location, start, start + ctx.needs[-1].end, assignments, status))
                placed_count += 1
                quota -= 1
        yield booked
        buckets.forget_before(to_epoch(lo) // DAY_SECONDS)
    return placed_count


def _place_one(ctx: Context, day_calendar: DayCalendar, buckets: Buckets, day_lo: int, day_hi: int,
               grids: dict, rng: random.Random):
    day = day_lo // DAY_SECONDS
    for kind, holder in day_calendar.holders:
        holder.busy = buckets.rows(buckets.busy.get((kind, holder.id), {}), day)
        holder.shared = buckets.rows(buckets.shared.get(holder.id, {}), day) if kind == "staff" else []
    prepared = prepare(ctx.needs, day_calendar.calendar, within=[(day_lo, day_hi)], with_resources=not ctx.video)
    if not prepared.feasible:
        return None
    grid_run = first_staff_run(prepared.runs) if ctx.video else None
    if ctx.video:
        candidates = sorted({s for holder, _ in prepared.per_run[grid_run] if holder.grid for s in holder.grid
                             if day_lo <= s < day_hi}) if grid_run is not None else []
    else:
        key = (ctx.location.time_zone, ctx.service.slot_step_minutes, day_lo)
        if key not in grids:
            grids[key] = timeutils.grid_seconds(from_epoch(day_lo), from_epoch(day_hi), ctx.site_zone,
                                                ctx.service.slot_step_minutes)
        candidates = grids[key]
    feasible = [s for s in candidates if contains(prepared.feasible, s)]
    rng.shuffle(feasible)
    for start in feasible:
        assignments = assign(prepared, start, grid_run=grid_run)
        if assignments is not None:
            return start, assignments
    return None


def write_visits(booked: list[Booked], *, patient_ids: list[int], seed: int = 2, batch: int = 5000) -> int:
    """Insert the visits and their allocations in bulk; returns the number of allocation rows."""
    rng = random.Random(seed)
    channels = ["online", "online", "front_desk", "phone"]
    rows = 0
    for first in range(0, len(booked), batch):
        chunk = booked[first:first + batch]
        appointments = Appointment.objects.bulk_create([
            Appointment(patient_id=rng.choice(patient_ids), service=b.service, location=b.location,
                        modality="video" if b.location is None else "in_person", start=from_epoch(b.start),
                        end=from_epoch(b.end), status=b.status, channel=rng.choice(channels),
                        cancelled_by="patient" if b.status == AppointmentStatus.CANCELLED else "",
                        cancel_reason="Schedule conflict" if b.status == AppointmentStatus.CANCELLED else "")
            for b in chunk])
        allocations = [
            Allocation(appointment_id=appointment.id, phase_id=a.need.phase_id, staff_id=a.staff_id,
                       resource_id=a.resource_id, start=from_epoch(a.start), end=from_epoch(a.end),
                       exclusive=a.exclusive, share=a.share)
            for appointment, b in zip(appointments, chunk, strict=False) if b.status != AppointmentStatus.CANCELLED
            for a in b.assignments]
        Allocation.objects.bulk_create(allocations, batch_size=batch)
        rows += len(allocations)
    return rows
