"""The clinic's set-up, kept in memory by each process: locations, services with their phases,
active staff and where they work, active resources, weekly hours, dated overrides and closures,
and the messaging policy with the services' message plans.

Every availability search and every booking needs these; reading them afresh cost a dozen queries
and a few hundred model instances per request. Instead each process keeps one copy, tagged with the
catalog version (scheduling.models.catalog_version), and checks that number once per request: a
change committed anywhere (admin, import, another process) changes the number, and the next
request reloads. Allocations, the part that changes with every booking, are never kept. What
follows from the set-up alone can be kept with it too (Catalog.remember).

Within one web request the set-up is read once (PinCatalogMiddleware): the request works with the
set-up as it stood when it first needed it, as if it had run a moment earlier. An API request's
token lookup reads the version along with the token (read_with), which saves that query. Outside
requests (workers, commands, tests calling services) every `current()` checks the version.

The rows handed out are shared between requests: treat them as read-only."""

from __future__ import annotations

import datetime as dt
import threading
from contextlib import contextmanager
from contextvars import ContextVar
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import cached_property

from django.db import connection

from scheduling.models import (
    Appointment, Closure, HoursOverride, Location, Resource, Service, StaffMember, WorkingHours,
)

Owner = tuple[str, int]  # ("staff" | "resource" | "location", id)
REMEMBERED = 512  # results of remember() kept per version of the set-up; the oldest go first


@dataclass(frozen=True)
class Catalog:
    locations: Mapping[int, Location]  # all, active or not
    services: Mapping[int, Service]  # all, with `phases.all()` and `locations.all()` prefetched
    staff: tuple[StaffMember, ...]  # active, by id
    staff_locations: Mapping[int, frozenset[int]]
    resources: tuple[Resource, ...]  # active, by id
    rules: Mapping[Owner, tuple[WorkingHours, ...]]
    overrides: Mapping[Owner, tuple[HoursOverride, ...]]
    closures: Mapping[int, tuple[Closure, ...]]  # by location id
    messaging_policy: object  # notifications.models.MessagingPolicy (its defaults until one is saved)
    message_plans: Mapping[int, object]  # service id -> its stored plan (the steps' JSON)
    _remembered: dict = field(default_factory=dict, compare=False, repr=False)
    _remembering: threading.Lock = field(default_factory=threading.Lock, compare=False, repr=False)

    def remember(self, key: tuple, build):
        """`build()`, computed once per key for this version of the set-up: for what follows
        from the set-up alone (a new version starts with nothing remembered). At most
        REMEMBERED results are kept; treat them as read-only, like the rows."""
        try:
            return self._remembered[key]
        except KeyError:
            pass
        value = build()
        with self._remembering:
            while len(self._remembered) >= REMEMBERED:
                del self._remembered[next(iter(self._remembered))]
            self._remembered[key] = value
        return value

    @cached_property
    def longest_visit(self) -> dt.timedelta:
        """What the longest service holds, buffers included: no visit booked as set up now
        reaches further from a given time than this."""
        return max((dt.timedelta(minutes=s.minutes_held()) for s in self.services.values()),
                   default=dt.timedelta(0))

    def active_location(self, pk) -> Location | None:
        location = self.locations.get(pk)
        return location if location is not None and location.active else None

    def active_staff_member(self, pk) -> StaffMember | None:
        return next((m for m in self.staff if m.pk == pk), None)

    def resource(self, pk) -> Resource | None:
        return next((r for r in self.resources if r.pk == pk), None)

    def members(self, *, site_id: int | None) -> list[StaffMember]:
        """Active staff, by id; with a site, only those who work there."""
        if site_id is None:
            return list(self.staff)
        return [m for m in self.staff if site_id in self.staff_locations.get(m.id, ())]

    def resources_at(self, *, site_id: int, kinds: Iterable[str]) -> list[Resource]:
        kinds = set(kinds)
        return [r for r in self.resources if r.location_id == site_id and r.kind in kinds]

    def rules_for(self, owners: Iterable[Owner], *, first: dt.date, last: dt.date) -> list[WorkingHours]:
        """Weekly rules of these owners in effect on some day of [first, last]."""
        return [row for owner in owners for row in self.rules.get(owner, ())
                if (row.effective_from is None or row.effective_from <= last)
                and (row.effective_to is None or row.effective_to >= first)]

    def overrides_for(self, owners: Iterable[Owner], *, first: dt.date, last: dt.date) -> list[HoursOverride]:
        return [row for owner in owners for row in self.overrides.get(owner, ()) if first <= row.date <= last]

    def closures_for(self, *, site_id: int, first: dt.date, last: dt.date) -> list[Closure]:
        return [c for c in self.closures.get(site_id, ()) if c.start_date <= last and c.end_date >= first]


def attach(appointment: Appointment) -> Appointment:
    """Give `appointment` its service and location from the set-up, so that reading them costs
    no query (a row the set-up does not know is read on first use, as without it)."""
    setup = current()
    for relation, row in ((Appointment.service.field, setup.services.get(appointment.service_id)),
                          (Appointment.location.field, setup.locations.get(appointment.location_id))):
        if row is not None and not relation.is_cached(appointment):
            relation.set_cached_value(appointment, row)
    return appointment


def owner_of(row) -> Owner:
    if row.staff_id:
        return ("staff", row.staff_id)
    if row.resource_id:
        return ("resource", row.resource_id)
    return ("location", row.location_id)


_kept: tuple[tuple, Catalog] | None = None


# Inside pinned(): [the catalog once read] or [] before, plus the version a statement of the
# request already read with its own rows (read_with), if any.
_pinned: ContextVar[list | None] = ContextVar("clearday_catalog_pinned", default=None)
_read_with: ContextVar[tuple | None] = ContextVar("clearday_catalog_version_read", default=None)
VERSION_SQL = "SELECT version FROM scheduling_catalogversion WHERE id = 1"


@contextmanager
def pinned():
    """Inside this block the first `current()` is the one every later call returns."""
    token, read = _pinned.set([]), _read_with.set(None)
    try:
        yield
    finally:
        _pinned.reset(token)
        _read_with.reset(read)


def version_column() -> str:
    """The set-up version as a column another statement can carry ("(SELECT ...)"): a request's
    first statement reads it along, and current() then needs no query of its own (read_with)."""
    return f"({VERSION_SQL})"


def read_with(version) -> None:
    """The version a statement of this pinned request read (version_column()): the set-up as it
    stood then is the one the request works with. Outside pinned(), or once the set-up has been
    read, nothing changes."""
    if _pinned.get() == []:
        _read_with.set(_key(version))


class PinCatalogMiddleware:
    """One read of the set-up (and of its version) per web request, however many parts use it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        with pinned():
            return self.get_response(request)


def current() -> Catalog:
    """The set-up as this connection sees it now: the kept copy when its version still stands."""
    pin = _pinned.get()
    if pin:
        return pin[0]
    read = _read_with.get() if pin is not None else None
    catalog = _current(read if read is not None else _version_key())
    if pin is not None:
        pin.append(catalog)
    return catalog


def _current(key: tuple | None) -> Catalog:
    global _kept
    kept = _kept
    if key is not None and kept is not None and kept[0] == key:
        return kept[1]
    # Read after the version: the rows are at least as new as the number they are kept under.
    catalog = load()
    if key is not None:
        _kept = (key, catalog)  # one assignment: threads see the old copy or the new, never half
    return catalog


def forget() -> None:
    """Drop the kept copy (tests that swap databases under one process)."""
    global _kept
    _kept = None


def _version_key() -> tuple | None:
    with connection.cursor() as cursor:
        cursor.execute(VERSION_SQL)
        row = cursor.fetchone()
    return _key(None if row is None else row[0])


def _key(version) -> tuple | None:
    # No row (a test database just emptied): nothing can be trusted to be current, so nothing is kept.
    return None if version is None else (connection.alias, str(connection.settings_dict["NAME"]), version)


def load() -> Catalog:
    from notifications.models import MessagingPolicy, ServiceMessagePlan

    locations = {location.pk: location for location in Location.objects.all()}
    services = {service.pk: service for service in Service.objects.prefetch_related("phases", "locations")}
    staff = tuple(StaffMember.objects.filter(active=True).order_by("id"))
    where: dict[int, set[int]] = defaultdict(set)
    for staff_id, location_id in StaffMember.locations.through.objects.values_list("staffmember_id", "location_id"):
        where[staff_id].add(location_id)
    resources = tuple(Resource.objects.filter(active=True).order_by("id"))
    rules: dict[Owner, list[WorkingHours]] = defaultdict(list)
    for row in WorkingHours.objects.select_related("location_for_staff"):
        rules[owner_of(row)].append(row)
    overrides: dict[Owner, list[HoursOverride]] = defaultdict(list)
    for row in HoursOverride.objects.all():
        overrides[owner_of(row)].append(row)
    closures: dict[int, list[Closure]] = defaultdict(list)
    for row in Closure.objects.all():
        closures[row.location_id].append(row)
    return Catalog(
        locations=locations, services=services, staff=staff, staff_locations={k: frozenset(v) for k, v in where.items()}, resources=resources,
        rules={k: tuple(v) for k, v in rules.items()}, overrides={k: tuple(v) for k, v in overrides.items()},
        closures={k: tuple(v) for k, v in closures.items()}, messaging_policy=MessagingPolicy.objects.filter(pk=1).first() or MessagingPolicy(pk=1),
        message_plans=dict(ServiceMessagePlan.objects.values_list("service_id", "steps")))
