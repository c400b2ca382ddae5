"""A ketamine clinic in Phoenix (REMS-certified: two chairs, a nurse, a prescriber on site) and
Tucson (not certified), offering IV infusions, Spravato sessions and integration therapy, and the
people who use it: a patient, the front desk, a clinician."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from rest_framework.test import APIClient

from accounts.models import Role
from scheduling.models import ResourceKind, StaffRole, StaffUsage
from tests.factories import (
    iv_infusion_service,
    LocationFactory,
    PatientFactory,
    PhaseFactory,
    ResourceFactory,
    ServiceFactory,
    StaffMemberFactory,
    UserFactory,
    video_therapy_service,
    weekly_hours,
)

PHX = ZoneInfo("America/Phoenix")
# Saturday 1 March 2025, noon UTC; visits are on Monday 10 March and after (Phoenix is UTC-7).
NOW = dt.datetime(2025, 3, 1, 12, 0, tzinfo=dt.UTC)
MONDAY = dt.date(2025, 3, 10)


def at(hour: int, minute: int = 0, day: dt.date = MONDAY) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=PHX).astimezone(dt.UTC)


def iso(instant: dt.datetime) -> str:
    return instant.isoformat().replace("+00:00", "Z")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def spravato_service(*, locations):
    service = ServiceFactory(code="spravato", name="Nasal-spray session", category="esketamine", is_dosing=True,
                             locations=list(locations))
    PhaseFactory(service=service, order=1, name="Dosing", duration_minutes=15, staff_role=StaffRole.NURSE,
                 staff_usage=StaffUsage.EXCLUSIVE, resource_kind=ResourceKind.INFUSION_CHAIR,
                 present_role=StaffRole.PRESCRIBER)
    PhaseFactory(service=service, order=2, name="Monitoring", duration_minutes=120, staff_role=StaffRole.NURSE,
                 staff_usage=StaffUsage.SHARED, resource_kind=ResourceKind.INFUSION_CHAIR)
    return service


def make_clinic(*, chairs: int = 2, nurses: int = 1, watch_capacity: int = 2, therapists: int = 1,
                open_days=range(7)) -> SimpleNamespace:
    phoenix = LocationFactory(name="Phoenix", rems_certified=True)
    tucson = LocationFactory(name="Tucson", rems_certified=False)
    telehealth = LocationFactory(name="Telehealth", is_virtual=True, rems_certified=False)
    for site in (phoenix, tucson):
        weekly_hours(location=site, start=dt.time(7), end=dt.time(19), weekdays=open_days)
    chair_rows = [ResourceFactory(location=site, name=f"Chair {n}") for site in (phoenix, tucson)
                  for n in range(1, chairs + 1)]
    nurse_rows = []
    for n in range(1, nurses + 1):
        nurse = StaffMemberFactory(display_name=f"Nurse {n}", watch_capacity=watch_capacity,
                                   locations=[phoenix, tucson])
        weekly_hours(staff=nurse, start=dt.time(7), end=dt.time(19), weekdays=open_days)
        nurse_rows.append(nurse)
    prescriber = StaffMemberFactory(display_name="Dr. Rivera", roles=[StaffRole.PRESCRIBER],
                                    locations=[phoenix, tucson])
    weekly_hours(staff=prescriber, start=dt.time(7), end=dt.time(19), weekdays=open_days)
    therapist_rows = []
    for n in range(1, therapists + 1):
        therapist = StaffMemberFactory(display_name=f"Therapist {n}", roles=[StaffRole.THERAPIST],
                                       locations=[phoenix, telehealth])
        weekly_hours(staff=therapist, start=dt.time(8), end=dt.time(18), weekdays=open_days)
        therapist_rows.append(therapist)
    iv = iv_infusion_service(locations=[phoenix, tucson], code="iv", name="IV infusion")
    integration = video_therapy_service(code="integration", name="Integration session", modality="either",
                                        locations=[phoenix])
    ResourceFactory(location=phoenix, name="Therapy room", kind=ResourceKind.THERAPY_ROOM)
    spravato = spravato_service(locations=[phoenix, tucson])
    return SimpleNamespace(phoenix=phoenix, tucson=tucson, telehealth=telehealth, chairs=chair_rows,
                           nurses=nurse_rows, nurse=nurse_rows[0], prescriber=prescriber, therapists=therapist_rows,
                           iv=iv, integration=integration, spravato=spravato)


def patient_user(name: str, **fields):
    user = UserFactory(username=name, role=Role.PATIENT)
    return PatientFactory(user=user, legal_first_name=name.title(), legal_last_name="Doe", **fields)


def desk_user(name: str, *locations):
    user = UserFactory(username=name, role=Role.FRONT_DESK, first_name="Front", last_name="Desk")
    StaffMemberFactory(user=user, display_name=name.title(), roles=["front_desk"], locations=list(locations))
    return user


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def clinic(db):
    return make_clinic()


def prescriber_user(name: str, *locations, first_name: str = "", last_name: str = ""):
    """A clinician who prescribes (clears patients, records REMS enrolment) at `locations`; no hours,
    so the booking engine never offers them."""
    user = UserFactory(username=name, role=Role.CLINICIAN, first_name=first_name, last_name=last_name)
    StaffMemberFactory(user=user, display_name=f"Dr. {last_name or name}", roles=[StaffRole.PRESCRIBER],
                       locations=list(locations))
    return user


@pytest.fixture
def people(clinic):
    return SimpleNamespace(
        ana=patient_user("ana"),
        desk=desk_user("desk", clinic.phoenix, clinic.tucson, clinic.telehealth),
        clinician=prescriber_user("dr.rivera", clinic.phoenix, first_name="Elena", last_name="Rivera"),
    )


def booking(clinic, service, start, *, location=None, patient=None, **extra) -> dict:
    body = {"service": service.pk, "location": (location or clinic.phoenix).pk, "start": iso(start), **extra}
    if patient is not None:
        body["patient"] = patient.pk
    return body
