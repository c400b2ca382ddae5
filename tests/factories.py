"""factory-boy factories for the domain, shared by every area's tests.

Defaults build a small, valid clinic in Phoenix: call `iv_infusion_service()` or
`video_therapy_service()` for a service with realistic phases, and `weekly_hours()` to open an
owner Monday to Sunday. Add factories for your own models here in small edits.
"""

from __future__ import annotations

import datetime as dt

import factory
from django.contrib.auth import get_user_model

from accounts.models import Role
from scheduling.models import (
    Allocation,
    Appointment,
    AppointmentStatus,
    Closure,
    HoursOverride,
    Location,
    Patient,
    Phase,
    Resource,
    ResourceKind,
    Service,
    StaffMember,
    StaffRole,
    StaffUsage,
    WorkingHours,
)

DEMO_PASSWORD = "clearday-demo"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    role = Role.PATIENT
    password = factory.django.Password(DEMO_PASSWORD)


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location

    name = factory.Sequence(lambda n: f"Clinic {n}")
    address = "1 Main St"
    time_zone = "America/Phoenix"
    state = "AZ"
    rems_certified = True


class ResourceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Resource

    location = factory.SubFactory(LocationFactory)
    name = factory.Sequence(lambda n: f"Chair #{n}")
    kind = ResourceKind.INFUSION_CHAIR


class StaffMemberFactory(factory.django.DjangoModelFactory):
    """A clinician. Pass `locations=[...]` to link them to sites."""

    class Meta:
        model = StaffMember
        skip_postgeneration_save = True

    user = factory.SubFactory(UserFactory, role=Role.CLINICIAN)
    display_name = factory.Sequence(lambda n: f"Clinician {n}")
    roles = factory.LazyFunction(lambda: [StaffRole.NURSE])
    languages = factory.LazyFunction(lambda: ["en"])
    licensed_states = factory.LazyFunction(lambda: ["AZ"])
    time_zone = "America/Phoenix"
    watch_capacity = 4

    @factory.post_generation
    def locations(self, create, extracted, **kwargs):
        if create and extracted:
            self.locations.set(extracted)


class ServiceFactory(factory.django.DjangoModelFactory):
    """A service without phases; add them with PhaseFactory. Pass `locations=[...]`."""

    class Meta:
        model = Service
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"service-{n}")
    name = factory.Sequence(lambda n: f"Service {n}")
    category = Service.Category.IV_KETAMINE
    modality = "in_person"
    min_notice_minutes = 0
    horizon_days = 365
    slot_step_minutes = 15

    @factory.post_generation
    def locations(self, create, extracted, **kwargs):
        if create and extracted:
            self.locations.set(extracted)


class PhaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Phase

    service = factory.SubFactory(ServiceFactory)
    order = factory.Sequence(lambda n: n + 1)
    name = factory.Sequence(lambda n: f"Phase {n}")
    duration_minutes = 30
    staff_role = ""
    staff_usage = StaffUsage.EXCLUSIVE
    resource_kind = ""
    present_role = ""


class WorkingHoursFactory(factory.django.DjangoModelFactory):
    """A weekly rule. Give exactly one owner: staff=, resource= or location=."""

    class Meta:
        model = WorkingHours

    weekday = 0
    start_time = dt.time(9)
    end_time = dt.time(17)


class HoursOverrideFactory(factory.django.DjangoModelFactory):
    """Time off by default (a whole day); kind="available" with times for extra hours."""

    class Meta:
        model = HoursOverride

    date = dt.date(2025, 3, 10)
    kind = HoursOverride.Kind.UNAVAILABLE
    start_time = None
    end_time = None
    reason = "Time off"


class ClosureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Closure

    location = factory.SubFactory(LocationFactory)
    start_date = dt.date(2025, 12, 25)
    end_date = factory.SelfAttribute("start_date")
    reason = "Holiday"


class PatientFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patient

    legal_first_name = factory.Faker("first_name")
    legal_last_name = factory.Faker("last_name")
    date_of_birth = dt.date(1985, 6, 1)
    phone = factory.Sequence(lambda n: f"+1602555{n % 10000:04d}")
    email = factory.Sequence(lambda n: f"patient{n}@example.com")
    time_zone = "America/Phoenix"
    language = "en"
    state = "AZ"


class AppointmentFactory(factory.django.DjangoModelFactory):
    """An appointment row only; `book_slot()` writes one with the allocations of a planned Slot."""

    class Meta:
        model = Appointment

    patient = factory.SubFactory(PatientFactory)
    service = factory.SubFactory(ServiceFactory)
    location = factory.SubFactory(LocationFactory)
    modality = "in_person"
    start = dt.datetime(2025, 3, 10, 16, 0, tzinfo=dt.UTC)
    end = factory.LazyAttribute(lambda a: a.start + dt.timedelta(minutes=60))
    status = AppointmentStatus.BOOKED


class AllocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Allocation

    appointment = factory.SubFactory(AppointmentFactory)
    phase = factory.SubFactory(PhaseFactory)
    start = factory.SelfAttribute("appointment.start")
    end = factory.SelfAttribute("appointment.end")
    exclusive = True
    share = 0


# --- Ready-made pieces ----------------------------------------------------------------------

def weekly_hours(*, start: dt.time = dt.time(9), end: dt.time = dt.time(17), weekdays=range(7),
                 **owner) -> list[WorkingHours]:
    """The same hours on each of `weekdays` for one owner (staff=, resource= or location=)."""
    return [WorkingHoursFactory(weekday=day, start_time=start, end_time=end, **owner) for day in weekdays]


def iv_infusion_service(*, locations=(), **kwargs) -> Service:
    """IV ketamine infusion: set-up 15 (nurse hands-on + chair), infusion 40 (a share of the
    nurse's watch + chair), recovery 30 (chair)."""
    service = ServiceFactory(**{"name": "IV infusion", "category": Service.Category.IV_KETAMINE, "is_dosing": True,
                                "locations": list(locations), **kwargs})
    chair = ResourceKind.INFUSION_CHAIR
    PhaseFactory(service=service, order=1, name="Set-up", duration_minutes=15, staff_role=StaffRole.NURSE,
                 staff_usage=StaffUsage.EXCLUSIVE, resource_kind=chair)
    PhaseFactory(service=service, order=2, name="Infusion", duration_minutes=40, staff_role=StaffRole.NURSE,
                 staff_usage=StaffUsage.SHARED, resource_kind=chair)
    PhaseFactory(service=service, order=3, name="Recovery", duration_minutes=30, resource_kind=chair)
    return service


def video_therapy_service(*, duration: int = 50, modality: str = "video", locations=(), **kwargs) -> Service:
    """Integration therapy: one therapist phase; in person it also takes a therapy room."""
    service = ServiceFactory(**{"name": "Integration", "category": Service.Category.INTEGRATION, "modality": modality,
                                "patient_chooses_staff": True, "locations": list(locations), **kwargs})
    PhaseFactory(service=service, order=1, name="Session", duration_minutes=duration,
                 staff_role=StaffRole.THERAPIST, resource_kind=ResourceKind.THERAPY_ROOM)
    return service


def book_slot(slot, *, service: Service, location: Location | None, patient: Patient | None = None,
              status: str = AppointmentStatus.BOOKED, hold_expires_at: dt.datetime | None = None) -> Appointment:
    """An appointment holding exactly what `slot` (from scheduling.availability) assigns."""
    appointment = AppointmentFactory(
        patient=patient or PatientFactory(), service=service, location=location,
        modality="video" if location is None else "in_person", start=slot.start, end=slot.end, status=status,
        hold_expires_at=hold_expires_at)
    Allocation.objects.bulk_create([
        Allocation(appointment=appointment, phase_id=a.phase_id, staff_id=a.staff_id, resource_id=a.resource_id,
                   start=a.start, end=a.end, exclusive=a.exclusive, share=a.share, hold_expires_at=hold_expires_at)
        for a in slot.assignments
    ])
    return appointment


# --- Clinical records (care/) ---------------------------------------------------------------

def screening(patient: Patient, **findings):
    """Contraindication screening answers: all "no" unless given, e.g. screening(p, pregnancy=True)."""
    from care.models import ContraindicationScreening

    answers = {name: findings.get(name, False) for name, _ in ContraindicationScreening.FINDINGS}
    return ContraindicationScreening.objects.create(patient=patient, **answers)


def clearance(patient: Patient, treatment: str = "iv_ketamine", *, cleared_by=None, **fields):
    """A clinician's clearance for `treatment` (a Service category), resting on a clean screening."""
    from care.models import Clearance

    clinician = cleared_by or UserFactory(username=f"clinician-{patient.pk}-{treatment}", role=Role.CLINICIAN)
    return Clearance.objects.create(patient=patient, treatment=treatment, evaluated_on=fields.pop(
        "evaluated_on", dt.date(2025, 2, 1)), screening=screening(patient), cleared_by=clinician, **fields)
