"""What the care team's pages read: a clinician's own day (the visits they hold time in, on their
own clock) and one patient's page (upcoming visits, clearance and REMS status, open alerts), each
within what the reader may see."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, OuterRef
from django.utils import timezone

from accounts.models import Role
from care import selectors as care
from care.models import Treatment
from checkins import selectors as checkin_selectors
from checkins.models import AlertStatus, RiskAlert
from core.errors import NotFound
from scheduling import timeutils
from scheduling.models import Allocation, Appointment, AppointmentStatus as S, Patient, Service, StaffMember
from scheduling.selectors.appointments import patients_at_own_sites, staff_member_for, visible_appointments
from scheduling.selectors.patients import search_patients
from web import formatting
from web.selectors.patients import visit_zone

# Visits a day or a patient page lists: the ones that happen (or happened) at their time.
SHOWN = (S.BOOKED, S.CHECKED_IN, S.COMPLETED, S.NO_SHOW)


@dataclass(frozen=True)
class AgendaRow:
    appointment: Appointment
    time: str  # "9:15 AM-10:40 AM"
    place: str  # the site, or "Video"
    zone_note: str  # "" on the reader's clock, else "Arizona time (MST)"


def clinician_for(user) -> StaffMember | None:
    """The signed-in clinician's staff record (active), or None (for the desk and admins too)."""
    if user.role != Role.CLINICIAN:
        return None
    member = staff_member_for(user)
    return member if member is not None and member.active else None


def _agenda_row(appointment: Appointment, zone_name: str) -> AgendaRow:
    own = visit_zone(appointment)
    clock = zone_name if own == zone_name else own
    time = f"{formatting.time_label(appointment.start, clock)}–{formatting.time_label(appointment.end, clock)}"
    return AgendaRow(
        appointment=appointment,
        time=time,
        place=appointment.location.name if appointment.location_id and not appointment.location.is_virtual else "Video",
        zone_note="" if clock == zone_name else formatting.zone_label(own, at=appointment.start),
    )


def clinician_day(*, user, member: StaffMember, day: dt.date) -> list[AgendaRow]:
    """The visits `member` holds time in on `day` (their own clock), soonest first, that `user`
    may see; a clinician reads their own, the desk and admins any they may see."""
    zone_name = member.time_zone
    lo, hi = timeutils.day_bounds(day, timeutils.zone(zone_name))
    held = Allocation.objects.filter(appointment=OuterRef("pk"), staff=member)
    visits = (
        visible_appointments(user=user)
        .filter(Exists(held), start__lt=hi, end__gt=lo, status__in=SHOWN)
        .select_related("patient", "service", "location")
        .order_by("start", "pk")
    )
    return [_agenda_row(a, zone_name) for a in visits]


def patient_for_staff(*, user, patient_id: int) -> Patient:
    """The patient if this staff user may open their page (patients_at_own_sites); NotFound
    otherwise, which does not say whether the patient exists."""
    patient = patients_at_own_sites(user=user).filter(pk=patient_id).first()
    if patient is None:
        raise NotFound(f"There is no patient {patient_id} that you can see.", code="patient_not_found")
    return patient


def search(*, query: str, user, limit: int = 20) -> list[Patient]:
    """The staff search (scheduling.selectors.patients), narrowed to the patients whose page the
    user may open, so no result leads to a 404."""
    return list(search_patients(query=query, user=user).filter(pk__in=patients_at_own_sites(user=user))[:limit])


@dataclass(frozen=True)
class ClearanceRow:
    treatment: str
    state: str  # "cleared", "expired", "not cleared"
    detail: str


def clearances(*, patient: Patient, today: dt.date) -> list[ClearanceRow]:
    rows = []
    for value, label in Treatment.choices:
        clearance = care.current_clearance(patient=patient, treatment=value)
        if clearance is None:
            rows.append(ClearanceRow(label, "not cleared", "No clearance on record."))
        elif clearance.expires_on and clearance.expires_on < today:
            rows.append(
                ClearanceRow(label, "expired", f"Expired {formatting.day_label(clearance.expires_on, with_year=True)}.")
            )
        elif clearance.expires_on:
            rows.append(
                ClearanceRow(label, "cleared", f"Until {formatting.day_label(clearance.expires_on, with_year=True)}.")
            )
        else:
            rows.append(ClearanceRow(label, "cleared", "No expiry."))
    return rows


def rems_status(*, patient: Patient, today: dt.date) -> dict:
    """The Spravato REMS enrolment and the monitoring forms of this patient still to send."""
    enrolment = care.rems_enrolment(patient=patient)
    sessions = (
        Appointment.objects.filter(
            patient=patient,
            service__category=Service.Category.ESKETAMINE,
            status=S.COMPLETED,
            monitoring_form__isnull=True,
        )
        .select_related("patient", "service", "location")
        .order_by("start", "pk")
    )
    tasks = [care.monitoring_form_task(session) for session in sessions]
    return {
        "enrolment": enrolment,
        "enrolled": formatting.day_label(enrolment.enrolled_on, with_year=True) if enrolment else "",
        "forms_due": [
            {"task": t, "overdue": t.overdue(today), "due": formatting.day_label(t.due_on, with_year=True)}
            for t in tasks
        ],
    }


def upcoming_visits(*, user, patient: Patient, now: dt.datetime | None = None, limit: int = 20) -> list[dict]:
    """The patient's visits from today on that `user` may see, soonest first, each with the day its
    calendar shows it on."""
    now = now or timezone.now()
    visits = (
        visible_appointments(user=user)
        .filter(patient=patient, end__gte=now, status__in=(S.BOOKED, S.CHECKED_IN))
        .select_related("service", "location", "patient")
        .order_by("start", "pk")[:limit]
    )
    rows = []
    for visit in visits:
        zone_name = visit_zone(visit)
        rows.append(
            {
                "appointment": visit,
                "when": formatting.when_label(visit.start, zone_name),
                "day": timeutils.local_date(visit.start, timeutils.zone(zone_name)),
                "place": visit.location.name if visit.location_id and not visit.location.is_virtual else "Video",
            }
        )
    return rows


def open_alerts(*, user, patient: Patient) -> list[RiskAlert]:
    return list(
        checkin_selectors.visible_alerts(user=user)
        .filter(patient=patient, status=AlertStatus.OPEN)
        .order_by("created_at", "pk")
    )
