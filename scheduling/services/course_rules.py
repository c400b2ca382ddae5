"""The spacing rules of a treatment course, as one pure check over a course's visits.

The course search (scheduling.services.course_search) places visits so that none of these
rules is broken; moving one booked visit (from any channel: the booking service calls
`ensure_move_keeps_spacing`) is refused if the new time would break a rule that involves it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from core.errors import Unprocessable
from scheduling import timeutils
from scheduling.models import Appointment, AppointmentStatus, Course, CourseStep, CourseTemplate, CourseVisit

# A visit in one of these still holds (or held) its time and counts for spacing.
LIVE = (AppointmentStatus.BOOKED, AppointmentStatus.CHECKED_IN, AppointmentStatus.COMPLETED, AppointmentStatus.HELD)
DOSE, BOOSTER, COMPANION = CourseVisit.Kind.DOSE, CourseVisit.Kind.BOOSTER, CourseVisit.Kind.COMPANION


@dataclass(frozen=True)
class DoseRule:
    """Dose `number`: `min_gap` to `max_gap` (None: no limit) after the dose before it."""

    number: int
    step: int
    min_gap: dt.timedelta
    max_gap: dt.timedelta | None


@dataclass(frozen=True)
class PlannedVisit:
    kind: str
    number: int
    start: dt.datetime
    end: dt.datetime


@dataclass(frozen=True)
class Violation:
    rule: str
    detail: str
    numbers: frozenset[tuple[str, int]]


def dose_rules(template: CourseTemplate, steps: list[CourseStep] | None = None) -> list[DoseRule]:
    """One rule per dose of the template, in order; the first dose has no gap before it."""
    rules: list[DoseRule] = []
    for step in steps if steps is not None else list(template.steps.order_by("order")):
        for _ in range(step.visits):
            rules.append(DoseRule(
                number=len(rules) + 1, step=step.order, min_gap=dt.timedelta(hours=step.min_gap_hours),
                max_gap=dt.timedelta(hours=step.max_gap_hours) if step.max_gap_hours is not None else None))
    return rules


def booster_rule(template: CourseTemplate, number: int) -> DoseRule:
    return DoseRule(number=number, step=0, min_gap=dt.timedelta(days=template.booster_min_gap_days),
                    max_gap=dt.timedelta(days=template.booster_max_gap_days))


def hours(delta: dt.timedelta) -> str:
    total = delta.total_seconds() / 3600
    if total >= 72 and total % 24 == 0:
        return f"{int(total // 24)} days"
    return f"{total:.0f} hours" if total == int(total) else f"{total:.1f} hours"


def find_violations(*, template: CourseTemplate, rules: list[DoseRule], visits: list[PlannedVisit],
                    zone: ZoneInfo) -> list[Violation]:
    """Every rule the visits break. Doses and boosters are checked against the one before them;
    a companion against its dose's day window and the next dose."""
    doses = sorted((v for v in visits if v.kind in (DOSE, BOOSTER)), key=lambda v: v.number)
    by_number = {rule.number: rule for rule in rules}
    found: list[Violation] = []
    for before, visit in zip(doses, doses[1:], strict=False):
        rule = by_number.get(visit.number) if visit.kind == DOSE else booster_rule(template, visit.number)
        if rule is None:
            continue
        gap = visit.start - before.start
        pair = frozenset({(before.kind, before.number), (visit.kind, visit.number)})
        if gap < rule.min_gap:
            found.append(Violation("min_gap", f"Visit {visit.number} would start {hours(gap)} after visit "
                                              f"{before.number}; {template.name} needs at least {hours(rule.min_gap)} "
                                              "between them.", pair))
        elif rule.max_gap is not None and gap > rule.max_gap and visit.number == before.number + 1:
            found.append(Violation("max_gap", f"Visit {visit.number} would start {hours(gap)} after visit "
                                              f"{before.number}; {template.name} allows at most {hours(rule.max_gap)} "
                                              "between them.", pair))
    course_doses = [d for d in doses if d.kind == DOSE]
    if template.max_span_days is not None and len(course_doses) > 1:
        span = course_doses[-1].start - course_doses[0].start
        if span > dt.timedelta(days=template.max_span_days):
            first, last = course_doses[0], course_doses[-1]
            found.append(Violation("max_span", f"Visit {last.number} would fall {span.days} days after visit "
                                               f"{first.number}; {template.name} keeps every dose within "
                                               f"{template.max_span_days} days of the first.",
                                   frozenset({(DOSE, first.number), (DOSE, last.number)})))
    dose_at = {d.number: d for d in doses}
    for companion in (v for v in visits if v.kind == COMPANION):
        dose = dose_at.get(companion.number)
        if dose is None:
            continue
        pair = frozenset({(DOSE, dose.number), (COMPANION, companion.number)})
        days = (timeutils.local_date(companion.start, zone) - timeutils.local_date(dose.start, zone)).days
        name = template.companion_service.name if template.companion_service_id else "The companion visit"
        if not template.companion_min_days <= days <= template.companion_max_days or companion.start < dose.end:
            found.append(Violation("companion_window",
                                   f"{name} after visit {dose.number} would be {days} days after it; it belongs "
                                   f"{template.companion_min_days}-{template.companion_max_days} days after the dose.",
                                   pair))
        following = dose_at.get(dose.number + 1)
        if following is not None and companion.end > following.start:
            found.append(Violation("companion_order",
                                   f"{name} after visit {dose.number} would end after visit {following.number} "
                                   "starts; it belongs between them.",
                                   pair | {(following.kind, following.number)}))
    return found


# --- Courses as booked ----------------------------------------------------------------------

def current_appointment(appointment: Appointment) -> Appointment:
    """Follow moves: the booking a visit's original appointment was rescheduled into."""
    seen = {appointment.pk}
    while appointment.status == AppointmentStatus.RESCHEDULED and appointment.rescheduled_to_id:
        if appointment.rescheduled_to_id in seen:
            break
        seen.add(appointment.rescheduled_to_id)
        appointment = Appointment.objects.select_related("service", "location").get(pk=appointment.rescheduled_to_id)
    return appointment


def course_visits(course: Course) -> list[tuple[CourseVisit, Appointment]]:
    """The course's visits with their current appointments, in time order."""
    rows = list(course.visits.select_related("appointment__service", "appointment__location"))
    pairs = [(visit, current_appointment(visit.appointment)) for visit in rows]
    return sorted(pairs, key=lambda pair: (pair[1].start, pair[0].number))


def course_zone(course: Course) -> ZoneInfo:
    return timeutils.zone(course.location.time_zone if course.location_id else course.patient.time_zone)


def visit_of(appointment: Appointment) -> CourseVisit | None:
    """The course visit this appointment is the current booking of, if any: the visit of this
    appointment or of the nearest one it replaced. A visit is moved a few times at most, so the
    moves are walked back one query each."""
    chain = [appointment.pk]
    while True:
        previous = Appointment.objects.filter(rescheduled_to_id=chain[-1]).values_list("pk", flat=True).first()
        if previous is None or previous in chain:
            break
        chain.append(previous)
    visits = {visit.appointment_id: visit
              for visit in CourseVisit.objects.filter(appointment_id__in=chain).select_related("course__template")}
    return next((visits[pk] for pk in chain if pk in visits), None)


def ensure_move_keeps_spacing(*, appointment: Appointment, start: dt.datetime) -> None:
    """Refuse (422 `course_spacing`, naming the rule) to move a course visit to a time that breaks
    a spacing rule involving it. Visits outside a course move freely."""
    visit = visit_of(appointment)
    if visit is None:
        return
    course = visit.course
    length = appointment.end - appointment.start
    planned = []
    for other, current in course_visits(course):
        if other.pk == visit.pk:
            planned.append(PlannedVisit(other.kind, other.number, start, start + length))
        elif current.status in LIVE:
            planned.append(PlannedVisit(other.kind, other.number, current.start, current.end))
    moved = (visit.kind, visit.number)
    violations = [v for v in find_violations(template=course.template, rules=dose_rules(course.template),
                                             visits=planned, zone=course_zone(course)) if moved in v.numbers]
    if violations:
        raise Unprocessable(violations[0].detail, code="course_spacing", rule=violations[0].rule,
                            rules=[{"rule": v.rule, "detail": v.detail} for v in violations])
