"""What the booking pages offer: bookable services, where each is given, and the times to pick
from, grouped by day on the clock the patient reads. All times come from the availability
engine (scheduling.availability.find_slots), exactly as the API offers them."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

from django.utils import timezone

from scheduling import timeutils
from scheduling.availability import find_slots, Slot
from scheduling.models import Location, Patient, Service, StaffMember
from scheduling.selectors.catalog import active_services

# The first page of times looks this far ahead; the day picker reaches the service's horizon.
FIRST_WINDOW_DAYS = 14
EARLIEST_COUNT = 6


def bookable_services() -> list[Service]:
    return list(active_services().filter(bookable_online=True))


def online_service(code: str) -> Service | None:
    return active_services().filter(bookable_online=True, code=code).first()


def in_person_places(service: Service) -> list[Location]:
    if not service.allows_in_person:
        return []
    return [loc for loc in service.locations.all() if loc.active and not loc.is_virtual]


def place_for(service: Service, where: str) -> tuple[bool, Location | None]:
    """(valid, location) for the `where` of a URL: "video", or the id of an in-person location."""
    if where == "video":
        return service.allows_video, None
    location = next((loc for loc in in_person_places(service) if str(loc.pk) == where), None)
    return location is not None, location


@dataclass(frozen=True)
class Day:
    date: dt.date
    count: int


@dataclass
class Offer:
    """Times for one service and place. `earliest`: the first few across the coming days;
    `days`: each day of the first window with how many times it has; `day_slots`: the chosen day's."""

    zone_name: str
    earliest: list[Slot] = field(default_factory=list)
    days: list[Day] = field(default_factory=list)
    day: dt.date | None = None
    day_slots: list[Slot] = field(default_factory=list)
    first_day: dt.date | None = None
    last_day: dt.date | None = None


def horizon_end(service: Service, now: dt.datetime) -> dt.datetime:
    return now + dt.timedelta(days=service.horizon_days)


def offer(*, service: Service, location: Location | None, zone_name: str, day: dt.date | None,
          patient: Patient | None = None, language: str | None = None, staff: StaffMember | None = None,
          now: dt.datetime | None = None, exclude_appointment_ids=(), enforce_booking_rules: bool = True,
          allows_day: Callable[[dt.date], bool] | None = None) -> Offer:
    """`zone_name` is the clock the times are read on: the site's in person, the patient's for video.
    `allows_day` keeps only the days the patient's records allow (care.eligibility: a clearance
    that ends, an enrolment that starts later), so no time offered is one a gate would refuse."""
    now = now or timezone.now()
    tz = timeutils.zone(zone_name)
    today = timeutils.local_date(now, tz)
    last_day = timeutils.local_date(horizon_end(service, now), tz)
    lo, hi = timeutils.day_bounds(today, tz)[0], timeutils.day_bounds(today + dt.timedelta(days=FIRST_WINDOW_DAYS - 1), tz)[1]
    common = {"service": service, "location": location, "patient": patient, "language": language, "staff": staff,
              "now": now, "exclude_appointment_ids": exclude_appointment_ids,
              "enforce_booking_rules": enforce_booking_rules}
    def allowed(slots: list[Slot]) -> list[Slot]:
        return slots if allows_day is None else [s for s in slots if allows_day(timeutils.local_date(s.start, tz))]

    window = allowed(find_slots(start=lo, end=hi, **common).slots)
    counts = Counter(timeutils.local_date(slot.start, tz) for slot in window)
    days = [Day(today + dt.timedelta(days=n), counts[today + dt.timedelta(days=n)])
            for n in range(FIRST_WINDOW_DAYS)]
    earliest = window[:EARLIEST_COUNT]
    if not window:
        # Nothing in the first two weeks: look as far as the engine allows for the first times.
        later = allowed(find_slots(start=hi, end=min(hi + dt.timedelta(days=60),
                                                     horizon_end(service, now) + timeutils.DAY), **common).slots)
        earliest = later[:EARLIEST_COUNT]
    result = Offer(zone_name=zone_name, earliest=earliest, days=days, first_day=today, last_day=last_day)
    chosen = day or (timeutils.local_date(earliest[0].start, tz) if earliest else None)
    if chosen is not None and today <= chosen <= last_day:
        result.day = chosen
        if lo <= timeutils.day_bounds(chosen, tz)[0] < hi:
            result.day_slots = [s for s in window if timeutils.local_date(s.start, tz) == chosen]
        else:
            day_lo, day_hi = timeutils.day_bounds(chosen, tz)
            result.day_slots = allowed(find_slots(start=day_lo, end=day_hi, **common).slots)
    return result


def alternatives(*, service: Service, location: Location | None, near: dt.datetime, zone_name: str,
                 patient: Patient | None = None, now: dt.datetime | None = None, count: int = EARLIEST_COUNT,
                 exclude_appointment_ids=()) -> list[Slot]:
    """The next times from `near` on (the week after it), for a patient whose time was taken."""
    now = now or timezone.now()
    start = max(near - dt.timedelta(hours=2), now)
    slots = find_slots(service=service, location=location, start=start, end=start + dt.timedelta(days=7),
                       patient=patient, now=now, exclude_appointment_ids=exclude_appointment_ids).slots
    return slots[:count]


def slot_value(slot: Slot, *, pin_staff: bool = False) -> str:
    """What a time button posts: the UTC start, and the clinician when the page must keep them
    (a language filter picked someone who speaks it)."""
    value = slot.start.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    if pin_staff and len(slot.staff_ids) == 1:
        value += f"|{slot.staff_ids[0]}"
    return value


def parse_slot_value(raw: str) -> tuple[dt.datetime, int | None] | None:
    start_text, _, staff_text = (raw or "").partition("|")
    try:
        start = dt.datetime.strptime(start_text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=dt.UTC)
    except ValueError:
        return None
    if staff_text and not staff_text.isdigit():
        return None
    return start, int(staff_text) if staff_text else None
