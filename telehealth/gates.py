"""The telehealth booking gates, listed in care.gates.BOOKING_GATES (care.gates imports this
module, so its types are imported when a gate runs). Both apply to video visits only
(`request.location is None`)."""

from __future__ import annotations

from scheduling.models import Allocation, StaffMember, StaffRole

from .rules import controlled_substance_problem, state_problem


def video_licensure(request):
    """The patient's state of residence must be known: availability and booking offer only
    clinicians licensed there (scheduling.availability.loader filters by it)."""
    from care.gates import GateFailure, may_override

    if request.location is not None:
        return None
    problem = state_problem(patient=request.patient)
    if problem is None:
        return None
    return GateFailure("video_licensure", problem,
                       "Record the patient's state of residence (the patient's details), then book again.",
                       may_override("video_licensure"))


def controlled_substance_telemedicine(request):
    """After TELEHEALTH_CS_FLEXIBILITY_UNTIL, a prescriber's video visit needs an in-person
    evaluation on record (telehealth.rules). When the gate runs before the clinician is known,
    any prescriber's evaluation of the patient satisfies it."""
    from care.gates import GateFailure, may_override

    if request.location is not None:
        return None
    prescribers = []
    if request.appointment is not None:
        ids = Allocation.objects.filter(appointment=request.appointment, staff__isnull=False).values_list("staff_id")
        prescribers = [m for m in StaffMember.objects.filter(pk__in=ids) if m.has_role(StaffRole.PRESCRIBER)]
    problem = controlled_substance_problem(service=request.service, patient=request.patient, start=request.start,
                                           prescribers=prescribers)
    if problem is None:
        return None
    return GateFailure("controlled_substance_telemedicine", problem,
                       "Book an in-person evaluation with a prescriber first, or record one that took place.",
                       may_override("controlled_substance_telemedicine"))
