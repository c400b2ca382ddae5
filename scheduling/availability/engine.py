"""find_slots and plan_slot: the engine's two entry points (the contract other areas call)."""

from __future__ import annotations

import datetime as dt
import functools
import math
from collections.abc import Collection

from django.utils import timezone

from scheduling import catalog, timeutils
from scheduling.models import Location, Patient, Service, StaffMember

from .core import assign_at, Assignment, build_runs, Choices, EXCLUSIVE, first_staff_run, layout, prepare, Row, SHARED
from .explain import explain, role_label
from .hours import from_epoch, to_epoch
from .loader import Context, is_video, load
from .types import AvailabilityResult, PhaseAssignment, Slot, SlotUnavailable


def offering_problem(*, service: Service, location: Location | None,
                     staff: StaffMember | None = None) -> SlotUnavailable | None:
    """Why `service` cannot be booked at `location` (None: video) with `staff` at all, if so."""
    if not service.active:
        return SlotUnavailable(f"{service.name} is not currently offered.", "not_offered")
    if is_video(location):
        if not service.allows_video:
            return SlotUnavailable(f"{service.name} is not offered by video.", "not_offered")
    else:
        if not service.allows_in_person:
            return SlotUnavailable(f"{service.name} is offered by video only.", "not_offered")
        # .all() so a prefetched list (the API prefetches it) costs no query.
        if not location.active or all(offered.pk != location.pk for offered in service.locations.all()):
            return SlotUnavailable(f"{service.name} is not offered at {location.name}.", "not_offered")
    if staff is not None:
        roles = {p.staff_role for p in service.phases.all() if p.staff_role and p.staff_usage in (EXCLUSIVE, SHARED)}
        if not roles & set(staff.roles) or not staff.active:
            needed = " or ".join(sorted(role_label(r) for r in roles)) or "clinician"
            return SlotUnavailable(f"{staff.display_name} is not a {needed} for {service.name}.", "no_staff")
    return None


def _ceil(instant: dt.datetime) -> int:
    return math.ceil(instant.timestamp())


def _slot(ctx: Context, start: int, assignments: list[Assignment]) -> Slot:
    held = [PhaseAssignment(a.need.phase_id, from_epoch(a.start), from_epoch(a.end), a.staff_id, a.resource_id,
                            a.exclusive, a.share) for a in assignments]
    return Slot(start=from_epoch(start), end=from_epoch(start + _length(ctx)), plan=lambda: held)


def _length(ctx: Context) -> int:
    return ctx.needs[-1].end if ctx.needs else 0


def _held(rows: list[Row], start: int, choices: Choices, instant) -> list[PhaseAssignment]:
    """What a visit at `start` would hold: assignments_for's answer as the booking writes it
    (instants as datetimes), built in one pass for a month of slots."""
    chosen = choices.holders(start)
    out = []
    for run, need, is_staff, exclusive, share in rows:
        holder_id = chosen[run].id
        out.append(PhaseAssignment(need.phase_id, instant(start + need.hold_start), instant(start + need.hold_end),
                                   holder_id if is_staff else None, None if is_staff else holder_id, exclusive, share))
    return out


def _candidates(ctx: Context, start: dt.datetime, end: dt.datetime, grid_run: int | None,
                prepared) -> list[int]:
    step = ctx.service.slot_step_minutes
    if not ctx.video:
        return timeutils.grid_seconds(start, end, ctx.site_zone, step)
    if grid_run is None:
        return []
    starts: set[int] = set()
    for holder, _ in prepared.per_run[grid_run]:
        starts.update(holder.grid or ())
    return sorted(starts)


def find_slots(*, service: Service, location: Location | None, start: dt.datetime, end: dt.datetime,
               staff: StaffMember | None = None, language: str | None = None, patient: Patient | None = None,
               now: dt.datetime | None = None, exclude_appointment_ids: Collection[int] = (),
               enforce_booking_rules: bool = True) -> AvailabilityResult:
    """Every bookable start in [start, end), on the service's grid, with what each would hold.

    location=None (or a virtual location) asks for video visits on each clinician's own wall
    clock. Minimum notice and horizon are applied unless enforce_booking_rules is False."""
    start = timeutils.require_aware(start, name="start")
    end = timeutils.require_aware(end, name="end")
    now = timeutils.require_aware(now or timezone.now(), name="now")
    empty = AvailabilityResult(slots=[], earliest=None)
    if end <= start or offering_problem(service=service, location=location, staff=staff):
        return empty
    lo, hi = _ceil(start), _ceil(end)
    if enforce_booking_rules:
        lo = max(lo, _ceil(now + dt.timedelta(minutes=service.min_notice_minutes)))
        hi = min(hi, math.floor((now + dt.timedelta(days=service.horizon_days)).timestamp()) + 1)
    if lo >= hi:
        return empty
    window_start, window_end = from_epoch(lo), from_epoch(hi)
    ctx = load(service=service, location=location, window_start=window_start, window_end=window_end, staff=staff,
               language=language, patient=patient, now=now, exclude_appointment_ids=exclude_appointment_ids)
    if not ctx.needs:
        return empty
    prepared = prepare(ctx.needs, ctx.calendar, within=[(lo, hi)], with_resources=not ctx.video)
    grid_run = first_staff_run(prepared.runs) if ctx.video else None
    rows = layout(prepared.runs)
    instant = functools.cache(from_epoch)  # the slots of a month share a few thousand instants
    length = _length(ctx)
    choices = Choices(prepared, _candidates(ctx, window_start, window_end, grid_run, prepared), grid_run=grid_run)
    slots = [Slot(start=instant(at), end=instant(at + length), plan=functools.partial(_held, rows, at, choices, instant))
             for at in choices.starts]
    return AvailabilityResult(slots=slots, earliest=slots[0] if slots else None)


def _check_rules(ctx: Context, service: Service, start: dt.datetime, now: dt.datetime) -> None:
    if not service.bookable_online:
        raise SlotUnavailable(f"{service.name} is booked by the clinic's staff only.", "staff_only")
    step = service.slot_step_minutes
    if not ctx.video and not timeutils.on_grid(start, ctx.site_zone, step):
        raise SlotUnavailable(
            f"{timeutils.describe(start, ctx.site_zone)} is not a start time: visits start every {step} minutes.",
            "off_grid")
    notice = dt.timedelta(minutes=service.min_notice_minutes)
    if start < now + notice:
        hours, minutes = divmod(service.min_notice_minutes, 60)
        amount = (f"{hours} hour{'s' if hours != 1 else ''}" if hours and not minutes
                  else f"{service.min_notice_minutes} minutes")
        raise SlotUnavailable(f"Less than {amount}' notice: book from "
                              f"{timeutils.describe(now + notice, ctx.display_zone())} on.", "min_notice")
    if start > now + dt.timedelta(days=service.horizon_days):
        raise SlotUnavailable(f"{service.name} can be booked at most {service.horizon_days} days ahead.", "horizon")


def plan_slot(*, service: Service, location: Location | None, start: dt.datetime, staff: StaffMember | None = None,
              patient: Patient | None = None, now: dt.datetime | None = None,
              exclude_appointment_ids: Collection[int] = (), enforce_booking_rules: bool = True,
              name_resources: bool = False) -> Slot:
    """What a visit starting at `start` would hold, or SlotUnavailable saying exactly why not
    (naming chairs and rooms only with `name_resources`, for the clinic's staff).

    The booking service calls this under its locks; enforce_booking_rules=False (a desk override)
    skips bookable-online, the grid, minimum notice and the horizon, never conflicts or hours."""
    start = timeutils.require_aware(start, name="start")
    now = timeutils.require_aware(now or timezone.now(), name="now")
    problem = offering_problem(service=service, location=location, staff=staff)
    if problem:
        raise problem
    first = to_epoch(start)
    if first != start.timestamp():
        raise SlotUnavailable("Visits start on a whole minute.", "off_grid")
    # A margin of the longest visit around the start lets messages name the whole visit a chair
    # is taken by; more would only read and sort allocations the answer cannot depend on. (This
    # service's own length too, should it be newer than the catalog the request started with.)
    margin = max(catalog.current().longest_visit, dt.timedelta(minutes=service.minutes_held()))
    ctx = load(service=service, location=location, window_start=start - margin, window_end=start + margin, staff=staff,
               patient=patient, now=now, exclude_appointment_ids=exclude_appointment_ids)
    if not ctx.needs:
        raise SlotUnavailable(f"{service.name} has no phases set up yet.", "not_offered")
    if enforce_booking_rules:
        _check_rules(ctx, service, start, now)
    runs = build_runs(ctx.needs, with_resources=not ctx.video)
    grid_run = first_staff_run(runs) if ctx.video and enforce_booking_rules else None
    assignments = assign_at(ctx.needs, runs, ctx.calendar, first, grid_run=grid_run)
    if assignments is None:
        if grid_run is not None and assign_at(ctx.needs, runs, ctx.calendar, first) is not None:
            raise SlotUnavailable(f"Visits start every {service.slot_step_minutes} minutes on the clinician's clock.",
                                  "off_grid")
        raise explain(ctx, first, name_resources=name_resources)
    return _slot(ctx, first, assignments)
