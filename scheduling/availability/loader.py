"""Turns what one availability request needs into the engine's plain records: phases, staff,
resources, weekly rules, overrides and closures from the clinic's set-up (kept in memory by
scheduling.catalog), and the allocations of the window only, read afresh every
time (a bounded range scan on `start`, so years of history cost nothing).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from django.db.models import BigIntegerField, Func, Q

from scheduling import catalog, timeutils
from scheduling.models import Allocation, HoursOverride, Location, Resource, Service, StaffMember, WorkingHours
from scheduling.models.clinic import MAX_BUFFER_MINUTES, MAX_PHASE_MINUTES

from .core import build_runs, Calendar, Holder, Need, present_roles
from .hours import ClosedDays, DatedOverride, open_spans, WeeklyRule

# No allocation is longer than this (see the limits on Phase and Service), which bounds the scan.
MAX_ALLOCATION = dt.timedelta(minutes=MAX_PHASE_MINUTES + 2 * MAX_BUFFER_MINUTES)


class EpochSeconds(Func):
    """A timestamp as whole seconds since the epoch, computed by the database: Django parses each
    timestamp it reads in Python, and for a month's allocations that cost more than the whole
    search. SQL of each dialect: the ORM has no epoch extraction that works on both."""

    output_field = BigIntegerField()

    def get_db_converters(self, connection):
        """None: both dialects already answer a Python int (`::bigint`, `CAST(... AS INTEGER)`), and
        the ORM's own int() pass over a month of rows cost as much as the query."""
        return []

    def as_postgresql(self, compiler, connection, **extra):
        # date_part answers a double, EXTRACT a numeric (since PostgreSQL 14), which costs the
        # server as much again over a month's rows; a double holds these seconds exactly.
        return self.as_sql(compiler, connection, template="FLOOR(DATE_PART('epoch', %(expressions)s))::bigint",
                           **extra)

    def as_sqlite(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="CAST(strftime('%%%%s', %(expressions)s) AS INTEGER)",
                           **extra)


def held_rows(*, lo: dt.datetime, hi: dt.datetime, staff_ids: Collection[int], resource_ids: Collection[int],
              now: dt.datetime, exclude_appointment_ids: Collection[int] = ()) -> list[tuple]:
    """(staff_id, resource_id, start, end, exclusive, share, appointment_id) of the live
    allocations of these holders that overlap [lo, hi): bookings and holds not yet lapsed, with
    times as whole seconds since the epoch. `start >= lo - MAX_ALLOCATION` keeps it a bounded
    range scan on `start`, so years of history cost nothing."""
    rows = (Allocation.objects
            .filter(Q(staff_id__in=staff_ids) | Q(resource_id__in=resource_ids),
                    start__gte=lo - MAX_ALLOCATION, start__lt=hi, end__gt=lo)
            .filter(Q(hold_expires_at__isnull=True) | Q(hold_expires_at__gt=now))
            .exclude(appointment_id__in=exclude_appointment_ids)
            .order_by()
            .values_list("staff_id", "resource_id", EpochSeconds("start"), EpochSeconds("end"), "exclusive", "share",
                         "appointment_id"))
    return list(rows)


@dataclass
class Context:
    """A loaded request: the engine's calendar plus what messages and output need."""

    service: Service
    location: Location | None
    video: bool
    site_zone: ZoneInfo | None
    needs: list[Need]
    calendar: Calendar
    staff: dict[int, StaffMember] = field(default_factory=dict)
    resources: dict[int, Resource] = field(default_factory=dict)
    time_off: dict[tuple[str, int], list[DatedOverride]] = field(default_factory=dict)
    closures: list[ClosedDays] = field(default_factory=list)
    staff_filters: dict[str, str] = field(default_factory=dict)
    patient_zone: ZoneInfo | None = None

    def zone_for(self, staff_id: int | None = None) -> ZoneInfo:
        """The clock a holder's hours are kept on: the site's, or by video the clinician's own."""
        if self.site_zone is not None:
            return self.site_zone
        if staff_id is not None and staff_id in self.staff:
            return timeutils.zone(self.staff[staff_id].time_zone)
        return timeutils.zone("UTC")

    def display_zone(self, staff_id: int | None = None) -> ZoneInfo:
        """The clock a refusal gives its times on: the site's, or by video the patient's (the
        clinician's when no patient is named)."""
        if self.site_zone is None and self.patient_zone is not None:
            return self.patient_zone
        return self.zone_for(staff_id)


def is_video(location: Location | None) -> bool:
    return location is None or location.is_virtual


def needs_for(service: Service, *, video: bool) -> list[Need]:
    phases = sorted(service.phases.all(), key=lambda p: p.order)
    needs: list[Need] = []
    offset = 0
    for index, phase in enumerate(phases):
        length = phase.duration_minutes * 60
        hold_start = offset - (service.buffer_before_minutes * 60 if index == 0 else 0)
        hold_end = offset + length + (service.buffer_after_minutes * 60 if index == len(phases) - 1 else 0)
        needs.append(Need(
            phase_id=phase.id, name=phase.name, start=offset, end=offset + length, hold_start=hold_start,
            hold_end=hold_end, staff_role=phase.staff_role, staff_usage=phase.staff_usage,
            resource_kind="" if video else phase.resource_kind,
            present_roles=(phase.present_role,) if phase.present_role else ()))
        offset += length
    return needs


def _rule(row: WorkingHours) -> WeeklyRule:
    return WeeklyRule(row.weekday, row.start_time, row.end_time, row.effective_from, row.effective_to)


def _override(row: HoursOverride) -> DatedOverride:
    if row.kind == HoursOverride.Kind.HOURS:  # the day's hours; without times, closed that day
        return DatedOverride(row.date, row.start_time is not None, row.start_time, row.end_time, row.reason,
                             sets_hours=True)
    return DatedOverride(row.date, row.kind == HoursOverride.Kind.AVAILABLE, row.start_time, row.end_time, row.reason)


def _dates(lo: dt.datetime, hi: dt.datetime, zones: Collection[ZoneInfo]) -> list[dt.date]:
    days: set[dt.date] = set()
    for tz in zones:
        days.update(timeutils.local_dates(lo, hi, tz))
    return sorted(days)


@dataclass(frozen=True)
class _Cast:
    """Who and what a service can use at a site (or by video), from the set-up alone."""

    needs: list[Need]
    run_roles: frozenset[str]
    roles: frozenset[str]
    kinds: frozenset[str]
    members: list[StaffMember]
    resources: list[Resource]


@dataclass(frozen=True)
class _Hours:
    """When each of a cast works over some dates, from the set-up alone: open spans by owner
    (("staff" | "resource" | "location", id)), the time off explanations name, the closures."""

    open: dict[tuple[str, int], list]
    time_off: dict[tuple[str, int], list[DatedOverride]]
    closures: list[ClosedDays]


def _cast(service: Service, site: Location | None, setup: catalog.Catalog) -> _Cast:
    video = site is None
    needs = needs_for(service, video=video)
    runs = build_runs(needs, with_resources=not video)
    run_roles = {run.role for run in runs if run.is_staff}
    roles = run_roles | {role for need in needs for role in present_roles(need)}
    kinds = {run.role for run in runs if not run.is_staff}
    return _Cast(needs=needs, run_roles=frozenset(run_roles), roles=frozenset(roles), kinds=frozenset(kinds),
                 members=[m for m in setup.members(site_id=site.id if site else None) if roles & set(m.roles)],
                 resources=setup.resources_at(site_id=site.id, kinds=kinds) if kinds and site else [])


def _hours(cast: _Cast, site: Location | None, site_zone: ZoneInfo | None, dates: list[dt.date],
           setup: catalog.Catalog) -> _Hours:
    video = site is None
    first, last = (dates[0], dates[-1]) if dates else (dt.date.min, dt.date.min)  # no dates: nothing is open
    owners = [*(("staff", m.id) for m in cast.members), *(("resource", r.id) for r in cast.resources),
              *([("location", site.id)] if site else [])]
    closures = [ClosedDays(c.start_date, c.end_date, c.reason)
                for c in setup.closures_for(site_id=site.id, first=first, last=last)] if site else []
    rules_by: dict[tuple[str, int], list[WeeklyRule]] = defaultdict(list)
    for row in setup.rules_for(owners, first=first, last=last):
        if row.staff_id:
            where = row.location_for_staff
            if site and where is not None and where.id != site.id:
                continue
            if video and where is not None and not where.is_virtual:
                continue
            rules_by[("staff", row.staff_id)].append(_rule(row))
        elif row.resource_id:
            rules_by[("resource", row.resource_id)].append(_rule(row))
        else:
            rules_by[("location", row.location_id)].append(_rule(row))
    overrides_by: dict[tuple[str, int], list[DatedOverride]] = defaultdict(list)
    for row in setup.overrides_for(owners, first=first, last=last):
        key = ("staff", row.staff_id) if row.staff_id else ("resource", row.resource_id) if row.resource_id \
            else ("location", row.location_id)
        overrides_by[key].append(_override(row))

    def spans(rules, overrides, tz):
        return open_spans(rules=rules, overrides=overrides, closures=closures, dates=dates, tz=tz)

    open_by: dict[tuple[str, int], list] = {}
    if site:
        open_by[("location", site.id)] = spans(rules_by[("location", site.id)],
                                               overrides_by[("location", site.id)], site_zone)
    for member in cast.members:
        key = ("staff", member.id)
        open_by[key] = spans(rules_by[key], overrides_by[key], site_zone or timeutils.zone(member.time_zone))
    for resource in cast.resources:
        key = ("resource", resource.id)
        if rules_by[key]:
            open_by[key] = spans(rules_by[key], overrides_by[key], site_zone)
        else:  # the site's hours, and the site's time off as well as its own
            open_by[key] = spans(rules_by[("location", site.id)],
                                 overrides_by[("location", site.id)] + overrides_by[key], site_zone)
    time_off = {key: [o for o in rows if not o.available] for key, rows in overrides_by.items()}
    return _Hours(open=open_by, time_off=time_off, closures=closures)


def load(*, service: Service, location: Location | None, window_start: dt.datetime, window_end: dt.datetime,
         staff: StaffMember | None = None, language: str | None = None, patient=None, now: dt.datetime,
         exclude_appointment_ids: Collection[int] = ()) -> Context:
    """Everything needed to answer for visit starts in [window_start, window_end): who takes part
    and when they work, from the set-up in memory, and the allocations, read afresh."""
    video = is_video(location)
    site = None if video else location
    site_zone = timeutils.zone(site.time_zone) if site else None
    setup = catalog.current()
    cast = _cast(service, site, setup)
    needs, members, resources = cast.needs, cast.members, cast.resources
    licensed_in = getattr(patient, "state", "") if video else ""
    filters = {"language": language or "", "state": licensed_in or "", "staff": staff.display_name if staff else ""}

    def takes_part(member: StaffMember, role: str) -> bool:
        if staff is not None and staff.has_role(role) and member.id != staff.id:
            return False
        if language and language not in member.languages:
            return False
        return not licensed_in or licensed_in in member.licensed_states

    hold_lo = window_start + dt.timedelta(seconds=min((n.hold_start for n in needs), default=0))
    hold_hi = window_end + dt.timedelta(seconds=max((n.hold_end for n in needs), default=0))
    zones = {site_zone} if site_zone else {timeutils.zone(m.time_zone) for m in members}
    dates = _dates(hold_lo - timeutils.DAY, hold_hi + timeutils.DAY, zones or {timeutils.zone("UTC")})
    hours = _hours(cast, site, site_zone, dates, setup)

    busy: dict[tuple[str, int], list[tuple[int, int, int]]] = defaultdict(list)
    shared: dict[int, list[tuple[int, int, int, int]]] = defaultdict(list)
    rows = held_rows(lo=hold_lo, hi=hold_hi, staff_ids=[m.id for m in members],
                     resource_ids=[r.id for r in resources], now=now, exclude_appointment_ids=exclude_appointment_ids)
    for staff_id, resource_id, start, end, exclusive, share, appointment_id in rows:
        if resource_id is not None:
            busy[("resource", resource_id)].append((start, end, appointment_id))
        elif exclusive:
            busy[("staff", staff_id)].append((start, end, appointment_id))
        else:
            shared[staff_id].append((start, end, share, appointment_id))

    grids: dict[str, frozenset[int]] = {}

    def staff_holder(member: StaffMember) -> Holder:
        key = ("staff", member.id)
        grid = None
        if video:
            if member.time_zone not in grids:
                grids[member.time_zone] = frozenset(timeutils.grid_seconds(
                    window_start, window_end, timeutils.zone(member.time_zone), service.slot_step_minutes))
            grid = grids[member.time_zone]
        return Holder(id=member.id, name=member.display_name, open=hours.open[key], busy=sorted(busy[key]),
                      shared=sorted(shared[member.id]), capacity=member.watch_capacity, grid=grid)

    def resource_holder(resource: Resource) -> Holder:
        key = ("resource", resource.id)
        return Holder(id=resource.id, name=resource.name, open=hours.open[key], busy=sorted(busy[key]))

    holders = {m.id: staff_holder(m) for m in members}
    calendar = Calendar(
        site_open=hours.open[("location", site.id)] if site else None,
        staff={role: [holders[m.id] for m in members if m.has_role(role) and takes_part(m, role)]
               for role in cast.run_roles},
        resources={kind: [resource_holder(r) for r in resources if r.kind == kind] for kind in cast.kinds},
        present={role: [holders[m.id] for m in members if m.has_role(role)] for role in cast.roles},
    )
    return Context(service=service, location=site, video=video, site_zone=site_zone, needs=needs, calendar=calendar,
                   staff={m.id: m for m in members}, resources={r.id: r for r in resources},
                   time_off=hours.time_off, closures=hours.closures, staff_filters=filters,
                   patient_zone=timeutils.zone(patient.time_zone) if video and getattr(patient, "time_zone", "")
                   else None)
