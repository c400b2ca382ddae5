"""A small IV clinic in Phoenix (one chair, one nurse), a second site in Tucson, and the people
who use the booking API: two patients, a desk at each site, and the nurse as a clinician."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from rest_framework.test import APIClient

from accounts.models import Role
from tests.factories import (
    iv_infusion_service,
    LocationFactory,
    PatientFactory,
    ResourceFactory,
    StaffMemberFactory,
    UserFactory,
    weekly_hours,
)

PHX = ZoneInfo("America/Phoenix")
# Saturday 1 March 2025, noon UTC; the visits below are on Monday 10 March (Phoenix is UTC-7).
NOW = dt.datetime(2025, 3, 1, 12, 0, tzinfo=dt.UTC)
MONDAY = dt.date(2025, 3, 10)


def at(hour: int, minute: int = 0, day: dt.date = MONDAY) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=PHX).astimezone(dt.UTC)


def iso(instant: dt.datetime) -> str:
    return instant.isoformat().replace("+00:00", "Z")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Factories give every user a password; the production hasher costs ~0.5 s each here."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def make_clinic(*, chairs: int = 1, nurses: int = 1, watch_capacity: int = 2, **service_rules) -> SimpleNamespace:
    phoenix = LocationFactory(name="Phoenix", time_zone="America/Phoenix", state="AZ")
    tucson = LocationFactory(name="Tucson", time_zone="America/Phoenix", state="AZ")
    for site in (phoenix, tucson):
        weekly_hours(location=site, start=dt.time(7), end=dt.time(19))
    chair_rows = [ResourceFactory(location=phoenix, name=f"Chair {n}") for n in range(1, chairs + 1)]
    nurse_rows = []
    for n in range(1, nurses + 1):
        nurse = StaffMemberFactory(display_name=f"Nurse {n}", watch_capacity=watch_capacity, locations=[phoenix])
        weekly_hours(staff=nurse, start=dt.time(7), end=dt.time(19))
        nurse_rows.append(nurse)
    # Not a dosing visit, so the clinical gates (clearance, escort at check-in; tests/care) stay
    # out of these lifecycle tests.
    service = iv_infusion_service(locations=[phoenix, tucson], code="iv", **{"is_dosing": False, **service_rules})
    return SimpleNamespace(location=phoenix, other_location=tucson, chairs=chair_rows, chair=chair_rows[0],
                           nurses=nurse_rows, nurse=nurse_rows[0], service=service)


def patient_user(name: str):
    user = UserFactory(username=name, role=Role.PATIENT)
    return PatientFactory(user=user, legal_first_name=name.title())


def desk_user(name: str, *locations):
    user = UserFactory(username=name, role=Role.FRONT_DESK)
    StaffMemberFactory(user=user, display_name=name.title(), roles=["front_desk"], locations=list(locations))
    return user


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def clinic(db):
    return make_clinic()


@pytest.fixture
def people(clinic):
    ana = patient_user("ana")
    ben = patient_user("ben")
    return SimpleNamespace(
        ana=ana, ben=ben,
        desk=desk_user("desk", clinic.location),
        tucson_desk=desk_user("tucsondesk", clinic.other_location),
        admin=UserFactory(username="admin", role=Role.ADMIN),
        nurse=clinic.nurse.user,
    )
