"""Reading appointments: who may see which, and the filtered, paginated lists the desk works from.

Visibility is one queryset per role, so "not yours" and "does not exist" look the same (404):
- a patient sees the appointments of their own patient record;
- the front desk sees appointments at the locations they work at (StaffMember.locations), and
  video visits when one of those locations is a telehealth (virtual) location;
- a clinician sees the appointments they are allocated to (their own schedule);
- a clinic admin sees everything.

Patients follow the same lines (`visible_patients`): a patient sees their own record; the front
desk the patients who have a visit (any status, holds and cancellations included) at one of its
sites, or a video visit when it covers telehealth, plus every patient with no visit at all yet, so
it can find and book a new caller; clinicians and clinic admins every patient (the care team covers
each other on call). A patient known only at another site is booked by that site's desk, a desk
covering both or a clinic admin. Whatever the role, a deactivated user or staff record sees nothing.
"""

from __future__ import annotations

from datetime import date, datetime

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery

from accounts.models import Role, STAFF_ROLES
from core.errors import NotFound
from scheduling import catalog
from scheduling.models import Allocation, Appointment, Location, Patient, StaffMember
from scheduling.timeutils import day_bounds, UTC, zone


def staff_member_for(user) -> StaffMember | None:
    try:
        return user.staff_member
    except StaffMember.DoesNotExist:
        return None


def sees_nothing(user) -> bool:
    """Not signed in, deactivated, or staff whose staff record is deactivated: such a user reads
    no patient, visit or anything hanging off them, whatever their role says."""
    if user is None or not user.is_authenticated or not user.is_active:
        return True
    if user.role in STAFF_ROLES:
        member = staff_member_for(user)
        return member is not None and not member.active
    return False


def desk_location_ids(user) -> tuple[set[int], bool]:
    """The locations a desk user works at, and whether they cover video visits (none when the
    staff record is missing or deactivated)."""
    rows = list(Location.objects.filter(staff__user=user, staff__active=True).values_list("pk", "is_virtual"))
    return {pk for pk, _ in rows}, any(virtual for _, virtual in rows)


def at_sites(location_ids: set[int], covers_video: bool) -> Q:
    """Rows of any model with a `location` (blank for video) at these sites, and video rows when
    `covers_video`."""
    where = Q(location_id__in=location_ids)
    if covers_video:
        where |= Q(location__isnull=True)
    return where


def patients_at(location_ids: set[int], covers_video: bool) -> Q:
    """Patients with a visit (any status) at one of these sites, or a video visit when
    `covers_video`, or with no visit at all yet (a new caller someone must be able to book)."""
    visits = Appointment.objects.filter(patient=OuterRef("pk"))
    return Exists(visits.filter(at_sites(location_ids, covers_video))) | ~Exists(visits)


def desk_scope(user) -> Q:
    """What a desk user's part of the clinic is: rows at its locations, and video rows when it
    covers telehealth."""
    return at_sites(*desk_location_ids(user))


def visible_appointments(*, user) -> QuerySet[Appointment]:
    qs = Appointment.objects.all()
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
        return qs.filter(Exists(Allocation.objects.filter(appointment=OuterRef("pk"), staff=member)))
    return qs.none()


def visible_patients(*, user) -> QuerySet[Patient]:
    """The patient records this user may read or act on (the rule is in the module docstring)."""
    qs = Patient.objects.all()
    if sees_nothing(user):
        return qs.none()
    if user.role in (Role.ADMIN, Role.CLINICIAN):
        return qs
    if user.role == Role.PATIENT:
        return qs.filter(user=user)
    if user.role == Role.FRONT_DESK:
        location_ids, covers_video = desk_location_ids(user)
        if not location_ids:
            return qs.none()
        return qs.filter(patients_at(location_ids, covers_video))
    return qs.none()


def patients_at_own_sites(*, user) -> QuerySet[Patient]:
    """The patients whose staff pages (the patient page) this user may open: the desk's and a
    clinician's within the sites they work at (a visit there, a video visit when they cover
    video, or no visit yet), an admin's all. Narrower than visible_patients for clinicians, who
    may read any patient through the API."""
    if not sees_nothing(user) and user.role == Role.CLINICIAN:
        return Patient.objects.filter(patients_at(*desk_location_ids(user)))
    return visible_patients(user=user)


def get_patient(*, user, patient_id: int) -> Patient:
    """The patient if this user may see them, else a 404 that does not say whether they exist."""
    patient = visible_patients(user=user).filter(pk=patient_id).first()
    if patient is None:
        raise NotFound(f"There is no patient {patient_id} that you can see.", code="patient_not_found")
    return patient


def desk_may_book_at(*, user, location: Location | None) -> bool:
    if user.role == Role.ADMIN:
        return True
    location_ids, covers_video = desk_location_ids(user)
    return covers_video if location is None else location.pk in location_ids


def allocations_for_display() -> QuerySet[Allocation]:
    return Allocation.objects.select_related("phase", "staff", "resource").order_by("start", "pk")


def with_details(qs: QuerySet[Appointment]) -> QuerySet[Appointment]:
    """Everything the appointment serializer reads, in three queries however long the page."""
    return qs.select_related("patient", "service", "location", "rescheduled_from").prefetch_related(
        Prefetch("allocations", queryset=allocations_for_display()))


def get_appointment(*, user, appointment_id: int, details: bool = True) -> Appointment:
    """The appointment if this user may see it, else a 404 that does not say whether it exists.

    Without details: what an action needs. The patient is read with it, the service and location
    come from the set-up, and `rescheduled_from_pk` names the visit this one replaced (or None)."""
    qs = visible_appointments(user=user)
    if details:
        qs = with_details(qs)
    else:
        predecessor = Appointment.objects.filter(rescheduled_to=OuterRef("pk")).values("pk")[:1]
        qs = qs.select_related("patient").annotate(rescheduled_from_pk=Subquery(predecessor))
    appointment = qs.filter(pk=appointment_id).first()
    if appointment is None:
        raise NotFound(f"There is no appointment {appointment_id} that you can see.", code="appointment_not_found")
    return appointment if details else catalog.attach(appointment)


def filter_appointments(qs: QuerySet[Appointment], *, start_from: datetime | None = None,
                        start_to: datetime | None = None, day: date | None = None,
                        location: Location | None = None, modality: str | None = None,
                        staff_ids: list[int] | None = None, resource_ids: list[int] | None = None,
                        patient_ids: list[int] | None = None, statuses: list[str] | None = None,
                        ) -> QuerySet[Appointment]:
    """The front-desk filters. `day` is a calendar day on the location's wall clock (UTC when no
    location is given), so a day view shows exactly that clinic day, DST days included."""
    if day is not None:
        lo, hi = day_bounds(day, zone(location.time_zone) if location else UTC)
        qs = qs.filter(start__gte=lo, start__lt=hi)
    if start_from is not None:
        qs = qs.filter(start__gte=start_from)
    if start_to is not None:
        qs = qs.filter(start__lt=start_to)
    if location is not None:
        qs = qs.filter(location=location)
    if modality:
        qs = qs.filter(modality=modality)
    if staff_ids:
        qs = qs.filter(Exists(Allocation.objects.filter(appointment=OuterRef("pk"), staff_id__in=staff_ids)))
    if resource_ids:
        qs = qs.filter(Exists(Allocation.objects.filter(appointment=OuterRef("pk"), resource_id__in=resource_ids)))
    if patient_ids:
        qs = qs.filter(patient_id__in=patient_ids)
    if statuses:
        qs = qs.filter(status__in=statuses)
    return qs.order_by("start", "pk")
