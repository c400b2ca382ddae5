"""Reading check-ins and alerts: a check-in's state, what a patient still has to answer, the
integration-therapy offer, a patient's check-ins over time with the dosing dates, and the alert
lists staff work from.

Who sees what: clinicians and clinic admins read answers and scores and the reasons of an alert;
the front desk sees only that a check-in is pending, answered or missed, and that an alert is open
(to call the clinician, never to read the answers). Front desk lists are scoped to the desk's
locations like appointments, and a patient's check-ins to the patients the user may see
(`scheduling.selectors.appointments.visible_patients`); clinicians see every patient's (they cover
each other on call).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db.models import Q, QuerySet
from django.utils import timezone
from phonenumber_field.phonenumber import PhoneNumber

from accounts.models import Role
from checkins.models import AlertStatus, CheckIn, CheckInPlan, CheckInStatus, RiskAlert
from notifications.models import MessagingPolicy
from scheduling.models import Allocation, Appointment, AppointmentStatus as S, Service, StaffMember, StaffRole
from scheduling.selectors.appointments import desk_scope, get_patient, sees_nothing

audit = logging.getLogger("clearday.audit")

# The booking page the "book integration therapy?" answer opens (web/, owned by the pages).
BOOKING_PATH = "/book/"
UPCOMING = (S.HELD, S.BOOKED, S.CHECKED_IN)


def state(checkin: CheckIn, *, now: dt.datetime | None = None) -> str:
    """scheduled (not asked yet), pending, in_progress, answered or missed."""
    now = now or timezone.now()
    if checkin.status == CheckInStatus.ANSWERED:
        return "answered"
    if checkin.expires_at <= now:
        return "missed"
    if checkin.due_at > now:
        return "scheduled"
    return "pending" if checkin.status == CheckInStatus.PENDING else "in_progress"


def answerable_for_patient(*, patient_id: int, now: dt.datetime | None = None) -> QuerySet[CheckIn]:
    """Check-ins the patient may answer now (asked, unanswered, not expired), for a page of the
    patient's own that links to each one with `links.answer_path(checkin)`."""
    now = now or timezone.now()
    return (CheckIn.objects.filter(patient_id=patient_id, due_at__lte=now, expires_at__gt=now)
            .exclude(status=CheckInStatus.ANSWERED).select_related("appointment").order_by("due_at", "pk"))


def clinic_phone(location=None) -> dict:
    """The site's number when it has one, else the clinic's: {"text": national, "uri": tel:...}."""
    raw = location.phone if location is not None and location.phone else MessagingPolicy.current().phone
    if not raw:
        return {"text": "", "uri": ""}
    phone = PhoneNumber.from_string(str(raw))
    return {"text": phone.as_national, "uri": phone.as_rfc3966}


# --- Integration therapy ---------------------------------------------------------------------

@dataclass(frozen=True)
class IntegrationOffer:
    service: Service
    staff: StaffMember | None
    booked: Appointment | None  # an integration visit the patient already has coming

    @property
    def booking_url(self) -> str:
        params = {"service": self.service.code}
        if self.staff is not None:
            params["staff"] = self.staff.pk
        return f"{BOOKING_PATH}?{urlencode(params)}"


def _integration_service(checkin: CheckIn) -> Service | None:
    plan = CheckInPlan.objects.filter(service_id=checkin.appointment.service_id).select_related(
        "integration_service").first()
    if plan is not None and plan.integration_service is not None and plan.integration_service.active:
        return plan.integration_service
    candidates = Service.objects.filter(category=Service.Category.INTEGRATION, active=True, bookable_online=True)
    if checkin.location_id:
        here = candidates.filter(Q(locations=checkin.location_id) | Q(modality__in=("video", "either")))
        return here.order_by("pk").first() or candidates.order_by("pk").first()
    by_video = candidates.filter(modality__in=("video", "either")).order_by("pk").first()
    return by_video or candidates.order_by("pk").first()


def _therapist(checkin: CheckIn, *, now: dt.datetime) -> StaffMember | None:
    """The therapist of the patient's latest integration or preparation visit, else the one who
    was with them at the dosing visit (KAP), if any."""
    therapy = (Allocation.objects.filter(
        appointment__patient_id=checkin.patient_id, appointment__start__lte=now,
        appointment__service__category__in=(Service.Category.INTEGRATION, Service.Category.PREPARATION),
        appointment__status__in=(S.COMPLETED, S.CHECKED_IN, S.BOOKED), staff__isnull=False, staff__active=True)
        .select_related("staff").order_by("-appointment__start", "-pk"))
    dosing = (Allocation.objects.filter(appointment_id=checkin.appointment_id, staff__isnull=False,
                                        staff__active=True).select_related("staff").order_by("pk"))
    for allocation in list(therapy[:5]) + list(dosing):
        if allocation.staff.has_role(StaffRole.THERAPIST):
            return allocation.staff
    return None


def integration_offer(checkin: CheckIn, *, now: dt.datetime | None = None) -> IntegrationOffer | None:
    now = now or timezone.now()
    service = _integration_service(checkin)
    if service is None:
        return None
    booked = (Appointment.objects.filter(patient_id=checkin.patient_id, service__category=Service.Category.INTEGRATION,
                                         status__in=UPCOMING, start__gte=now).order_by("start").first())
    return IntegrationOffer(service=service, staff=_therapist(checkin, now=now), booked=booked)


# --- The clinician's view ----------------------------------------------------------------------

def may_read_answers(user) -> bool:
    return user.has_role(Role.CLINICIAN, Role.ADMIN)


def patient_checkins(*, patient_id: int, user) -> list[CheckIn]:
    """A patient's check-ins, oldest first, with answers and alerts joined in; NotFound when the
    user may not see the patient. Reading answers is a PHI read by staff and goes to the audit log."""
    patient_id = get_patient(user=user, patient_id=patient_id).pk
    rows = list(CheckIn.objects.filter(patient_id=patient_id)
                .select_related("appointment__service", "answers", "risk_alert").order_by("due_at", "pk"))
    if may_read_answers(user):
        audit.info("user %s read the check-in answers of patient %s", user.pk, patient_id)
    return rows


def dosing_visits(*, patient_id: int, user) -> list[Appointment]:
    """The patient's completed dosing visits, oldest first (the plot's marks); NotFound when the
    user may not see the patient."""
    patient_id = get_patient(user=user, patient_id=patient_id).pk
    return list(Appointment.objects.filter(patient_id=patient_id, service__is_dosing=True, status=S.COMPLETED)
                .select_related("service").order_by("start"))


# --- Alerts ------------------------------------------------------------------------------------

def visible_alerts(*, user) -> QuerySet[RiskAlert]:
    qs = RiskAlert.objects.select_related("patient", "location", "on_call", "acknowledged_by", "checkin")
    if sees_nothing(user):
        return qs.none()
    if user.role in (Role.CLINICIAN, Role.ADMIN):
        return qs
    if user.role == Role.FRONT_DESK:
        return qs.filter(desk_scope(user))
    return qs.none()


def alerts(*, user, status: str | None = AlertStatus.OPEN) -> QuerySet[RiskAlert]:
    """Open alerts oldest first (the one waiting longest on top); others newest first."""
    qs = visible_alerts(user=user).prefetch_related("messages")
    if status == AlertStatus.OPEN:
        return qs.filter(status=AlertStatus.OPEN).order_by("created_at", "pk")
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at", "-pk")


def delivery_summary(alert: RiskAlert) -> str:
    """One word for the dashboards: delivered, sent, sending, retrying, failed or not_paged."""
    statuses = [message.status for message in alert.messages.all()]
    if not statuses:
        return "not_paged"
    for word in ("delivered", "sent"):
        if word in statuses:
            return word
    if "sending" in statuses:
        return "sending"
    if "planned" in statuses:
        return "retrying" if any(m.attempts for m in alert.messages.all()) else "sending"
    return "failed"
