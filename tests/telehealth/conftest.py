"""A telehealth clinic: Dr. Lee (prescriber, Los Angeles, licensed in AZ and CA, speaks English
and Spanish) and Sam (therapist, Phoenix, licensed in AZ, English only), both on the virtual
"Telehealth" location with a dial-in number; a video follow-up with a prescriber and a video
integration session with a therapist; Ana Ruiz, a Spanish-speaking patient in Phoenix, AZ."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
from rest_framework.test import APIClient

from accounts.models import Role
from scheduling.availability import plan_slot
from scheduling.models import Service, StaffRole
from telehealth.models import DialIn
from telehealth.passes import issue_pass, token_for
from tests.factories import (
    book_slot,
    LocationFactory,
    PatientFactory,
    PhaseFactory,
    ServiceFactory,
    StaffMemberFactory,
    UserFactory,
    video_therapy_service,
    weekly_hours,
)

LA = ZoneInfo("America/Los_Angeles")
PHX = ZoneInfo("America/Phoenix")
# Monday 6 January 2025, 08:00 in Los Angeles (UTC-8 in winter; Phoenix is UTC-7 all year).
NOW = dt.datetime(2025, 1, 6, 16, 0, tzinfo=dt.UTC)
VISIT_DAY = dt.date(2025, 1, 7)


def la(hour: int, minute: int = 0, day: dt.date = VISIT_DAY) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=LA).astimezone(dt.UTC)


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def clinician(username: str, **fields):
    user = UserFactory(username=username, role=Role.CLINICIAN)
    return StaffMemberFactory(user=user, **fields)


@pytest.fixture
def clinic(db) -> SimpleNamespace:
    virtual = LocationFactory(name="Telehealth", is_virtual=True, time_zone="America/Los_Angeles", state="CA",
                              rems_certified=False)
    lee = clinician("drlee", display_name="Dr. Lee", roles=[StaffRole.PRESCRIBER], languages=["en", "es"],
                    licensed_states=["AZ", "CA"], time_zone="America/Los_Angeles", locations=[virtual])
    weekly_hours(staff=lee, start=dt.time(8), end=dt.time(17))
    sam = clinician("sam", display_name="Sam Park", roles=[StaffRole.THERAPIST], languages=["en"],
                    licensed_states=["AZ"], time_zone="America/Phoenix", locations=[virtual])
    weekly_hours(staff=sam, start=dt.time(9), end=dt.time(17))
    follow_up = ServiceFactory(code="follow-up", name="Follow-up visit", modality="video",
                               category=Service.Category.MEDICATION_MANAGEMENT, min_notice_minutes=0)
    PhaseFactory(service=follow_up, order=1, name="Visit", duration_minutes=30, staff_role=StaffRole.PRESCRIBER)
    integration = video_therapy_service(code="integration", duration=50)
    ana_user = UserFactory(username="ana", role=Role.PATIENT)
    ana = PatientFactory(user=ana_user, legal_first_name="Ana", legal_last_name="Ruiz", preferred_name="",
                         date_of_birth=dt.date(1985, 6, 1), state="AZ", time_zone="America/Phoenix", language="es")
    dial_in = DialIn.objects.create(location=virtual, number="+16025550199", access_code="4321")
    return SimpleNamespace(virtual=virtual, lee=lee, sam=sam, follow_up=follow_up, integration=integration, ana=ana,
                           dial_in=dial_in)


def book_video(*, service, patient, start: dt.datetime, staff=None, now: dt.datetime = NOW):
    """A booked video visit holding exactly what the engine plans (no gates: those have their own tests)."""
    slot = plan_slot(service=service, location=None, start=start, staff=staff, patient=patient, now=now)
    return book_slot(slot, service=service, location=None, patient=patient)


def patient_token(appointment) -> str:
    return token_for(issue_pass(appointment=appointment))


def clinician_token(appointment, staff) -> str:
    return token_for(issue_pass(appointment=appointment, staff=staff))
