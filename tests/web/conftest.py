"""A small clinic for the page tests: Phoenix with two infusion chairs and a therapy room, a
telehealth location, a nurse, a Spanish-speaking therapist licensed in Arizona, an IV infusion
(dosing, in person), an integration session (in person or video) and a staff-only check-up;
the front desk at both locations, a clinician and an admin.

Test-client tests freeze time at NOW (a Monday morning in Phoenix). Browser tests cannot move
the clock (the browser would drop cookies that expire "in the past"), so `make_clinic` can open
every hour of every day and those tests work from the real time.
"""

from __future__ import annotations

import datetime as dt
import re
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine

from accounts.models import Role
from config.celery import app as celery_app
from notifications.channels.sms import LocmemSmsBackend
from scheduling.models import ResourceKind, Service
from tests.factories import (
    iv_infusion_service,
    LocationFactory,
    PatientFactory,
    ResourceFactory,
    StaffMemberFactory,
    UserFactory,
    video_therapy_service,
    weekly_hours,
)
from tests.web.browser import browser, chromium  # noqa: F401  (the browser tests' fixtures)

PHX = ZoneInfo("America/Phoenix")
# Monday 3 March 2025, 08:00 in Phoenix (UTC-7, no daylight saving).
NOW = dt.datetime(2025, 3, 3, 15, 0, tzinfo=dt.UTC)
MONDAY = dt.date(2025, 3, 3)
CODE = re.compile(r"\b(\d{6})\b")


def at(hour: int, minute: int = 0, day: dt.date = MONDAY) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=PHX).astimezone(dt.UTC)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def sms_outbox(settings):
    """Texts land in a list; queued tasks (sign-in codes, reminders due now) run in process."""
    settings.SMS_BACKEND = "notifications.channels.sms.LocmemSmsBackend"
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.CELERY_TASK_EAGER_PROPAGATES = True
    assert celery_app.conf.task_always_eager
    LocmemSmsBackend.outbox.clear()
    yield LocmemSmsBackend.outbox
    LocmemSmsBackend.outbox.clear()


@pytest.fixture
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def make_clinic(*, opens: dt.time = dt.time(7), closes: dt.time = dt.time(19)) -> SimpleNamespace:
    phoenix = LocationFactory(name="Phoenix", time_zone="America/Phoenix", state="AZ",
                              address="2200 N Central Ave, Phoenix, AZ 85004")
    telehealth = LocationFactory(name="Telehealth", time_zone="America/Phoenix", state="", address="",
                                 is_virtual=True)
    weekly_hours(location=phoenix, start=opens, end=closes)
    chairs = [ResourceFactory(location=phoenix, name=f"Chair {n}") for n in (1, 2)]
    room = ResourceFactory(location=phoenix, name="Therapy room 1", kind=ResourceKind.THERAPY_ROOM)
    nurse = StaffMemberFactory(display_name="Nurse Kim", roles=["nurse"], watch_capacity=2, locations=[phoenix],
                               user=UserFactory(username="nurse.kim", role=Role.CLINICIAN))
    therapist = StaffMemberFactory(display_name="Lucía Fernández", roles=["therapist"], languages=["en", "es"],
                                   licensed_states=["AZ"], locations=[phoenix, telehealth],
                                   user=UserFactory(username="t.fernandez", role=Role.CLINICIAN))
    for member in (nurse, therapist):
        weekly_hours(staff=member, start=opens, end=closes)
    iv = iv_infusion_service(locations=[phoenix], code="iv-infusion", name="IV infusion session",
                             min_notice_minutes=60, prep_instructions="No solid food for 6 hours before your visit.",
                             prep_instructions_es="No coma alimentos sólidos 6 horas antes de su cita.")
    integration = video_therapy_service(modality="either", locations=[phoenix], code="integration",
                                        name="Integration session", min_notice_minutes=60,
                                        cancellation_window_hours=24)
    check_up = video_therapy_service(modality="in_person", locations=[phoenix], code="check-up", name="Check-up",
                                     category=Service.Category.MEDICATION_MANAGEMENT, bookable_online=False)
    desk = UserFactory(username="desk", role=Role.FRONT_DESK)
    StaffMemberFactory(user=desk, display_name="Front Desk", roles=["front_desk"], locations=[phoenix, telehealth])
    return SimpleNamespace(
        phoenix=phoenix, telehealth=telehealth, chairs=chairs, chair=chairs[0], room=room, nurse=nurse,
        therapist=therapist, iv=iv, integration=integration, check_up=check_up, desk=desk,
        admin=UserFactory(username="admin", role=Role.ADMIN, is_staff=True),
        clinician=nurse.user)


@pytest.fixture
def clinic(db):
    return make_clinic()


def patient_with_user(**fields):
    user = UserFactory(role=Role.PATIENT, username=fields.pop("username", None) or f"p-{fields.get('phone', 'x')}")
    return PatientFactory(user=user, **fields)


def code_sent_to(outbox, phone: str) -> str:
    body = next(m["body"] for m in reversed(outbox) if m["to"] == phone)
    return CODE.search(body).group(1)
