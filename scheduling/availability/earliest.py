"""Earliest anywhere: the first bookable times of a service across every site and video.

`find_earliest` merges `find_slots` over every place that offers the service (or the places the
caller allows, e.g. those a patient's eligibility leaves) and returns the earliest `limit`
starts, each with its place. It searches in widening windows (the first day, then a few days,
then the rest), so an answer found tomorrow does not cost a month of every site's calendar.
`next_available` gives each service its single earliest time: the services list.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.utils import timezone

from scheduling import catalog, timeutils
from scheduling.models import Location, Patient, Service

from .engine import find_slots, offering_problem
from .types import Slot

# How far each widening step reaches from the start of the search.
STEPS = (dt.timedelta(days=1), dt.timedelta(days=3), dt.timedelta(days=7), dt.timedelta(days=14))


@dataclass(frozen=True)
class PlacedSlot:
    """A bookable start and where: `location` None is a video visit."""

    slot: Slot
    location: Location | None

    @property
    def start(self) -> dt.datetime:
        return self.slot.start

    @property
    def is_video(self) -> bool:
        return self.location is None


def places_offering(service: Service) -> list[Location | None]:
    """Every active site offering the service (by name), then video (None) when it is offered."""
    if not service.active:
        return []
    places: list[Location | None] = []
    if service.allows_in_person:
        places += sorted((loc for loc in service.locations.all() if loc.active and not loc.is_virtual),
                         key=lambda loc: loc.name)
    if service.allows_video:
        places.append(None)
    return [place for place in places if offering_problem(service=service, location=place) is None]


def find_earliest(*, service: Service, start: dt.datetime, end: dt.datetime, patient: Patient | None = None,
                  places: Iterable[Location | None] | None = None, limit: int = 10, language: str | None = None,
                  now: dt.datetime | None = None) -> list[PlacedSlot]:
    """The earliest `limit` bookable starts of `service` in [start, end) across `places` (default:
    every site offering it and video), earliest first; ties by place (sites by name, video last).

    With a `patient`, video offers only clinicians licensed in the patient's state (the engine's
    rule); the clinical gates are the caller's to apply through `places` and the range (see
    care.eligibility). Minimum notice and horizon apply as in find_slots."""
    with catalog.pinned():  # one read of the set-up for every place
        return _find_earliest(service=service, start=start, end=end, patient=patient, places=places, limit=limit,
                              language=language, now=now)


def _find_earliest(*, service: Service, start: dt.datetime, end: dt.datetime, patient: Patient | None,
                   places: Iterable[Location | None] | None, limit: int, language: str | None,
                   now: dt.datetime | None) -> list[PlacedSlot]:
    start = timeutils.require_aware(start, name="start")
    end = timeutils.require_aware(end, name="end")
    now = now or timezone.now()
    offered = places_offering(service)
    if places is not None:
        wanted = {place.pk if place is not None else None for place in places}
        offered = [place for place in offered if (place.pk if place is not None else None) in wanted]
    if limit < 1 or end <= start or not offered:
        return []
    found: list[PlacedSlot] = []
    lo = start
    for hi in [*(start + step for step in STEPS if start + step < end), end]:
        for place in offered:
            result = find_slots(service=service, location=place, start=lo, end=hi, patient=patient,
                                language=language, now=now)
            found += [PlacedSlot(slot, place) for slot in result.slots[:limit]]
        if len(found) >= limit:
            break
        lo = hi
    order = {id(place): index for index, place in enumerate(offered)}
    found.sort(key=lambda placed: (placed.slot.start, order[id(placed.location)]))
    return found[:limit]


def next_available(*, services: Sequence[Service], start: dt.datetime, end: dt.datetime,
                   patient: Patient | None = None,
                   places: Mapping[int, Iterable[Location | None]] | None = None,
                   now: dt.datetime | None = None) -> dict[int, PlacedSlot | None]:
    """Each service's earliest bookable start anywhere in [start, end), by service id (None: no
    time in the range). `places` may narrow a service's places by its id (eligibility)."""
    with catalog.pinned():
            return {service.pk: next(iter(find_earliest(service=service, start=start, end=end, patient=patient,
                                                    places=(places or {}).get(service.pk), limit=1, now=now)), None)
                for service in services}


def active_services() -> list[Service]:
    """The services patients may book online, from the kept set-up."""
    return sorted((s for s in catalog.current().services.values() if s.active and s.bookable_online),
                  key=lambda s: s.name)
