"""Changing a booked course as a whole: pause (its future visits are released), resume (the
released visits are placed again), extend with boosters, cancel, and move one visit.

Every change first locks the course row, so two changes to one course queue up; then it takes
the booking locks in the usual order (docs/concurrency.md). Visits are cancelled and booked
through the booking service, so each keeps its own events, messages and gates.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from core.errors import Conflict, Unprocessable
from scheduling.models import Appointment, AppointmentStatus, Course, CourseStatus, CourseVisit, Location, StaffMember
from scheduling.services import booking, transitions
from scheduling.services.course_rules import booster_rule, course_visits, current_appointment, dose_rules, LIVE
from scheduling.services.course_search import DoseStep
from scheduling.services.courses import place_visits, Preferences, Request, START_WINDOW, Visit

UPCOMING = (AppointmentStatus.HELD, AppointmentStatus.BOOKED)
DOSES = (CourseVisit.Kind.DOSE, CourseVisit.Kind.BOOSTER)


def lock_course(*, course_id: int) -> Course:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("lock_course only means something inside transaction.atomic().")
    return (Course.objects.select_for_update(no_key=True, of=("self",))
            .select_related("template__service", "template__companion_service", "template__booster_service",
                            "patient", "location").get(pk=course_id))


def ensure_status(course: Course, allowed: tuple[str, ...], verb: str) -> None:
    if course.status not in allowed:
        raise Conflict(f"This course is {course.get_status_display().lower()}; it cannot be {verb}.",
                       code="course_status", status_now=course.status)


def pause_course(*, course: Course, actor, reason: str, cancelled_by: str | None = None,
                 now: dt.datetime | None = None) -> Course:
    """Release every future visit (cancelled through the booking service) and mark the course paused."""
    return _stop(course=course, actor=actor, reason=reason, cancelled_by=cancelled_by, now=now,
                 to_status=CourseStatus.PAUSED, allowed=(CourseStatus.ACTIVE,), verb="paused")


def cancel_course(*, course: Course, actor, reason: str, cancelled_by: str | None = None,
                  now: dt.datetime | None = None) -> Course:
    """Cancel the course and every visit still to come; visits already attended stay as they were."""
    return _stop(course=course, actor=actor, reason=reason, cancelled_by=cancelled_by, now=now,
                 to_status=CourseStatus.CANCELLED, allowed=(CourseStatus.ACTIVE, CourseStatus.PAUSED),
                 verb="cancelled")


def _stop(*, course, actor, reason, cancelled_by, now, to_status, allowed, verb) -> Course:
    now = now or timezone.now()
    with transaction.atomic():
        course = lock_course(course_id=course.pk)
        ensure_status(course, allowed, verb)
        for _, appointment in course_visits(course):
            if appointment.status in UPCOMING and appointment.start > now:
                transitions.cancel_appointment(appointment=appointment, actor=actor, now=now,
                                               reason=f"Course {verb}: {reason}"[:300], cancelled_by=cancelled_by)
        course.status = to_status
        course.status_reason = reason[:300]
        course.save(update_fields=["status", "status_reason", "updated_at"])
        return course


def preferences_of(course: Course) -> Preferences:
    saved = course.preferences or {}
    staff = StaffMember.objects.filter(pk=saved["staff"]).first() if saved.get("staff") else None
    return Preferences(days_of_week=frozenset(saved.get("days_of_week", ())),
                       times_of_day=frozenset(saved.get("times_of_day", ())), staff=staff,
                       same_staff=saved.get("same_staff", True), companion_video=saved.get("companion_video"))


def _last_dose(pairs) -> Appointment | None:
    attended = [a for v, a in pairs if v.kind in DOSES and a.status in LIVE]
    return max(attended, key=lambda a: a.start) if attended else None


def resume_course(*, course: Course, actor, start_from: dt.datetime | None = None,
                  start_by: dt.datetime | None = None, override_reason: str = "",
                  now: dt.datetime | None = None) -> Course:
    """Place again every dose (and its companion) that is not booked or attended, spaced from the
    last dose that is. The maximum span is not applied across a pause."""
    now = now or timezone.now()
    with transaction.atomic():
        course = lock_course(course_id=course.pk)
        ensure_status(course, (CourseStatus.PAUSED,), "resumed")
        pairs = course_visits(course)
        missing = sorted(v.number for v, a in pairs if v.kind == CourseVisit.Kind.DOSE and a.status not in LIVE)
        if missing:
            template = course.template
            rules = {r.number: r for r in dose_rules(template)}
            earliest = max(start_from or now, now)
            with_companions = course.preferences.get("with_companions", True)
            request = Request(
                patient=course.patient, template=template, location=course.location,
                doses=[Visit(CourseVisit.Kind.DOSE, n, rules[n].step, template.service) for n in missing],
                steps=[DoseStep(n, rules[n].min_gap, rules[n].max_gap) for n in missing],
                preferences=preferences_of(course), actor=actor, earliest=earliest,
                latest_first=start_by or earliest + START_WINDOW, now=now, override_reason=override_reason,
                companion=template.companion_service if with_companions else None, anchor=_last_dose(pairs))
            place_visits(request, lambda booked: _relink(course, booked))
        course.status = CourseStatus.ACTIVE
        course.status_reason = ""
        course.save(update_fields=["status", "status_reason", "updated_at"])
        return course


def extend_course(*, course: Course, actor, boosters: int = 1, start_from: dt.datetime | None = None,
                  start_by: dt.datetime | None = None, override_reason: str = "",
                  now: dt.datetime | None = None) -> Course:
    """Add booster visits after the last dose, spaced by the template's booster gaps. When the
    last dose is so long ago that the first booster's longest gap has passed, it is booked as
    soon as possible instead."""
    if not 1 <= boosters <= 12:
        raise Unprocessable("Add between 1 and 12 boosters at a time.", code="invalid_booster_count")
    now = now or timezone.now()
    with transaction.atomic():
        course = lock_course(course_id=course.pk)
        ensure_status(course, (CourseStatus.ACTIVE, CourseStatus.COMPLETED), "extended")
        template = course.template
        pairs = course_visits(course)
        last = max((v.number for v, _ in pairs if v.kind in DOSES), default=0)
        anchor = _last_dose(pairs)
        earliest = max(start_from or now, now)
        rules = [booster_rule(template, last + k) for k in range(1, boosters + 1)]
        if anchor is not None and anchor.start + rules[0].max_gap < earliest:
            anchor = None
        service = template.booster_service or template.service
        request = Request(
            patient=course.patient, template=template, location=course.location,
            doses=[Visit(CourseVisit.Kind.BOOSTER, r.number, 0, service) for r in rules],
            steps=[DoseStep(r.number, r.min_gap, r.max_gap) for r in rules], preferences=preferences_of(course),
            actor=actor, earliest=earliest, latest_first=start_by or earliest + START_WINDOW, now=now,
            override_reason=override_reason, anchor=anchor)
        place_visits(request, lambda booked: _relink(course, booked))
        course.status = CourseStatus.ACTIVE
        course.save(update_fields=["status", "updated_at"])
        return course


def _relink(course: Course, booked: list[tuple[Visit, Appointment]]) -> Course:
    """Point each visit of the course at its new booking (creating the visit if it is new)."""
    for visit, appointment in booked:
        CourseVisit.objects.update_or_create(course=course, kind=visit.kind, number=visit.number,
                                             defaults={"appointment": appointment, "step": visit.step})
    return course


def move_visit(*, course: Course, visit: CourseVisit, start: dt.datetime, actor,
               location: Location | None | type[...] = ..., staff: StaffMember | None = None, reason: str = "",
               override_reason: str = "", now: dt.datetime | None = None) -> Appointment:
    """Reschedule one visit through the booking service, which refuses a time that breaks the
    course's spacing (422 `course_spacing` naming the rule)."""
    with transaction.atomic():
        course = lock_course(course_id=course.pk)
        ensure_status(course, (CourseStatus.ACTIVE,), "changed")
        current = current_appointment(visit.appointment)
        moved = booking.reschedule_appointment(appointment=current, start=start, actor=actor, location=location,
                                               staff=staff, reason=reason, override_reason=override_reason, now=now)
        CourseVisit.objects.filter(pk=visit.pk).update(appointment=moved)
        return moved
