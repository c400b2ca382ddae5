"""Reading the clinic's catalog: services, locations and clinicians that can be booked."""

from __future__ import annotations

from django.db.models import Prefetch, QuerySet

from scheduling.models import Location, Modality, Phase, Resource, Service, StaffMember, StaffRole, StaffUsage

CLINICAL_ROLES = frozenset({StaffRole.PRESCRIBER, StaffRole.NURSE, StaffRole.THERAPIST})


def active_services(*, location: Location | None = None, modality: str | None = None) -> QuerySet[Service]:
    """Active services with their phases and in-person locations; `modality` "video" keeps the
    ones that can be seen by video, "in_person" the ones offered in person."""
    qs = Service.objects.filter(active=True).prefetch_related(
        Prefetch("phases", queryset=Phase.objects.order_by("order")),
        Prefetch("locations", queryset=Location.objects.filter(active=True).order_by("id")))
    if modality == Modality.VIDEO:
        qs = qs.filter(modality__in=[Modality.VIDEO, Modality.EITHER])
    elif modality == Modality.IN_PERSON:
        qs = qs.filter(modality__in=[Modality.IN_PERSON, Modality.EITHER])
    if location is not None:
        qs = qs.filter(locations=location)
    return qs.order_by("name")


def service_by_code(code: str) -> Service | None:
    return active_services().filter(code=code).first()


def active_service(pk: int) -> Service | None:
    """An active service by id, with its phases and locations."""
    return active_services().filter(pk=pk).first()


def active_locations() -> QuerySet[Location]:
    return Location.objects.filter(active=True).prefetch_related(
        Prefetch("resources", queryset=Resource.objects.filter(active=True).order_by("kind", "name")))


def service_roles(service: Service) -> set[str]:
    """The roles a service takes (not those that only need to be present)."""
    return {p.staff_role for p in service.phases.all()
            if p.staff_role and p.staff_usage in (StaffUsage.EXCLUSIVE, StaffUsage.SHARED)}


def clinical_staff(*, role: str | None = None, location: Location | None = None, language: str | None = None,
                   service: Service | None = None) -> list[StaffMember]:
    """Active clinicians (front desk excluded), filtered. Roles and languages are JSON lists, so
    they are matched here rather than in SQL, which keeps SQLite and PostgreSQL alike."""
    qs = StaffMember.objects.filter(active=True).prefetch_related(
        Prefetch("locations", queryset=Location.objects.filter(active=True).order_by("id"))).order_by("display_name")
    if location is not None:
        qs = qs.filter(locations=location)
    wanted = service_roles(service) if service is not None else set(CLINICAL_ROLES)
    if role:
        wanted &= {role}
    return [m for m in qs if wanted & set(m.roles) and (not language or language in m.languages)]
