"""Reading courses: who may see which, and a course as a plan ("visit 2 of 6") with its progress.

Visibility follows the appointments': a patient sees their own courses; the front desk the
courses at its locations (and video courses if it covers telehealth); a clinician the courses
with a visit on their schedule; an admin all.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, QuerySet

from accounts.models import Role
from core.errors import NotFound
from scheduling.models import Appointment, AppointmentStatus, Course, CourseStatus, CourseVisit
from scheduling.selectors.appointments import desk_scope, sees_nothing, staff_member_for
from scheduling.services.course_rules import course_visits, dose_rules

UPCOMING = (AppointmentStatus.HELD, AppointmentStatus.BOOKED, AppointmentStatus.CHECKED_IN)


def visible_courses(*, user) -> QuerySet[Course]:
    qs = Course.objects.select_related("patient", "template__service", "template__companion_service", "location")
    if sees_nothing(user):
        return qs.none()
    if user.role == Role.ADMIN:
        return qs
    if user.role == Role.PATIENT:
        return qs.filter(patient__user=user)
    if user.role == Role.FRONT_DESK:
        return qs.filter(desk_scope(user))
    if user.role == Role.CLINICIAN:
        member = staff_member_for(user)
        if member is None:
            return qs.none()
        mine = CourseVisit.objects.filter(course=OuterRef("pk"), appointment__allocations__staff=member)
        return qs.filter(Exists(mine))
    return qs.none()


def get_course(*, user, course_id: int) -> Course:
    course = visible_courses(user=user).filter(pk=course_id).first()
    if course is None:
        raise NotFound(f"There is no course {course_id} that you can see.", code="course_not_found")
    return course


@dataclass(frozen=True)
class PlannedVisit:
    visit: CourseVisit
    appointment: Appointment
    label: str


@dataclass(frozen=True)
class CoursePlan:
    course: Course
    status: str
    visits: list[PlannedVisit]
    doses_total: int
    doses_completed: int
    boosters: int
    next_visit: PlannedVisit | None


def course_plan(course: Course, *, now: dt.datetime) -> CoursePlan:
    """The course as the patient and desk read it: every visit with its current booking and a
    label ("Visit 2 of 6", "Integration session after visit 2", "Booster 1"), and progress. A
    course whose doses have all been completed reads as completed."""
    total = len(dose_rules(course.template))
    planned = []
    for visit, appointment in course_visits(course):
        if visit.kind == CourseVisit.Kind.DOSE:
            label = f"Visit {visit.number} of {total}"
        elif visit.kind == CourseVisit.Kind.BOOSTER:
            label = f"Booster {visit.number - total}"
        else:
            label = f"{appointment.service.name} after visit {visit.number}"
        planned.append(PlannedVisit(visit, appointment, label))
    doses = [p for p in planned if p.visit.kind == CourseVisit.Kind.DOSE]
    completed = sum(p.appointment.status == AppointmentStatus.COMPLETED for p in doses)
    status = course.status
    if status == CourseStatus.ACTIVE and doses and completed == total and not any(
            p.appointment.status in UPCOMING for p in planned):
        status = CourseStatus.COMPLETED
    upcoming = [p for p in planned if p.appointment.status in UPCOMING and p.appointment.end > now]
    return CoursePlan(course=course, status=status, visits=planned, doses_total=total, doses_completed=completed,
                      boosters=sum(p.visit.kind == CourseVisit.Kind.BOOSTER for p in planned),
                      next_visit=upcoming[0] if upcoming else None)
