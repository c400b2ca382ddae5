"""The services list as a patient reads it: their next step first, then what they may book now
(soonest first), then what they may not yet book, each with its next time anywhere.

The next step: for someone not yet evaluated (a visitor, or a signed-in patient with no
clearance and no evaluation done) the evaluation; for a patient in a course, that course's next
service. Whether a service may be booked, and where, is care.eligibility's answer, the same the
API gives; the next time is scheduling.availability's earliest anywhere over those places.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from care.eligibility import earliest_for as eligible_earliest, Eligibility, eligibility_for, evaluation_service
from care.models import Clearance
from care.selectors import last_completed_evaluation
from scheduling.availability import next_available, PlacedSlot
from scheduling.models import Course, CourseStatus, Location, Patient, Service
from scheduling.selectors.courses import course_plan
from web.selectors import offers

# How far ahead the list looks for each service's next time (the times page reaches further).
NEXT_TIME_DAYS = 14


@dataclass(frozen=True)
class ServiceChoice:
    service: Service
    eligibility: Eligibility
    next_time: PlacedSlot | None
    minutes: int
    next_step: bool


def next_step_service(patient: Patient | None, *, now: dt.datetime) -> Service | None:
    """The service the patient's path goes on with, if the pages can tell (see the module docstring)."""
    if patient is None:
        return evaluation_service()
    course = (
        Course.objects.filter(patient=patient, status=CourseStatus.ACTIVE)
        .select_related("template__service", "template__booster_service")
        .order_by("-created_at")
        .first()
    )
    if course is not None:
        plan = course_plan(course, now=now)
        if plan.next_visit is not None:
            return plan.next_visit.appointment.service
        return course.template.booster_service or course.template.service
    if not Clearance.objects.filter(patient=patient).exists() and last_completed_evaluation(patient=patient) is None:
        return evaluation_service()
    return None


def service_choices(*, patient: Patient | None, now: dt.datetime | None = None) -> list[ServiceChoice]:
    now = now or timezone.now()
    services = offers.bookable_services()
    answers = {s.pk: eligibility_for(patient=patient, service=s, now=now) for s in services}
    bookable = [s for s in services if answers[s.pk].can_book]
    times = next_available(
        services=bookable,
        start=now,
        end=now + dt.timedelta(days=NEXT_TIME_DAYS),
        patient=patient,
        places={s.pk: answers[s.pk].places for s in bookable},
        now=now,
    )
    first = next_step_service(patient, now=now)
    choices = [
        ServiceChoice(
            service=s,
            eligibility=answers[s.pk],
            next_time=times.get(s.pk),
            minutes=sum(p.duration_minutes for p in s.phases.all()),
            next_step=first is not None and s.pk == first.pk,
        )
        for s in services
    ]
    far = now + dt.timedelta(days=365 * 10)

    def rank(choice: ServiceChoice):
        return (
            not choice.next_step,
            not choice.eligibility.can_book,
            choice.next_time.start if choice.next_time else far,
            choice.service.name,
        )

    return sorted(choices, key=rank)


def earliest_for(
    *,
    service: Service,
    patient: Patient | None,
    answer: Eligibility,
    now: dt.datetime | None = None,
    limit: int = offers.EARLIEST_COUNT,
    days: int = NEXT_TIME_DAYS,
) -> list[PlacedSlot]:
    """The earliest times of a service the patient may book (care.eligibility's places and the
    dates their records allow), across every site and video; when nothing is free in the next
    `days`, as far as the service's horizon."""
    now = now or timezone.now()
    _, found = eligible_earliest(patient=patient, service=service, days=days, limit=limit, now=now, eligibility=answer)
    if not found and days < service.horizon_days:
        _, found = eligible_earliest(
            patient=patient, service=service, days=service.horizon_days, limit=limit, now=now, eligibility=answer
        )
    return found


def video_zone(patient: Patient | None) -> str:
    """The clock video times are read on: the patient's own, else the clinic's video location's."""
    if patient is not None and patient.time_zone:
        return patient.time_zone
    virtual = Location.objects.filter(is_virtual=True, active=True).order_by("pk").first()
    return virtual.time_zone if virtual else "America/Phoenix"
