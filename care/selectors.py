"""Reading the clinical records: what the gates check, what the clinician sees before clearing,
and the desk's lists (monitoring forms due or overdue, visits missing an escort)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Q, QuerySet

from accounts.models import Role
from scheduling import timeutils
from scheduling.models import Appointment, AppointmentStatus, Location, Patient, Service, StaffRole
from scheduling.selectors.appointments import desk_location_ids, desk_scope, patients_at, sees_nothing, staff_member_for

from .models import (
    Clearance,
    ContraindicationScreening,
    Escort,
    GateOverride,
    MonitoringForm,
    RemsEnrolment,
    Treatment,
    VisitCall,
)

# Visits that will still happen (or are happening): the ones an escort is needed for.
UPCOMING = (AppointmentStatus.BOOKED, AppointmentStatus.CHECKED_IN)


def is_prescriber(user) -> bool:
    """A clinician or clinic admin whose active staff record names the prescriber role: the only
    people who may clear a patient for treatment or end a clearance."""
    if sees_nothing(user) or user.role not in (Role.CLINICIAN, Role.ADMIN):
        return False
    member = staff_member_for(user)
    return member is not None and member.has_role(StaffRole.PRESCRIBER)


def may_record_rems(user) -> bool:
    """A prescriber, or an active clinic admin."""
    return is_prescriber(user) or (not sees_nothing(user) and user.role == Role.ADMIN)


def may_read_notes(user) -> bool:
    """Screening answers and details, clearance notes and revocation reasons are for the care team
    (and the patient's own record); the desk needs only whether a record exists, its state and
    expiry (minimum necessary)."""
    return user.has_role(Role.CLINICIAN, Role.ADMIN, Role.PATIENT)


def serves_patient(*, user, patient: Patient) -> bool:
    """Whether the patient is at a site this prescriber serves (a visit there, or a video visit when
    one of their sites is virtual, or no visit yet); a clinic admin serves the whole clinic."""
    if user.role == Role.ADMIN:
        return True
    location_ids, covers_video = desk_location_ids(user)  # the sites of any active staff record
    return Patient.objects.filter(patients_at(location_ids, covers_video), pk=patient.pk).exists()


def current_clearance(*, patient: Patient, treatment: str) -> Clearance | None:
    """The newest clearance that is not revoked (it may have expired: the gate says so); every
    dosing booking asks, so it reads only the expiry the gate checks."""
    return (Clearance.objects.filter(patient=patient, treatment=treatment, revoked_at__isnull=True)
            .order_by("-cleared_at", "-id").only("expires_on").first())


def latest_screening(*, patient: Patient) -> ContraindicationScreening | None:
    return ContraindicationScreening.objects.filter(patient=patient).order_by("-answered_at", "-id").first()


def rems_enrolment(*, patient: Patient) -> RemsEnrolment | None:
    return RemsEnrolment.objects.filter(patient=patient).first()


def has_escort(*, appointment: Appointment) -> bool:
    return Escort.objects.filter(appointment=appointment, confirmed_adult=True).exists()


def last_completed_evaluation(*, patient: Patient) -> Appointment | None:
    return (Appointment.objects.filter(patient=patient, service__category=Service.Category.EVALUATION,
                                       status=AppointmentStatus.COMPLETED).order_by("-start").first())


# --- Spravato Patient Monitoring Forms ------------------------------------------------------

@dataclass(frozen=True)
class MonitoringFormTask:
    """One completed Spravato session and its form: due `due_on` (the session's day on the site's
    clock plus CARE_REMS_FORM_DUE_DAYS), overdue from the day after."""

    appointment: Appointment
    session_day: dt.date
    due_on: dt.date
    form: MonitoringForm | None

    def overdue(self, today: dt.date) -> bool:
        return self.form is None and today > self.due_on


def monitoring_form_tasks(*, locations: QuerySet[Location] | None = None,
                          include_submitted: bool = False) -> list[MonitoringFormTask]:
    """Completed Spravato sessions, oldest due first; without submitted forms unless asked."""
    sessions = (Appointment.objects.filter(service__category=Service.Category.ESKETAMINE,
                                           status=AppointmentStatus.COMPLETED)
                .select_related("patient", "service", "location", "monitoring_form").order_by("start", "pk"))
    if locations is not None:
        sessions = sessions.filter(location__in=locations)
    if not include_submitted:
        sessions = sessions.filter(monitoring_form__isnull=True)
    return [monitoring_form_task(session) for session in sessions]


def monitoring_form_task(session: Appointment) -> MonitoringFormTask:
    """The form task of one completed session (a missing reverse one-to-one reads as None)."""
    day = visit_day(session)
    return MonitoringFormTask(appointment=session, session_day=day,
                              due_on=day + dt.timedelta(days=settings.CARE_REMS_FORM_DUE_DAYS),
                              form=getattr(session, "monitoring_form", None))


def visit_day(appointment: Appointment, instant: dt.datetime | None = None) -> dt.date:
    """The visit's date (or `instant`'s) on the clock of its site, or the patient's for video."""
    name = appointment.location.time_zone if appointment.location_id else appointment.patient.time_zone
    return timeutils.local_date(instant or appointment.start, timeutils.zone(name))


# --- Escorts --------------------------------------------------------------------------------

def visits_missing_escort(*, day: dt.date | None, locations: QuerySet[Location], now: dt.datetime) -> list[Appointment]:
    """In-person dosing visits on `day` (default: tomorrow; each site's own calendar) with no
    adult escort on record: the desk's call list for the day before."""
    visits: list[Appointment] = []
    for location in locations.filter(is_virtual=False):
        tz = timeutils.zone(location.time_zone)
        lo, hi = timeutils.day_bounds(day or timeutils.local_date(now, tz) + timeutils.DAY, tz)
        visits += list(Appointment.objects.filter(
            location=location, service__is_dosing=True, status__in=UPCOMING, start__gte=lo, start__lt=hi)
            .filter(Q(escort__isnull=True) | Q(escort__confirmed_adult=False))
            .select_related("patient", "service", "location").order_by("start", "pk"))
    return sorted(visits, key=lambda a: (a.start, a.pk))


# --- Overrides ------------------------------------------------------------------------------

def gate_overrides(*, user=None, patient: Patient | None = None, gate: str | None = None) -> QuerySet[GateOverride]:
    """Newest first. The front desk sees the overrides at its own sites (and of video visits when it
    covers them), like their appointments; clinicians and admins see every one."""
    qs = GateOverride.objects.select_related("patient", "service", "location", "actor").order_by("-at", "-id")
    if user is not None and user.role == Role.FRONT_DESK:
        qs = qs.filter(desk_scope(user))
    if patient is not None:
        qs = qs.filter(patient=patient)
    if gate:
        qs = qs.filter(gate=gate)
    return qs


def overridden_visit(override: GateOverride) -> Appointment | None:
    """The visit a booking-time override let through: the patient's visit of that service at that
    start (an override whose booking then failed has none)."""
    if override.appointment_id:
        return override.appointment
    return (Appointment.objects.filter(patient_id=override.patient_id, service_id=override.service_id,
                                       start=override.start)
            .exclude(status__in=(AppointmentStatus.EXPIRED,)).order_by("-pk").first())


# --- The desk's day: what will block a visit, and the calls made about it -------------------

@dataclass(frozen=True)
class Readiness:
    """What care knows about one upcoming visit: whether it needs an escort and has one (None: no
    escort needed), and each gate that will refuse it as things stand, in words."""

    escort: bool | None
    gate_problems: tuple[str, ...] = ()


def readiness_for(*, visits: list[Appointment], today: dt.date) -> dict[int, Readiness]:
    """Readiness of many visits in a few queries (one per kind of record, never one per visit):
    the escort, a clearance missing or expiring before the visit, a Spravato visit without REMS
    enrolment by its day, or a Monitoring Form overdue from an earlier session."""
    dosing = [v for v in visits if v.service.is_dosing]
    in_person = [v.pk for v in dosing if v.location_id is not None]
    escorted = set(Escort.objects.filter(appointment_id__in=in_person, confirmed_adult=True)
                   .values_list("appointment_id", flat=True))
    patients = {v.patient_id for v in dosing}
    clearances: dict[tuple[int, str], dt.date | None] = {}
    for patient_id, treatment, expires_on in (Clearance.objects.filter(patient_id__in=patients, revoked_at__isnull=True)
                                              .order_by("-cleared_at", "-id")
                                              .values_list("patient_id", "treatment", "expires_on")):
        clearances.setdefault((patient_id, treatment), expires_on)
    spravato = {v.patient_id for v in dosing if v.service.category == Treatment.ESKETAMINE}
    enrolled = dict(RemsEnrolment.objects.filter(patient_id__in=spravato).values_list("patient_id", "enrolled_on"))
    overdue: dict[int, dt.date] = {}
    sessions = (Appointment.objects.filter(patient_id__in=spravato, service__category=Service.Category.ESKETAMINE,
                                           status=AppointmentStatus.COMPLETED, monitoring_form__isnull=True)
                .select_related("location", "patient"))
    for session in sessions:
        task = monitoring_form_task(session)
        if task.overdue(today):
            overdue.setdefault(session.patient_id, task.due_on)
    answer: dict[int, Readiness] = {}
    for visit in visits:
        problems: list[str] = []
        category = visit.service.category
        if visit.service.is_dosing and category in Treatment.values:
            treatment = Treatment(category).label
            key = (visit.patient_id, category)
            day = visit_day(visit)
            if key not in clearances:
                problems.append(f"No clearance for {treatment}")
            elif clearances[key] is not None and clearances[key] < day:
                problems.append(f"Clearance for {treatment} expires {clearances[key]:%b %-d}, before this visit")
        if category == Treatment.ESKETAMINE:
            enrolled_on = enrolled.get(visit.patient_id)
            if enrolled_on is None or enrolled_on > visit_day(visit):
                problems.append("Not enrolled in the Spravato REMS by this visit")
            if visit.patient_id in overdue:
                problems.append(f"REMS Monitoring Form overdue (due {overdue[visit.patient_id]:%b %-d})")
        needs_escort = visit.service.is_dosing and visit.location_id is not None
        answer[visit.pk] = Readiness(escort=(visit.pk in escorted) if needs_escort else None,
                                     gate_problems=tuple(problems))
    return answer


def calls_for(*, visit_ids) -> dict[int, list[VisitCall]]:
    """The desk's calls about each visit, oldest first."""
    found: dict[int, list[VisitCall]] = {}
    for call in VisitCall.objects.filter(appointment_id__in=visit_ids).select_related("called_by"):
        found.setdefault(call.appointment_id, []).append(call)
    return found
