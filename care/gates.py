"""The clinical gates: rules a visit must pass before it is booked (or checked in), whoever asks.

A gate is a plain function of a `GateRequest` that returns None when the visit may go ahead, or
a `GateFailure` saying which gate, what it found, and what would satisfy it. The booking service
calls `enforce_gates` for every hold, booking and move (API, pages, desk alike); check-in calls
`check_in_gates`. Scheduling reaches both through its hooks (care/apps.py). To add a gate, write the function and append it to BOOKING_GATES (or
CHECK_IN_GATES).

The front desk may let a request through a failed gate by giving a reason, where the clinic
allows it for that gate (settings.CARE_OVERRIDABLE_GATES); every override is kept as a
GateOverride row. Patients never override.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass

from django.conf import settings

from audit.services import Action, record
from core.errors import Unprocessable
from scheduling import timeutils
from scheduling.models import Appointment, Location, Patient, Service
from telehealth.gates import controlled_substance_telemedicine, video_licensure

from . import selectors
from .models import GateOverride, Treatment

_TREATMENTS = frozenset(Treatment.values)  # Choices.values builds its list afresh on every read


@dataclass(frozen=True)
class GateRequest:
    """What a gate sees: who, what, where (None: video) and when; the appointment at check-in."""

    patient: Patient
    service: Service
    location: Location | None
    start: dt.datetime
    actor: object = None
    appointment: Appointment | None = None

    @property
    def visit_day(self) -> dt.date:
        """The visit's date on the clock it happens by: the site's, or the patient's for video."""
        name = self.location.time_zone if self.location is not None else self.patient.time_zone
        return timeutils.local_date(self.start, timeutils.zone(name))


@dataclass(frozen=True)
class GateFailure:
    gate: str
    detail: str
    how_to_satisfy: str
    overridable: bool = False


Gate = Callable[[GateRequest], "GateFailure | None"]


def may_override(gate: str) -> bool:
    return gate in settings.CARE_OVERRIDABLE_GATES


# --- The gates ------------------------------------------------------------------------------

def clearance(request: GateRequest) -> GateFailure | None:
    """Dosing needs a completed evaluation and a clinician's clearance for this kind of treatment,
    still valid on the visit's day."""
    service = request.service
    if not service.is_dosing or service.category not in _TREATMENTS:
        return None
    treatment = Treatment(service.category).label
    found = selectors.current_clearance(patient=request.patient, treatment=service.category)
    how = (f"A clinician records a clearance for {treatment} after a completed evaluation, having reviewed the "
           "contraindication screening.")
    if found is None:
        return GateFailure("clearance", f"{request.patient.display_name} has no clinician clearance for {treatment}.",
                           how, may_override("clearance"))
    if found.expires_on is not None and found.expires_on < request.visit_day:
        return GateFailure(
            "clearance",
            f"{request.patient.display_name}'s clearance for {treatment} expired on {found.expires_on:%a %d %b %Y}, "
            f"before this visit on {request.visit_day:%a %d %b %Y}.",
            how.replace("records a clearance", "renews the clearance"), may_override("clearance"))
    return None


def rems_site(request: GateRequest) -> GateFailure | None:
    """Spravato is given only in a REMS-certified setting (never by video). Not overridable."""
    if request.service.category != Treatment.ESKETAMINE:
        return None
    if request.location is None:
        return GateFailure("rems_site", f"{request.service.name} cannot be a video visit: the REMS requires a "
                                        "certified healthcare setting.",
                           "Book it in person at a REMS-certified location.")
    if not request.location.rems_certified:
        certified = ", ".join(request.service.locations.filter(rems_certified=True, active=True)
                              .values_list("name", flat=True))
        return GateFailure("rems_site", f"{request.location.name} is not certified under the Spravato REMS.",
                           f"Book it at a REMS-certified location ({certified})." if certified
                           else "Certify a location under the REMS first.")
    return None


def rems_enrolment(request: GateRequest) -> GateFailure | None:
    """The patient is enrolled in the REMS on or before the session's day. Not overridable."""
    if request.service.category != Treatment.ESKETAMINE:
        return None
    enrolment = selectors.rems_enrolment(patient=request.patient)
    how = "Enrol the patient in the Spravato REMS and record the enrolment date."
    if enrolment is None:
        return GateFailure("rems_enrolment", f"{request.patient.display_name} is not enrolled in the Spravato REMS.",
                           how)
    if enrolment.enrolled_on > request.visit_day:
        return GateFailure("rems_enrolment",
                           f"{request.patient.display_name}'s REMS enrolment starts on "
                           f"{enrolment.enrolled_on:%a %d %b %Y}, after this session on "
                           f"{request.visit_day:%a %d %b %Y}.",
                           "Book the session on or after the enrolment date.")
    return None


def escort(request: GateRequest) -> GateFailure | None:
    """An in-person dosing visit is checked in only with an adult escort on record. Booking does
    not wait for it (patients often arrange a driver later); the desk sees the day before who
    is missing one (care.selectors.visits_missing_escort)."""
    if not request.service.is_dosing or request.location is None or request.appointment is None:
        return None
    if selectors.has_escort(appointment=request.appointment):
        return None
    return GateFailure("escort", f"No adult escort is recorded for {request.patient.display_name}'s visit: "
                                 "the patient may not drive until the next day.",
                       "Record the escort's name and phone on the visit.",
                       may_override("escort"))


BOOKING_GATES: list[Gate] = [clearance, rems_site, rems_enrolment, video_licensure,
                             controlled_substance_telemedicine]
CHECK_IN_GATES: list[Gate] = [escort]


# --- Enforcing them -------------------------------------------------------------------------

def check_gates(request: GateRequest, gates: list[Gate]) -> list[GateFailure]:
    return [failure for gate in gates if (failure := gate(request)) is not None]


def refuse_unless_overridden(failures: list[GateFailure], *, override_reason: str) -> None:
    """Raise the 422 for the first failure the reason cannot cover (all of them without a reason)."""
    blocking = [f for f in failures if not (override_reason and f.overridable)]
    if not blocking:
        return
    first = blocking[0]
    detail = first.detail
    if first.overridable:
        detail += " The front desk may override this with a reason."
    raise Unprocessable(detail, code="gate_failed", gate=first.gate, how_to_satisfy=first.how_to_satisfy,
                        overridable=first.overridable,
                        gates=[{"gate": f.gate, "detail": f.detail, "how_to_satisfy": f.how_to_satisfy,
                                "overridable": f.overridable} for f in blocking])


def enforce_gates(*, patient: Patient, service: Service, location: Location | None, start: dt.datetime, actor,
                  override_reason: str = "") -> list[GateOverride]:
    """Refuse the visit with a 422 `gate_failed` naming the gate, or record the desk's overrides
    (the booking service has already refused an override from anyone but staff)."""
    request = GateRequest(patient=patient, service=service, location=location, start=start, actor=actor)
    return _enforce(request, BOOKING_GATES, override_reason=override_reason, moment=GateOverride.Moment.BOOKING)


def enforce_check_in_gates(*, appointment: Appointment, actor, override_reason: str = "") -> list[GateOverride]:
    request = GateRequest(patient=appointment.patient, service=appointment.service, location=appointment.location,
                          start=appointment.start, actor=actor, appointment=appointment)
    return _enforce(request, CHECK_IN_GATES, override_reason=override_reason, moment=GateOverride.Moment.CHECK_IN)


def check_in_gates(*, appointment: Appointment, actor, override_reason: str = "") -> list[str]:
    """scheduling.hooks' check at check-in: the names of the gates the desk overrode."""
    overrides = enforce_check_in_gates(appointment=appointment, actor=actor, override_reason=override_reason)
    return [override.gate for override in overrides]


def _enforce(request: GateRequest, gates: list[Gate], *, override_reason: str, moment: str) -> list[GateOverride]:
    failures = check_gates(request, gates)
    if not failures:
        return []
    refuse_unless_overridden(failures, override_reason=override_reason)
    overrides = [GateOverride.objects.create(
        gate=f.gate, moment=moment, detail=f.detail, reason=override_reason[:300], actor=request.actor,
        patient=request.patient, service=request.service, location=request.location, start=request.start,
        appointment=request.appointment) for f in failures]
    for override in overrides:
        record(action=Action.OVERRIDE, target=override, actor=request.actor,
               summary=f"{override.gate} gate overridden at {moment}")
    return overrides
