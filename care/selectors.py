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

from .models import Clearance, ContraindicationScreening, Escort, GateOverride, MonitoringForm, RemsEnrolment

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
