"""The front desk's calendar, laid out on the server: a day at one location with a column per
chair or room and per clinician, and a week of one clinician. The template places each block on
a CSS grid of five-minute rows; nothing is computed in the browser but the current-time line.

A block is one appointment's time in one column: its allocations there (set-up, infusion,
recovery on a chair) merged, with the phases listed. Overlapping blocks in a column (a nurse
watching several chairs) sit side by side in lanes. Only appointments the user may see
(scheduling.selectors.appointments.visible_appointments) show who and what; a clinician's time
taken by a visit the user may not see shows as "busy elsewhere".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from scheduling import timeutils
from scheduling.models import (
    Allocation,
    Appointment,
    Closure,
    HoursOverride,
    Location,
    Resource,
    StaffMember,
    WorkingHours,
)
from scheduling.selectors.appointments import desk_location_ids, visible_appointments
from scheduling.selectors.catalog import clinical_staff
from web import formatting
from web.selectors.day_marks import marks_for, offered_spans

ROW_MINUTES = 5
DEFAULT_HOURS = (7, 19)
SERVICE_COLOURS = 8


@dataclass
class Block:
    start: dt.datetime
    end: dt.datetime
    title: str
    detail: str = ""
    appointment: Appointment | None = None
    kind: str = "visit"  # visit, blocked, elsewhere, offered (freed time with a waitlist offer in flight)
    phases: list[str] = field(default_factory=list)
    row_start: int = 1
    row_end: int = 2
    lane: int = 1
    time_label: str = ""
    marks: list = field(default_factory=list)
    href: str = ""

    @property
    def colour(self) -> str:
        return f"svc-{self.appointment.service_id % SERVICE_COLOURS}" if self.appointment else ""


@dataclass
class Column:
    key: str
    title: str
    subtitle: str
    blocks: list[Block] = field(default_factory=list)
    lanes: int = 1


@dataclass
class Grid:
    title: str
    zone_name: str
    zone_label: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    rows: int
    hour_marks: list[tuple[int, str]]
    columns: list[Column]
    now_percent: float | None
    notices: list[str] = field(default_factory=list)
    legend: list[tuple[str, str]] = field(default_factory=list)
    closed: list[tuple[float, float]] = field(default_factory=list)  # (top %, height %) of closed time
    agenda: list[AgendaItem] = field(default_factory=list)
    offered: list[Block] = field(default_factory=list)  # freed time offered to the waitlist, in start order


@dataclass
class AgendaItem:
    """One visit of the day as the phone agenda lists it."""

    appointment: Appointment
    time_label: str
    place: str
    marks: list = field(default_factory=list)


def desk_locations(*, user) -> list[Location]:
    """The locations whose calendar this user works with: an admin's are all of them."""
    qs = Location.objects.filter(active=True)
    if user.role != Role.ADMIN:
        ids, _ = desk_location_ids(user)
        qs = qs.filter(pk__in=ids)
    return list(qs.order_by("is_virtual", "name"))


def _opening_spans(location: Location, day: dt.date) -> list[tuple[dt.time, dt.time]]:
    """The location's hours that day, earliest first: the hours set for the date when there are
    (none with times: closed that date), else the weekly hours (none: closed that weekday), and
    the date's extra hours."""
    dated = list(HoursOverride.objects.filter(location=location, date=day).exclude(
        kind=HoursOverride.Kind.UNAVAILABLE))
    set_hours = [o for o in dated if o.kind == HoursOverride.Kind.HOURS]
    if set_hours:
        spans = [(o.start_time, o.end_time) for o in set_hours if o.start_time is not None]
    else:
        rules = WorkingHours.objects.filter(location=location, weekday=day.weekday()).filter(
            Q(effective_from__isnull=True) | Q(effective_from__lte=day),
            Q(effective_to__isnull=True) | Q(effective_to__gte=day))
        spans = [(r.start_time, r.end_time) for r in rules]
    spans += [(o.start_time, o.end_time) for o in dated if o.kind == HoursOverride.Kind.AVAILABLE]
    return sorted(spans)


def _closed_notice(location: Location, day: dt.date) -> str:
    """Why a site has no hours on `day`: closed that date (hours set to none), or that weekday."""
    dated = HoursOverride.objects.filter(location=location, date=day, kind=HoursOverride.Kind.HOURS,
                                         start_time__isnull=True).first()
    if dated is not None:
        why = f" ({dated.reason})" if dated.reason else ""
        return f"{location.name} is closed that day{why}. Video visits still run."
    return f"{location.name} is closed on {day:%A}s. Video visits still run."


def _hours_for_day(spans: list[tuple[dt.time, dt.time]]) -> tuple[int, int]:
    if not spans:
        return DEFAULT_HOURS
    return min(s.hour for s, _ in spans), max(e.hour + (1 if e.minute else 0) for _, e in spans)


def _closed_bands(spans: list[tuple[dt.time, dt.time]], *, closed_all_day: bool, day: dt.date, tz,
                  starts_at: dt.datetime, ends_at: dt.datetime) -> list[tuple[float, float]]:
    """The shown time outside the opening hours, as (top %, height %) of the grid."""
    total = (ends_at - starts_at).total_seconds()
    if closed_all_day or not spans:
        return [(0.0, 100.0)]
    bands, cursor = [], starts_at
    for opens, closes in spans:
        lo, hi = timeutils.wall_range(day, opens, closes, tz)
        if lo > cursor:
            bands.append((cursor, min(lo, ends_at)))
        cursor = max(cursor, hi)
    if cursor < ends_at:
        bands.append((cursor, ends_at))
    return [(round(100 * (lo - starts_at).total_seconds() / total, 3), round(100 * (hi - lo).total_seconds() / total, 3))
            for lo, hi in bands if hi > lo]


def _span(day: dt.date, tz, first_hour: int, last_hour: int) -> tuple[dt.datetime, dt.datetime]:
    return (timeutils.wall_to_utc(day, dt.time(first_hour), tz),
            timeutils.wall_to_utc(day, dt.time(last_hour), tz) if last_hour < 24 else timeutils.day_bounds(day, tz)[1])


def _grid_frame(*, day_lo: dt.datetime, day_hi: dt.datetime, blocks: list[Block], zone_name: str,
                hours: tuple[int, int], day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The hours shown: the location's hours that day, widened to every block on it."""
    tz = timeutils.zone(zone_name)
    lo, hi = _span(day, tz, *hours)
    for block in blocks:
        lo, hi = min(lo, max(block.start, day_lo)), max(hi, min(block.end, day_hi))
    lo = lo.replace(minute=0, second=0, microsecond=0) if lo.astimezone(tz).minute else lo
    return lo, hi


def _place(columns: list[Column], *, starts_at: dt.datetime, ends_at: dt.datetime, zone_name: str) -> int:
    rows = max(1, -(-int((ends_at - starts_at).total_seconds()) // (ROW_MINUTES * 60)))
    for column in columns:
        lane_ends: list[dt.datetime] = []
        for block in sorted(column.blocks, key=lambda b: (b.start, b.end)):
            start, end = max(block.start, starts_at), min(block.end, ends_at)
            block.row_start = 1 + int((start - starts_at).total_seconds() // (ROW_MINUTES * 60))
            block.row_end = max(block.row_start + 1, 1 + -(-int((end - starts_at).total_seconds()) // (ROW_MINUTES * 60)))
            block.time_label = block.time_label or (f"{formatting.time_label(block.start, zone_name)}–"
                                                    f"{formatting.time_label(block.end, zone_name)}")
            lane = next((i for i, lane_end in enumerate(lane_ends) if lane_end <= block.start), None)
            if lane is None:
                lane_ends.append(block.end)
                lane = len(lane_ends) - 1
            else:
                lane_ends[lane] = block.end
            block.lane = lane + 1
        column.lanes = max(1, len(lane_ends))
    return rows


def _hour_marks(starts_at: dt.datetime, ends_at: dt.datetime, zone_name: str) -> list[tuple[int, str]]:
    tz = timeutils.zone(zone_name)
    marks = []
    instant = starts_at
    while instant < ends_at:
        local = instant.astimezone(tz)
        if local.minute == 0:
            marks.append((1 + int((instant - starts_at).total_seconds() // (ROW_MINUTES * 60)),
                          formatting.time_label(instant, zone_name)))
        instant += dt.timedelta(minutes=ROW_MINUTES)
    return marks


def _now_percent(starts_at: dt.datetime, ends_at: dt.datetime, now: dt.datetime) -> float | None:
    if not starts_at <= now < ends_at:
        return None
    return round(100 * (now - starts_at).total_seconds() / (ends_at - starts_at).total_seconds(), 3)


def _merge(rows: list[Allocation], visible_ids: set[int], holder_key) -> dict[str, list[Block]]:
    """One block per (column, appointment), phases in order; hidden visits become 'busy elsewhere'."""
    grouped: dict[tuple[str, int], list[Allocation]] = {}
    for row in rows:
        grouped.setdefault((holder_key(row), row.appointment_id), []).append(row)
    by_column: dict[str, list[Block]] = {}
    for (key, appointment_id), allocations in grouped.items():
        allocations.sort(key=lambda a: a.start)
        start, end = allocations[0].start, max(a.end for a in allocations)
        appointment = allocations[0].appointment
        if appointment_id in visible_ids:
            block = Block(start=start, end=end, appointment=appointment, title=appointment.patient.display_name,
                          detail=appointment.service.name,
                          phases=[a.phase.name + ("" if a.exclusive else " (watching)") for a in allocations]
                          if len(allocations) > 1 or not allocations[0].exclusive else [])
        else:
            block = Block(start=start, end=end, title="Busy elsewhere", kind="elsewhere")
        by_column.setdefault(key, []).append(block)
    return by_column


def _holder_key(row: Allocation | HoursOverride) -> str:
    return f"resource-{row.resource_id}" if row.resource_id else f"staff-{row.staff_id}"


def _add_blocked(blocks: dict[str, list[Block]], overrides, tz, column_key) -> None:
    """Time blocked from the desk, in the column `column_key(override)` names, read on `tz`'s clock."""
    for override in overrides:
        lo, hi = timeutils.wall_range(override.date, override.start_time, override.end_time, tz)
        blocks.setdefault(column_key(override), []).append(
            Block(start=lo, end=hi, title="Blocked", detail=override.reason, kind="blocked"))


def _allocations(*, lo: dt.datetime, hi: dt.datetime, staff_ids, resource_ids) -> list[Allocation]:
    return list(Allocation.objects.filter(start__lt=hi, end__gt=lo)
                .filter(Q(staff_id__in=staff_ids) | Q(resource_id__in=resource_ids))
                .filter(Q(hold_expires_at__isnull=True) | Q(hold_expires_at__gt=timezone.now()))
                .select_related("phase", "appointment__patient", "appointment__service", "appointment__location"))


def day_grid(*, user, location: Location, day: dt.date, now: dt.datetime | None = None) -> Grid:
    now = now or timezone.now()
    zone_name = location.time_zone
    tz = timeutils.zone(zone_name)
    day_lo, day_hi = timeutils.day_bounds(day, tz)
    resources = [] if location.is_virtual else list(Resource.objects.filter(location=location, active=True)
                                                        .order_by("kind", "name"))
    staff = clinical_staff(location=location)
    rows = _allocations(lo=day_lo, hi=day_hi, staff_ids=[m.pk for m in staff], resource_ids=[r.pk for r in resources])
    if location.is_virtual:
        rows = [r for r in rows if r.appointment.location_id is None or r.staff_id is None]
    # A video visit is never in a chair's or room's column: in its clinicians' columns and the Video lane.
    rows = [r for r in rows if not (r.resource_id and r.appointment.location_id is None)]
    visible = set(visible_appointments(user=user).filter(pk__in={r.appointment_id for r in rows}).values_list("pk", flat=True))
    blocks = _merge(rows, visible, _holder_key)
    video_rows = [r for r in rows if r.appointment.location_id is None and r.appointment_id in visible]
    blocks.update(_merge(video_rows, visible, lambda r: "video"))
    _add_blocked(blocks, HoursOverride.objects.filter(date=day, kind=HoursOverride.Kind.UNAVAILABLE).filter(
        Q(resource__in=resources) | Q(staff__in=staff)), tz, _holder_key)
    columns = [Column(key=f"resource-{r.pk}", title=r.name, subtitle=r.get_kind_display(),
                      blocks=blocks.get(f"resource-{r.pk}", [])) for r in resources]
    columns += [Column(key=f"staff-{m.pk}", title=m.display_name, subtitle=", ".join(m.roles).title(),
                       blocks=blocks.get(f"staff-{m.pk}", [])) for m in staff]
    columns.append(Column(key="video", title="Video", subtitle="Video visits", blocks=blocks.get("video", [])))
    offered = _add_offered(columns, user=user, location=location, staff=staff, lo=day_lo, hi=day_hi, now=now)
    all_blocks = [b for c in columns for b in c.blocks]
    spans = [] if location.is_virtual else _opening_spans(location, day)
    starts_at, ends_at = _grid_frame(day_lo=day_lo, day_hi=day_hi, blocks=all_blocks, zone_name=zone_name,
                                     hours=_hours_for_day(spans), day=day)
    grid_rows = _place(columns, starts_at=starts_at, ends_at=ends_at, zone_name=zone_name)
    closures = list(Closure.objects.filter(location=location, start_date__lte=day, end_date__gte=day))
    notices = [f"Closed all day: {c.reason or 'closure'}. Video visits still run." for c in closures]
    if not location.is_virtual and not spans and not closures:
        notices.append(_closed_notice(location, day))
    closed = [] if location.is_virtual else _closed_bands(spans, closed_all_day=bool(closures), day=day, tz=tz,
                                                          starts_at=starts_at, ends_at=ends_at)
    agenda = _agenda(all_blocks, zone_name=zone_name, today=timeutils.local_date(now, tz))
    return Grid(title=f"{location.name} · {formatting.day_label(day, with_year=True)}", zone_name=zone_name,
                zone_label=formatting.zone_label(zone_name, at=day_lo), starts_at=starts_at, ends_at=ends_at,
                rows=grid_rows, hour_marks=_hour_marks(starts_at, ends_at, zone_name), columns=columns,
                now_percent=_now_percent(starts_at, ends_at, now), notices=notices, legend=_legend(all_blocks),
                closed=closed, agenda=agenda, offered=offered)


def _add_offered(columns: list[Column], *, user, location: Location, staff, lo, hi, now) -> list[Block]:
    """Freed time with a waitlist offer in flight, as a labelled block linking to the waitlist: in the
    column of the hold keeping it (its chair or room first), else of the clinician the offers name,
    else the Video lane for video time, else a "Waitlist" column added for it."""
    by_key = {c.key: c for c in columns}
    answer = []
    spans = offered_spans(user=user, location=location, staff_ids=[m.pk for m in staff], lo=lo, hi=hi, now=now)
    held_in: dict[int, str] = {}  # a hold's chair or room column, else its clinician's
    for row in Allocation.objects.filter(appointment_id__in=[s.hold_id for s in spans if s.hold_id]).order_by(
            "resource_id", "start"):
        if _holder_key(row) in by_key:  # chairs and rooms sort first
            held_in.setdefault(row.appointment_id, _holder_key(row))
    for span in spans:
        key = (held_in.get(span.hold_id) or (f"staff-{span.staff_id}" if f"staff-{span.staff_id}" in by_key else None)
               or ("video" if span.location_id is None else "waitlist"))
        if key not in by_key:
            by_key[key] = Column(key=key, title="Waitlist", subtitle="Freed time offered")
            columns.append(by_key[key])
        until = formatting.time_label(span.until, location.time_zone)
        block = Block(start=span.start, end=span.end, kind="offered", title=f"Offered to the waitlist until {until}",
                      href=f"{reverse('web:desk-waitlist')}?location={location.pk}&service={span.service_id}")
        by_key[key].blocks.append(block)
        answer.append(block)
    return answer


def _agenda(blocks: list[Block], *, zone_name: str, today: dt.date) -> list[AgendaItem]:
    """Each visible visit once, in start order, with its marks (put on its blocks too) and where
    it happens: its chairs and rooms here, or video."""
    visits: dict[int, Appointment] = {}
    places: dict[int, list[str]] = {}
    for block in blocks:
        if block.appointment is not None:
            visits.setdefault(block.appointment.pk, block.appointment)
    for allocation in Allocation.objects.filter(appointment_id__in=visits, resource__isnull=False).select_related(
            "resource").order_by("start"):
        names = places.setdefault(allocation.appointment_id, [])
        if allocation.resource.name not in names:
            names.append(allocation.resource.name)
    marks = marks_for(list(visits.values()), today=today)
    for block in blocks:
        if block.appointment is not None:
            block.marks = marks.get(block.appointment.pk, [])
    return [AgendaItem(appointment=visit, marks=marks.get(visit.pk, []),
                       time_label=f"{formatting.time_label(visit.start, zone_name)}–"
                                  f"{formatting.time_label(visit.end, zone_name)}",
                       place="Video" if visit.location_id is None else ", ".join(places.get(visit.pk, []))
                       or visit.location.name)
            for visit in sorted(visits.values(), key=lambda v: (v.start, v.pk))]


def week_grid(*, user, member: StaffMember, monday: dt.date, now: dt.datetime | None = None) -> Grid:
    """Seven day columns of one clinician, on their own clock."""
    now = now or timezone.now()
    zone_name = member.time_zone
    tz = timeutils.zone(zone_name)
    days = [monday + dt.timedelta(days=n) for n in range(7)]
    week_lo, week_hi = timeutils.day_bounds(days[0], tz)[0], timeutils.day_bounds(days[-1], tz)[1]
    rows = _allocations(lo=week_lo, hi=week_hi, staff_ids=[member.pk], resource_ids=[])
    visible = set(visible_appointments(user=user).filter(pk__in={r.appointment_id for r in rows}).values_list("pk", flat=True))
    blocks = _merge(rows, visible, lambda r: timeutils.local_date(r.start, tz).isoformat())
    _add_blocked(blocks, HoursOverride.objects.filter(staff=member, date__in=days, kind=HoursOverride.Kind.UNAVAILABLE),
                 tz, lambda override: override.date.isoformat())
    first_hour, last_hour = DEFAULT_HOURS
    for items in blocks.values():
        for block in items:
            local_start, local_end = block.start.astimezone(tz), block.end.astimezone(tz)
            first_hour = min(first_hour, local_start.hour)
            last_hour = max(last_hour, local_end.hour + (1 if local_end.minute else 0)
                            if local_end.date() == local_start.date() else 24)
    columns = []
    for day in days:
        day_start, _ = _span(day, tz, first_hour, last_hour)
        column = Column(key=day.isoformat(), title=formatting.short_day_label(day), subtitle="",
                        blocks=[])
        for block in blocks.get(day.isoformat(), []):
            # Each day column is laid out on the first day's rows: shift by whole days.
            offset = day_start - _span(days[0], tz, first_hour, last_hour)[0]
            block.time_label = f"{formatting.time_label(block.start, zone_name)}–{formatting.time_label(block.end, zone_name)}"
            block.start, block.end = block.start - offset, block.end - offset
            column.blocks.append(block)
        columns.append(column)
    starts_at, ends_at = _span(days[0], tz, first_hour, last_hour)
    grid_rows = _place(columns, starts_at=starts_at, ends_at=ends_at, zone_name=zone_name)
    today = timeutils.local_date(now, tz)
    now_percent = None
    if today in days:
        shifted = now - (_span(today, tz, first_hour, last_hour)[0] - starts_at)
        now_percent = _now_percent(starts_at, ends_at, shifted)
    return Grid(title=f"{member.display_name} · week of {formatting.day_label(monday, with_year=True)}",
                zone_name=zone_name, zone_label=formatting.zone_label(zone_name, at=week_lo), starts_at=starts_at,
                ends_at=ends_at, rows=grid_rows, hour_marks=_hour_marks(starts_at, ends_at, zone_name),
                columns=columns, now_percent=now_percent, legend=_legend([b for c in columns for b in c.blocks]))


def _legend(blocks: list[Block]) -> list[tuple[str, str]]:
    seen: dict[str, str] = {}
    for block in blocks:
        if block.appointment is not None:
            seen.setdefault(block.colour, block.appointment.service.name)
    return sorted(((colour, name) for colour, name in seen.items()), key=lambda item: item[1])
