"""Which Schedules there are: one per active service and each clinician who could take it (their
role is one the service takes, at a site that offers it or by video), or, for a service that
takes no clinician, each chair or room of the kind it needs at a site that offers it. Read from
the in-memory catalog: no query."""

from __future__ import annotations

from collections.abc import Iterator

from scheduling import catalog
from scheduling.selectors.catalog import service_roles

from .resources import parse_schedule_id, ScheduleId


def schedules(*, service=None, staff_id: int | None = None, include_staff_only: bool = False) -> Iterator[tuple]:
    """(ScheduleId, service, holder, sites) for each Schedule, by service then holder."""
    setup = catalog.current()
    services = [service] if service is not None else sorted(setup.services.values(), key=lambda s: s.pk)
    for svc in services:
        if not svc.active or (not svc.bookable_online and not include_staff_only):
            continue
        sites = (
            [loc for loc in svc.locations.all() if loc.active and not loc.is_virtual] if svc.allows_in_person else []
        )
        roles = service_roles(svc)
        if roles:
            for member in setup.staff:
                if staff_id is not None and member.pk != staff_id:
                    continue
                if not roles & set(member.roles):
                    continue
                theirs = [loc for loc in sites if loc.pk in setup.staff_locations.get(member.pk, ())]
                if theirs or svc.allows_video:
                    yield ScheduleId("s", member.pk, svc.pk), svc, member, theirs
        elif staff_id is None:
            kinds = {p.resource_kind for p in svc.phases.all() if p.resource_kind}
            by_id = {loc.pk: loc for loc in sites}
            for resource in setup.resources:
                if resource.kind in kinds and resource.location_id in by_id:
                    yield ScheduleId("r", resource.pk, svc.pk), svc, resource, [by_id[resource.location_id]]


def find_schedule(value: str, *, include_staff_only: bool) -> tuple | None:
    wanted = parse_schedule_id(value)
    if wanted is None:
        return None
    service = catalog.current().services.get(wanted.service_id)
    if service is None:
        return None
    staff_id = wanted.holder_id if wanted.kind == "s" else None
    return next(
        (
            row
            for row in schedules(service=service, staff_id=staff_id, include_staff_only=include_staff_only)
            if row[0] == wanted
        ),
        None,
    )
