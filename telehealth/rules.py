"""Who may be seen by video, and how: licensure, the prescribing rules for video, and the zone a visit is read in.

- Licensure: a clinician sees a patient by video only if licensed in the patient's state of
  residence. The availability engine filters clinicians by it (scheduling.availability.loader);
  the gate here refuses a video visit for a patient whose state is not on record.
- Controlled substances (ketamine is Schedule III): audio-video prescribing without a prior
  in-person evaluation is allowed for visits on or before TELEHEALTH_CS_FLEXIBILITY_UNTIL (the
  visit's date on the patient's clock). Later, a prescriber's video visit needs an in-person
  evaluation of the patient by that prescriber on or before the visit's day: recorded
  (InPersonEvaluation), or a completed in-person visit the prescriber was allocated to.
- Audio only is never allowed for a prescribing visit: the phone dial-in is offered only for
  visits without a prescriber.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

from django.conf import settings
from django.db.models import Max

from scheduling import timeutils
from scheduling.models import Allocation, AppointmentStatus, Modality, Patient, Service, StaffMember, StaffRole
from scheduling.models.clinic import StaffUsage

from .models import InPersonEvaluation


def flexibility_until() -> dt.date:
    return settings.TELEHEALTH_CS_FLEXIBILITY_UNTIL


def is_prescribing(service: Service) -> bool:
    """A visit where a prescriber takes part (evaluation, medication management): it may lead to
    a controlled-substance prescription."""
    return any(p.staff_role == StaffRole.PRESCRIBER and p.staff_usage != StaffUsage.PRESENT
               for p in service.phases.all())


def visit_day(*, patient: Patient, start: dt.datetime) -> dt.date:
    return timeutils.local_date(start, timeutils.zone(patient.time_zone))


def in_person_evaluation_on(*, prescriber: StaffMember, patient: Patient) -> dt.date | None:
    """The latest day this prescriber evaluated this patient in person, if ever."""
    recorded = (InPersonEvaluation.objects.filter(prescriber=prescriber, patient=patient)
                .values_list("evaluated_on", flat=True).first())
    seen = Allocation.objects.filter(
        staff=prescriber, appointment__patient=patient, appointment__modality=Modality.IN_PERSON,
        appointment__status=AppointmentStatus.COMPLETED).aggregate(last=Max("appointment__start"))["last"]
    seen_on = visit_day(patient=patient, start=seen) if seen else None
    return max((d for d in (recorded, seen_on) if d is not None), default=None)


def state_problem(*, patient: Patient) -> str | None:
    if patient.state:
        return None
    return ("A video visit needs the patient's state of residence on record: clinicians may see patients "
            "only in states where they are licensed. Add the state to the patient's details first.")


def controlled_substance_problem(*, service: Service, patient: Patient, start: dt.datetime,
                                 prescribers: Collection[StaffMember]) -> str | None:
    """Why this video visit may not be booked under the controlled-substance telemedicine rule,
    or None. `prescribers`: who would see the patient (empty when not yet known: then any
    prescriber with an in-person evaluation of the patient will do)."""
    if not is_prescribing(service):
        return None
    day = visit_day(patient=patient, start=start)
    until = flexibility_until()
    if day <= until:
        return None
    if prescribers:
        candidates = list(prescribers)
    else:
        ids = set(InPersonEvaluation.objects.filter(patient=patient).values_list("prescriber_id", flat=True))
        ids |= set(Allocation.objects.filter(
            appointment__patient=patient, appointment__modality=Modality.IN_PERSON,
            appointment__status=AppointmentStatus.COMPLETED, staff__isnull=False).values_list("staff_id", flat=True))
        candidates = list(StaffMember.objects.filter(pk__in=ids, active=True))
    for prescriber in candidates:
        if prescriber.has_role(StaffRole.PRESCRIBER):
            seen = in_person_evaluation_on(prescriber=prescriber, patient=patient)
            if seen is not None and seen <= day:
                return None
    after = (until + dt.timedelta(days=1)).strftime("%d %b %Y").lstrip("0")
    if prescribers:
        names = " and ".join(p.display_name for p in prescribers)
        who = f"{names} {'has' if len(prescribers) == 1 else 'have'} not recorded"
    else:
        who = "no prescriber has recorded"
    return (f"From {after}, a prescriber may see a patient by video for this kind of visit only after "
            f"evaluating them in person: {who} an in-person evaluation of {patient.display_name} "
            f"on or before {day:%a %d %b %Y}.")
