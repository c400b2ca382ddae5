"""Why one start time cannot be booked, in the words the desk and the patient read.

The code is decided by rules, never by counting: when no holder of a role can take the visit,
the first of PRECEDENCE that any of them gives wins. A holder busy with another booking or hold
comes first, so a start the rules allow but someone now takes is always `taken` (a 409 lost
race), however many other holders are off or outside their hours. Every time names its day and
its zone (the site's; by video the patient's). Chairs and rooms are named only when the caller
may see them (the clinic's staff)."""

from __future__ import annotations

import datetime as dt

from scheduling import timeutils
from scheduling.models import ResourceKind, StaffRole

from .core import build_runs, EXCLUSIVE, Holder, Need, present_roles, Run
from .hours import from_epoch, to_epoch
from .intervals import covers, overlapping, peak_load
from .loader import Context
from .types import SlotUnavailable

# Read once: Choices.labels builds its list afresh on every read, and every refusal names roles.
_ROLE_LABELS = {role.value: role.label.lower() for role in StaffRole}
_KIND_LABELS = {kind.value: kind.label.lower() for kind in ResourceKind}


def role_label(role: str) -> str:
    return _ROLE_LABELS.get(role, role)


def kind_label(kind: str) -> str:
    return _KIND_LABELS.get(kind, kind)


NAMED = 4  # holders a "No chair is free" message names; the rest are "and N more"
# Holder reasons, the one that decides first: someone else's visit (a lost race), then the rules.
PRECEDENCE = ("taken", "capacity", "time_off", "outside_hours")


def _range(ctx: Context, start: int, end: int, staff_id: int | None = None) -> str:
    return timeutils.describe_range(from_epoch(start), from_epoch(end), ctx.display_zone(staff_id))


def _day(ctx: Context, instant: int, staff_id: int | None = None) -> tuple[dt.date, str]:
    local = from_epoch(instant).astimezone(ctx.zone_for(staff_id))
    return local.date(), local.strftime("%a %d %b %Y")


def buffers_text(ctx: Context, need: Need | None = None) -> str:
    """"its 15-minute buffers before and after" when the time held includes buffers (of `need`
    alone when given), which a refusal must name: the visit alone may fit where the time it holds
    does not. "" without buffers."""
    before, after = ctx.service.buffer_before_minutes, ctx.service.buffer_after_minutes
    if need is not None:
        before = before if need.hold_start < need.start else 0
        after = after if need.hold_end > need.end else 0
    if before and before == after:
        return f"its {before}-minute buffers before and after"
    parts = [f"{minutes}-minute buffer {side}" for minutes, side in ((before, "before"), (after, "after")) if minutes]
    return f"its {' and '.join(parts)}" if parts else ""


def _with(buffers: str) -> str:
    return f"with {buffers}, " if buffers else ""


def _site_reason(ctx: Context, start: int, need: Need) -> SlotUnavailable:
    site = ctx.location
    lo, hi = start + ctx.needs[0].hold_start, start + ctx.needs[-1].hold_end
    day, label = _day(ctx, start + need.hold_start)
    closure = next((c for c in ctx.closures if c.covers(day)), None)
    if closure:
        why = f" ({closure.reason})" if closure.reason else ""
        return SlotUnavailable(f"{site.name} is closed on {label}{why}.", "closed")
    day_start, day_end = (to_epoch(x) for x in timeutils.day_bounds(day, ctx.site_zone))
    opening = [(max(s, day_start), min(e, day_end)) for s, e in ctx.calendar.site_open or ()
               if s < day_end and e > day_start]
    if not opening:
        return SlotUnavailable(f"{site.name} is not open on {label}.", "outside_hours")
    zone = ctx.site_zone
    hours = ", ".join(f"{timeutils.clock_range(from_epoch(s), from_epoch(e), zone)} "
                      f"{from_epoch(s).astimezone(zone).tzname()}" for s, e in opening)
    return SlotUnavailable(f"Outside {site.name}'s hours: {_with(buffers_text(ctx))}{_range(ctx, lo, hi)} does not fit in "
                           f"{hours}.",
                           "outside_hours")


def _holder_reason(ctx: Context, run: Run, holder: Holder, start: int, *, words: bool = True) -> tuple[str, str]:
    """(what a person reads, code) for why `holder` cannot take `run` at `start`, or ("", "ok").
    Without `words` only the code is worked out: a message names the first few holders only,
    and putting times into words is most of the cost of a lost race."""
    staff_id = holder.id if run.is_staff else None
    for need in run.needs:
        lo, hi = start + need.hold_start, start + need.hold_end
        if not covers(holder.open, lo, hi):
            day, label = _day(ctx, lo, staff_id)
            off = [o for o in ctx.time_off.get(("staff" if run.is_staff else "resource", holder.id), ())
                   if o.date == day]
            if off:
                why = f" ({off[0].reason})" if off[0].reason else ""
                return f"{holder.name} is unavailable on {label}{why}", "time_off"
            if not words:
                return "", "outside_hours"
            buffers = buffers_text(ctx, need)
            return (f"{holder.name} is not available {_range(ctx, lo, hi, staff_id)}"
                    f"{f' (with {buffers})' if buffers else ''}"), "outside_hours"
        if not run.is_staff or need.staff_usage == EXCLUSIVE:
            clash = overlapping(holder.busy, lo, hi)
            if clash and not words:
                return "", "taken"
            if clash:
                # Name the whole stretch that visit holds, not just the phase row that collides.
                rows = [b for b in holder.busy if b[2] == clash[0][2]]
                lo, hi = min(b[0] for b in rows), max(b[1] for b in rows)
                verb = "is booked" if run.is_staff else "is taken"
                return f"{holder.name} {verb} {_range(ctx, lo, hi, staff_id)}", "taken"
        elif peak_load(holder.shared, lo, hi) > holder.capacity - 1:  # as core.takes decides
            if not words:
                return "", "capacity"
            return (f"{holder.name} is already watching {holder.capacity} "
                    f"{'chair' if holder.capacity == 1 else 'chairs'} during {_range(ctx, lo, hi, staff_id)}"), "capacity"
    return "", "ok"


def _pool_empty(ctx: Context, run: Run) -> SlotUnavailable:
    if not run.is_staff:
        return SlotUnavailable(f"{ctx.location.name} has no {kind_label(run.role)}.", "no_resource")
    filters = ctx.staff_filters
    who = role_label(run.role)
    if filters.get("staff"):
        return SlotUnavailable(f"{filters['staff']} is not a {who} who can take this visit.", "no_staff")
    qualifiers = []
    if filters.get("language"):
        qualifiers.append({"es": "Spanish-speaking", "en": "English-speaking"}.get(filters["language"], filters["language"]))
    text = " ".join([*qualifiers, who])
    where = f" at {ctx.location.name}" if ctx.location else " for video visits"
    licence = f" licensed in {filters['state']}" if filters.get("state") else ""
    return SlotUnavailable(f"No {text}{licence} works{where}.", "no_staff")


def explain(ctx: Context, start: int, *, name_resources: bool = False) -> SlotUnavailable:
    """The first reason the visit starting at `start` (epoch seconds) cannot be booked.
    `name_resources`: the caller may read chair and room names (the clinic's staff)."""
    if ctx.calendar.site_open is not None:
        for need in ctx.needs:
            if not covers(ctx.calendar.site_open, start + need.hold_start, start + need.hold_end):
                return _site_reason(ctx, start, need)
    for run in build_runs(ctx.needs, with_resources=not ctx.video):
        pool = (ctx.calendar.staff if run.is_staff else ctx.calendar.resources).get(run.role, [])
        if not pool:
            return _pool_empty(ctx, run)
        codes = [_holder_reason(ctx, run, holder, start, words=False)[1] for holder in pool]
        if "ok" in codes:
            continue
        code = min(codes, key=PRECEDENCE.index)
        what = role_label(run.role) if run.is_staff else kind_label(run.role)
        span = _range(ctx, start + run.hold_start, start + run.hold_end)
        if not run.is_staff and not name_resources:
            return SlotUnavailable(f"No {what} is free {span}.", code)
        # The holders that decide the code first, then the others, each group in the pool's order.
        decisive = sorted(range(len(pool)), key=lambda n: PRECEDENCE.index(codes[n]))
        reasons = [_holder_reason(ctx, run, pool[n], start)[0] for n in decisive[:NAMED]]
        if len(pool) == 1:
            return SlotUnavailable(reasons[0] + ".", code)
        more = len(pool) - NAMED
        listed = "; ".join(reasons) + (f"; and {more} more" if more > 0 else "")
        return SlotUnavailable(f"No {what} is free {span}: {listed}.", code)
    for need in ctx.needs:
        for role in present_roles(need):
            if not any(covers(h.open, start + need.start, start + need.end) for h in ctx.calendar.present.get(role, ())):
                return SlotUnavailable(
                    f"No {role_label(role)} is on site {_range(ctx, start + need.start, start + need.end)}.", "no_staff")
    return SlotUnavailable("This time is not available.", "taken")

