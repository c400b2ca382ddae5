"""Booking a whole treatment course at once: find every visit's time, then book them all or none.

1. Ask the availability engine once per kind of visit for every opening over the course's
   window (scheduling.availability.find_slots), keep the ones the patient's preferences allow
   and that do not clash with the patient's other visits.
2. Search those openings for a full course that keeps every spacing rule
   (scheduling.services.course_search).
3. In one transaction, lock every staff member and resource the plan uses (primary-key order,
   as the booking service does), then book each visit through the booking service (its
   placement re-plans under the locks, checks the clinical gates, writes events and messages).
   If any visit was taken meanwhile, the whole transaction rolls back and the search runs again
   on the fresh calendar; nothing is ever left half-booked.
Lifecycle changes (pause, resume, boosters, cancel, moving one visit) are in course_lifecycle.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from core.errors import Conflict, Unprocessable
from scheduling import hooks, timeutils
from scheduling.availability import find_slots, offering_problem
from scheduling.models import (
    Appointment,
    AppointmentStatus,
    BookingChannel,
    Course,
    CourseTemplate,
    CourseVisit,
    Location,
    Patient,
    Service,
    StaffMember,
    StaffRole,
)
from scheduling.services import booking
from scheduling.services.course_rules import dose_rules, hours
from scheduling.services.course_search import CompanionRule, DoseStep, Opening, Outcome, Placed, Pool, Problem, search
from scheduling.services.locks import lock_calendars, lock_staff_and_resources
from scheduling.services.transitions import is_patient

ATTEMPTS = 3
START_WINDOW = dt.timedelta(days=7)  # the first dose within a week of start_from, unless told
TIMES_OF_DAY = {"morning": (dt.time(0), dt.time(12)), "afternoon": (dt.time(12), dt.time(17)),
                "evening": (dt.time(17), dt.time.max)}
DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


@dataclass(frozen=True)
class Preferences:
    """What the patient asked for. Days and times are hard limits; the clinician is a wish:
    `staff` is preferred where possible, and with `same_staff` the therapist who takes most of a
    kind of visit is preferred for the rest (nurses rotate through the chairs they watch)."""

    days_of_week: frozenset[int] = frozenset()  # 0 = Monday; empty: any day
    times_of_day: frozenset[str] = frozenset()  # morning, afternoon, evening; empty: any time
    staff: StaffMember | None = None
    same_staff: bool = True
    companion_video: bool | None = None  # None: by video when the companion service allows it

    def allows(self, start: dt.datetime, zone: ZoneInfo) -> bool:
        local = start.astimezone(zone)
        if self.days_of_week and local.weekday() not in self.days_of_week:
            return False
        return not self.times_of_day or any(TIMES_OF_DAY[t][0] <= local.time() < TIMES_OF_DAY[t][1]
                                            for t in self.times_of_day)

    def describe(self) -> str:
        parts = []
        if self.days_of_week:
            parts.append("on " + ", ".join(DAY_NAMES[d] for d in sorted(self.days_of_week)))
        if self.times_of_day:
            parts.append("in the " + " or ".join(t for t in TIMES_OF_DAY if t in self.times_of_day))
        return " ".join(parts)

    def as_json(self) -> dict:
        return {"days_of_week": sorted(self.days_of_week), "times_of_day": sorted(self.times_of_day),
                "staff": self.staff.pk if self.staff else None, "same_staff": self.same_staff,
                "companion_video": self.companion_video}


@dataclass(frozen=True)
class Visit:
    """One visit to place: a dose (or booster), or the companion of dose `number`."""

    kind: str
    number: int
    step: int
    service: Service


@dataclass
class Request:
    """Everything one placement needs; built by book_course, resume and extend."""

    patient: Patient
    template: CourseTemplate
    location: Location | None
    doses: list[Visit]
    steps: list[DoseStep]
    preferences: Preferences
    actor: object
    earliest: dt.datetime
    latest_first: dt.datetime
    now: dt.datetime
    override_reason: str = ""
    companion: Service | None = None
    max_span: dt.timedelta | None = None
    anchor: Appointment | None = None

    @property
    def enforce(self) -> bool:
        return not self.override_reason

    @property
    def zone(self) -> ZoneInfo:
        return timeutils.zone(self.location.time_zone if self.location else self.patient.time_zone)

    @property
    def companion_location(self) -> Location | None:
        video = self.preferences.companion_video
        if video is None:
            video = self.companion.allows_video
        return None if video else self.location


class CourseUnplaceable(Unprocessable):
    code = "course_unplaceable"


def book_course(*, patient: Patient, template: CourseTemplate, location: Location | None, actor,
                preferences: Preferences = Preferences(), start_from: dt.datetime | None = None,
                start_by: dt.datetime | None = None, with_companions: bool = True, override_reason: str = "",
                now: dt.datetime | None = None) -> Course:
    """Find and book a whole course, or raise: 422 `course_unplaceable` naming the visit that could
    not be placed and the earliest start that would work, 422 `gate_failed`, or 409 after repeated races."""
    now = now or timezone.now()
    if location is not None and location.is_virtual:
        location = None
    rules = dose_rules(template)
    earliest = max(start_from or now, now)
    request = Request(
        patient=patient, template=template, location=location, preferences=preferences, actor=actor,
        doses=[Visit(CourseVisit.Kind.DOSE, r.number, r.step, template.service) for r in rules],
        steps=[DoseStep(r.number, r.min_gap, r.max_gap) for r in rules], earliest=earliest,
        latest_first=start_by or earliest + START_WINDOW, now=now, override_reason=override_reason,
        companion=template.companion_service if with_companions else None,
        max_span=dt.timedelta(days=template.max_span_days) if template.max_span_days else None)

    def record(appointments: list[tuple[Visit, Appointment]]) -> Course:
        course = Course.objects.create(patient=patient, template=template, location=location,
                                       created_by=actor if getattr(actor, "pk", None) else None,
                                       preferences={**preferences.as_json(), "with_companions": with_companions})
        CourseVisit.objects.bulk_create([CourseVisit(course=course, kind=v.kind, number=v.number, step=v.step,
                                                     appointment=a) for v, a in appointments])
        return course

    return place_visits(request, record)


def place_visits(request: Request, record):
    """Search, then book every visit in one transaction and `record(...)` them; retried on a lost race."""
    check_up_front(request)
    for attempt in range(ATTEMPTS):
        plan = find_plan(request)
        try:
            with transaction.atomic():
                # Whole calendars, then every hour the plan covers, each in one ordered batch:
                # booking visit by visit takes no lock it does not already hold (unless a visit
                # was taken meanwhile and its booking re-plans).
                lock_staff_and_resources(staff_ids={s for _, o in plan for s in o.staff_ids},
                                         resource_ids={r for _, o in plan for r in o.resource_ids})
                lock_calendars(spans=[(a.staff_id, a.resource_id, a.start, a.end)
                                      for _, o in plan for a in o.slot.assignments])
                staff = StaffMember.objects.in_bulk({o.staff_id for _, o in plan if o.staff_id})
                return record([(visit, book_visit(request, visit, opening, staff.get(opening.staff_id)))
                               for visit, opening in plan])
        except Conflict as taken:
            if taken.code != "slot_taken":
                raise
            if attempt == ATTEMPTS - 1:
                raise Conflict(f"{taken.detail} The course's times kept being taken while booking; nothing was "
                               "booked. Please try again.", code="slot_taken") from None
    raise AssertionError("unreachable")


def check_up_front(request: Request) -> None:
    """What would refuse every visit alike: not offered here, staff-only, a clinical gate."""
    visits = [(request.doses[0].service, request.location)]
    if request.companion is not None:
        visits.append((request.companion, request.companion_location))
    for service, location in visits:
        problem = offering_problem(service=service, location=location)
        if problem:
            raise Unprocessable(problem.detail, code=problem.code)
        if is_patient(request.actor) and not service.bookable_online:
            raise Unprocessable(f"{service.name} is booked by the clinic's staff only; please call the clinic.",
                                code="staff_only")
        with transaction.atomic():
            hooks.check_booking(patient=request.patient, service=service, location=location, start=request.earliest,
                                actor=request.actor, override_reason=request.override_reason)
            # A dry run: the overrides it records are each visit's booking's to record, with the course.
            transaction.set_rollback(True)


def book_visit(request: Request, visit: Visit, opening: Opening, staff: StaffMember | None) -> Appointment:
    location = request.companion_location if visit.kind == CourseVisit.Kind.COMPANION else request.location
    channel = BookingChannel.ONLINE if is_patient(request.actor) else BookingChannel.FRONT_DESK
    return booking.book_appointment(patient=request.patient, service=visit.service, location=location,
                                    start=opening.start, actor=request.actor, staff=staff, channel=channel,
                                    override_reason=request.override_reason, now=request.now, planned=opening.slot)


# --- Finding the plan -----------------------------------------------------------------------

def find_plan(request: Request) -> list[tuple[Visit, Opening]]:
    """The visits and their openings, or CourseUnplaceable saying where and what would work."""
    extent = _extent(request)
    horizon = request.earliest + dt.timedelta(days=request.template.service.horizon_days)
    window_end = min(request.latest_first + extent, horizon)
    cache: dict = {}
    outcome, pools = _search(request, request.latest_first, window_end, cache)
    if outcome.placed is not None:
        outcome = _with_preferred_staff(request, outcome, pools, window_end, cache)
        return _pair(request, outcome.placed)
    earliest_start = None
    if request.anchor is None and request.latest_first + extent < horizon:
        wider, _ = _search(request, horizon, horizon, cache)
        if wider.placed:
            earliest_start = wider.placed[0].opening.start
    raise unplaceable(request, outcome, earliest_start)


def _extent(request: Request) -> dt.timedelta:
    """How long after the first dose the course may run, for the window asked of the engine."""
    if request.max_span is not None:
        doses = request.max_span
    elif all(step.max_gap is not None for step in request.steps[1:]):
        doses = sum((step.max_gap for step in request.steps[1:]), dt.timedelta())
    else:
        doses = dt.timedelta(days=request.template.service.horizon_days)
    if request.anchor is not None and request.steps and request.steps[0].max_gap is not None:
        doses += request.steps[0].max_gap
    return doses + dt.timedelta(days=(request.template.companion_max_days + 1) if request.companion else 1)


def _search(request: Request, latest_first: dt.datetime, window_end: dt.datetime, cache: dict,
            preferred: dict[str, StaffMember | None] | None = None) -> tuple[Outcome, dict]:
    preferred = preferred or {"dose": request.preferences.staff, "companion": request.preferences.staff}
    busy = list(Appointment.objects.filter(
        patient=request.patient, status__in=(AppointmentStatus.BOOKED, AppointmentStatus.CHECKED_IN,
                                             AppointmentStatus.HELD),
        start__lt=window_end, end__gt=request.earliest).values_list("start", "end"))
    service = request.doses[0].service
    pools = {"dose": _pool(request, service, request.location, window_end, busy, preferred["dose"], cache)}
    if request.companion is not None:
        pools["companion"] = _pool(request, request.companion, request.companion_location, window_end, busy,
                                   preferred["companion"], cache)
    anchor = request.anchor
    problem = Problem(
        doses=request.steps, earliest=request.earliest, latest_first=latest_first, zone=request.zone,
        companion=(CompanionRule(request.template.companion_min_days, request.template.companion_max_days)
                   if request.companion is not None else None),
        max_span=request.max_span, anchor_start=anchor.start if anchor else None,
        anchor_end=anchor.end if anchor else None)
    return search(problem, pools["dose"], pools.get("companion")), pools


def _pool(request: Request, service: Service, location: Location | None, window_end: dt.datetime, busy,
          preferred: StaffMember | None, cache: dict) -> Pool:
    """The openings for one kind of visit; find_slots runs once per (service, place, clinician,
    window) however many times the search is repeated."""
    zone = timeutils.zone(location.time_zone if location else request.patient.time_zone)

    def openings(staff: StaffMember | None) -> list[Opening]:
        key = (service.pk, location.pk if location else None, staff.pk if staff else None, window_end)
        if key not in cache:
            found = find_slots(service=service, location=location, start=request.earliest, end=window_end,
                               patient=request.patient, staff=staff, now=request.now,
                               enforce_booking_rules=request.enforce)
            cache[key] = [
                Opening(s.start, s.end, tuple(s.staff_ids), tuple(s.resource_ids), preferred=staff is not None, slot=s)
                for s in found.slots
                if request.preferences.allows(s.start, zone) and not any(s.start < e and b < s.end for b, e in busy)]
        return cache[key]

    found = openings(None)
    if preferred is not None and offering_problem(service=service, location=location, staff=preferred) is None:
        found = found + openings(preferred)
    return Pool(found, request.zone)


def _with_preferred_staff(request: Request, outcome: Outcome, pools: dict, window_end: dt.datetime,
                          cache: dict) -> Outcome:
    """With `same_staff` and no clinician named: if the plan mixes therapists for a kind of visit,
    search again preferring the one who takes most of them, and keep that plan if it is found."""
    if request.preferences.staff is not None or not request.preferences.same_staff:
        return outcome
    preferred: dict[str, StaffMember | None] = {}
    for kind in pools:
        if not _therapist_led(request.companion if kind == "companion" else request.doses[0].service):
            preferred[kind] = None
            continue
        ids = Counter(p.opening.staff_id for p in outcome.placed if p.kind == kind and p.opening.staff_id)
        preferred[kind] = StaffMember.objects.get(pk=ids.most_common(1)[0][0]) if len(ids) > 1 else None
    if not any(preferred.values()):
        return outcome
    again, _ = _search(request, request.latest_first, window_end, cache, preferred=preferred)
    return again if again.placed is not None else outcome


def _therapist_led(service: Service) -> bool:
    """Continuity matters with a therapist; nurses rotate through the chairs they watch."""
    return any(phase.staff_role == StaffRole.THERAPIST for phase in service.phases.all())


def _pair(request: Request, placed: list[Placed]) -> list[tuple[Visit, Opening]]:
    doses = {v.number: v for v in request.doses}
    pairs = []
    for p in placed:
        dose = doses[p.number]
        visit = dose if p.kind == "dose" else Visit(CourseVisit.Kind.COMPANION, p.number, dose.step, request.companion)
        pairs.append((visit, p.opening))
    return pairs


def unplaceable(request: Request, outcome: Outcome, earliest_start: dt.datetime | None) -> CourseUnplaceable:
    end = outcome.dead_end
    total = len(request.doses)
    dose = next((v for v in request.doses if v.number == end.number), request.doses[0])
    zone = request.zone
    if end.kind == "companion":
        what = f"The {request.companion.name.lower()} after visit {end.number}"
        where = _where(request.companion_location)
        rule = f"{request.template.companion_min_days}-{request.template.companion_max_days} days after that visit"
    else:
        what = f"Visit {end.number} of {total} ({dose.service.name.lower()})"
        where = _where(request.location)
        step = next(s for s in request.steps if s.number == end.number)
        rule = _gap_rule(step, end.number, first=end.number == request.doses[0].number and request.anchor is None)
    if end.cause == "max_span":
        detail = (f"{what} could not be placed: the openings after the visit before it fall outside the course's "
                  f"{request.template.max_span_days}-day span.")
    elif end.cause == "budget":
        detail = f"{what} could not be placed: the search stopped after trying {outcome.nodes} combinations."
    else:
        wishes = request.preferences.describe()
        window = (f"between {timeutils.describe(end.lo, zone)} and {timeutils.describe(end.hi, zone)}"
                  if end.lo and end.hi and end.hi >= end.lo else "in the booking window")
        detail = f"{what} could not be placed: no opening {where} {window}{' ' + wishes if wishes else ''} ({rule})."
    if earliest_start is not None:
        detail += f" The whole course fits if it starts on {earliest_start.astimezone(zone):%a %d %b %Y}."
    elif request.anchor is None:
        detail += (f" No start within the booking horizon ({request.template.service.horizon_days} days) fits the "
                   "whole course with these preferences.")
    return CourseUnplaceable(
        detail, visit=end.number, kind="companion" if end.kind == "companion" else "dose", reason=end.cause,
        earliest_start=earliest_start.astimezone(zone).date().isoformat() if earliest_start else None)


def _where(location: Location | None) -> str:
    return f"at {location.name}" if location is not None else "by video"


def _gap_rule(step: DoseStep, number: int, *, first: bool) -> str:
    if first:
        return "the first visit, from the start date asked"
    most = f" to {hours(step.max_gap)}" if step.max_gap is not None else " or more"
    return f"{hours(step.min_gap)}{most} after visit {number - 1}"

