"""The clinic's set-up, kept in memory by each process: locations, services with their phases,
active staff and where they work, active resources, weekly hours, dated overrides and closures.

Every availability search and every booking needs these; reading them afresh costs ten queries
and a few hundred model instances per request. Instead each process keeps one copy, tagged with
the set-up's version (CatalogVersion), and checks that number with one tiny query: a change
committed anywhere changes the number, and the next read loads the set-up again. Allocations,
the part that changes with every booking, are never kept.

The number changes in the same transaction as the change itself: `changed()` runs on every save,
delete and many-to-many change of a set-up model (watch()), so a rolled-back change rolls the
number back with it. Bulk writes send no signals (bulk_create, QuerySet.update, raw SQL): whoever
makes one calls `changed()`.

Within one web request the set-up is read once (PinCatalogMiddleware), so a request works with
one set-up throughout. The rows handed out are shared between requests: treat them as read-only."""

from __future__ import annotations

import datetime as dt
import secrets
from collections import defaultdict
from collections.abc import Iterable, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cached_property

from django.db import connection
from django.db.models.signals import m2m_changed, post_delete, post_save

from scheduling.models import (
    Appointment,
    CatalogVersion,
    Closure,
    HoursOverride,
    Location,
    Phase,
    Resource,
    Service,
    StaffMember,
    WorkingHours,
)

Owner = tuple[str, int]  # ("staff" | "resource" | "location", id)
SETUP_MODELS = (Location, Resource, StaffMember, Service, Phase, WorkingHours, HoursOverride, Closure)


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

    @cached_property
    def longest_visit(self) -> dt.timedelta:
        """What the longest service holds, buffers included: no visit booked as set up now
        reaches further from a given time than this."""
        return max((dt.timedelta(minutes=s.minutes_held()) for s in self.services.values()),
                   default=dt.timedelta(0))

    def active_service(self, pk) -> Service | None:
        service = self.services.get(pk)
        return service if service is not None and service.active else None

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


def changed(**signal) -> None:
    """Give the set-up a new version, in the caller's transaction. Random, not counting: a number
    once rolled back is never handed out again for another state of the set-up. (The keyword
    arguments are a signal's, when a signal calls it.)"""
    version = secrets.randbits(63)
    if not CatalogVersion.objects.filter(pk=1).update(version=version):
        CatalogVersion.objects.create(pk=1, version=version)  # a test database emptied by flush


def _m2m_changed(action: str, **signal) -> None:
    if action.startswith("post_"):
        changed()


def watch() -> None:
    """Change the version with every write the ORM signals on a set-up model (SchedulingConfig.ready)."""
    for model in SETUP_MODELS:
        post_save.connect(changed, sender=model, dispatch_uid=f"catalog.save.{model.__name__}")
        post_delete.connect(changed, sender=model, dispatch_uid=f"catalog.delete.{model.__name__}")
    for through in (StaffMember.locations.through, Service.locations.through):
        m2m_changed.connect(_m2m_changed, sender=through, dispatch_uid=f"catalog.m2m.{through.__name__}")


_kept: tuple[tuple, Catalog] | None = None
_pinned: ContextVar[list[Catalog] | None] = ContextVar("clearday_catalog_pinned", default=None)


@contextmanager
def pinned():
    """Inside this block the first `current()` is the one every later call returns. Inside an
    outer block (a web request's) the outer pin holds."""
    if _pinned.get() is not None:
        yield
        return
    token = _pinned.set([])
    try:
        yield
    finally:
        _pinned.reset(token)


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
    catalog = _current()
    if pin is not None:
        pin.append(catalog)
    return catalog


def _current() -> Catalog:
    global _kept
    version = CatalogVersion.objects.filter(pk=1).values_list("version", flat=True).first()
    # No row (a test database just emptied): nothing can be trusted to be current, so nothing is kept.
    key = None if version is None else (connection.alias, str(connection.settings_dict["NAME"]), version)
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


def load() -> Catalog:
    where: dict[int, set[int]] = defaultdict(set)
    for staff_id, location_id in StaffMember.locations.through.objects.values_list("staffmember_id", "location_id"):
        where[staff_id].add(location_id)
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
        locations={location.pk: location for location in Location.objects.all()},
        services={service.pk: service for service in Service.objects.prefetch_related("phases", "locations")},
        staff=tuple(StaffMember.objects.filter(active=True).order_by("id")),
        staff_locations={k: frozenset(v) for k, v in where.items()},
        resources=tuple(Resource.objects.filter(active=True).order_by("id")),
        rules={k: tuple(v) for k, v in rules.items()}, overrides={k: tuple(v) for k, v in overrides.items()},
        closures={k: tuple(v) for k, v in closures.items()})
