"""Reading appointments: who may see which, and the filtered, paginated lists the desk works from.

Visibility is one queryset per role, so "not yours" and "does not exist" look the same (404):
- a patient sees the appointments of their own patient record;
- the front desk sees appointments at the locations they work at (StaffMember.locations), and
  video visits when one of those locations is a telehealth (virtual) location;
- a clinician sees the appointments they are allocated to (their own schedule);
- a clinic admin sees everything.
"""

from __future__ import annotations

import functools
from datetime import date, datetime

from django.db import connection
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet, Subquery

from accounts.models import Role, User
from core.errors import NotFound
from config import hot_sql
from scheduling import catalog
from scheduling.models import Allocation, Appointment, Location, Patient, StaffMember
from scheduling.timeutils import UTC, day_bounds, zone


def staff_member_for(user) -> StaffMember | None:
    try:
        return user.staff_member
    except StaffMember.DoesNotExist:
        return None


def desk_location_ids(user) -> tuple[set[int], bool]:
    """The locations a desk user works at, and whether they cover video visits."""
    rows = list(Location.objects.filter(staff__user=user).values_list("pk", "is_virtual"))  # none without a staff record
    return {pk for pk, _ in rows}, any(virtual for _, virtual in rows)


def desk_scope(user) -> Q:
    """What a desk user's part of the clinic is, for any model with a `location` (blank for
    video): rows at its locations, and video rows when it covers telehealth."""
    location_ids, covers_video = desk_location_ids(user)
    where = Q(location_id__in=location_ids)
    if covers_video:
        where |= Q(location__isnull=True)
    return where


def visible_appointments(*, user) -> QuerySet[Appointment]:
    qs = Appointment.objects.all()
    if user is None or not user.is_authenticated or not user.is_active:
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


def desk_may_book_at(*, user, location: Location | None) -> bool:
    if user.role == Role.ADMIN:
        return True
    location_ids, covers_video = desk_location_ids(user)
    return covers_video if location is None else location.pk in location_ids


def allocations_for_display() -> QuerySet[Allocation]:
    return Allocation.objects.select_related("phase", "staff", "resource").order_by("start", "pk")


def keep_allocations_shown(appointment: Appointment, rows: list[Allocation]) -> None:
    """Make `rows` what `appointment.allocations.all()` returns, as prefetch_related would: an
    evaluated queryset (any further filter queries afresh). For rows this transaction just wrote
    or deleted, so that showing the appointment reads nothing back."""
    shown = appointment.allocations.all()
    shown._result_cache, shown._prefetch_done = rows, True
    appointment._prefetched_objects_cache = {**getattr(appointment, "_prefetched_objects_cache", {}),
                                             "allocations": shown}


def with_details(qs: QuerySet[Appointment]) -> QuerySet[Appointment]:
    """Everything the appointment serializer reads, in three queries however long the page."""
    return qs.select_related("patient", "service", "location", "rescheduled_from").prefetch_related(
        Prefetch("allocations", queryset=allocations_for_display()))


def get_appointment(*, user, appointment_id: int, details: bool = True) -> Appointment:
    """The appointment if this user may see it, else a 404 that does not say whether it exists.

    Without details: what an action needs. The patient is attached, the service and location
    come from the set-up, and `rescheduled_from_pk` names the visit this one replaced (or None)."""
    if details:
        appointment = with_details(visible_appointments(user=user)).filter(pk=appointment_id).first()
    elif (patient := own_patient_record(user)) is not None:
        appointment = _patients_own(patient=patient, appointment_id=appointment_id)
    else:
        predecessor = Appointment.objects.filter(rescheduled_to=OuterRef("pk")).values("pk")
        appointment = (visible_appointments(user=user).select_related("patient")
                       .annotate(rescheduled_from_pk=Subquery(predecessor)).filter(pk=appointment_id).first())
    if appointment is None:
        raise NotFound(f"There is no appointment {appointment_id} that you can see.", code="appointment_not_found")
    return appointment if details else catalog.attach(appointment)


def own_patient_record(user) -> Patient | None:
    """A patient user's own record when signing in already read it (accounts.authentication),
    else None: then the visibility queryset decides."""
    if user is None or not user.is_authenticated or not user.is_active or user.role != Role.PATIENT:
        return None
    return user.patient if User.patient.is_cached(user) else None


def _patients_own(*, patient: Patient, appointment_id: int) -> Appointment | None:
    """What visible_appointments() gives a patient (their record's appointments), for one id,
    with the visit it replaced: one statement made once (config.hot_sql), as every action a
    patient takes reads it."""
    with connection.cursor() as cursor:
        cursor.execute(_patients_own_sql(), [appointment_id, patient.pk])
        row = cursor.fetchone()
    if row is None:
        return None
    appointment = hot_sql.reader(Appointment)(row[:-1])
    appointment.rescheduled_from_pk = row[-1]
    Appointment.patient.field.set_cached_value(appointment, patient)
    return appointment


@functools.cache
def _patients_own_sql() -> str:
    c = functools.partial(hot_sql.column, Appointment)
    return (f"SELECT {hot_sql.columns(Appointment, 'a')}, "  # nosec B608 - column names and placeholders only
            f"(SELECT p.{c('id')} FROM {hot_sql.table(Appointment)} p WHERE p.{c('rescheduled_to')} = a.{c('id')}) "
            f"FROM {hot_sql.table(Appointment)} a WHERE a.{c('id')} = %s AND a.{c('patient')} = %s")


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
