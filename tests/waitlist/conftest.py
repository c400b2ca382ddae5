"""A clinic in Phoenix (texting window 8:00-21:00 MST) with one infusion chair and one nurse,
an IV infusion service, and helpers to book, cancel and deliver the outbox in-process."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from accounts.models import Role
from notifications import dispatch, sending
from notifications.channels.sms import LocmemSmsBackend
from scheduling.availability import find_slots
from scheduling.models import StaffRole
from scheduling.services.booking import book_appointment
from tests.factories import (
    clearance,
    iv_infusion_service,
    LocationFactory,
    PatientFactory,
    ResourceFactory,
    StaffMemberFactory,
    UserFactory,
    weekly_hours,
)

PHX = ZoneInfo("America/Phoenix")
# Monday 3 March 2025, 10:00 in Phoenix.
NOW = dt.datetime(2025, 3, 3, 17, 0, tzinfo=dt.UTC)


def phx(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2025, 3, day, hour, minute, tzinfo=PHX).astimezone(dt.UTC)


@pytest.fixture(autouse=True)
def _messaging_settings(settings):
    settings.SMS_BACKEND = "notifications.channels.sms.LocmemSmsBackend"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.PUBLIC_BASE_URL = "https://clinic.example"
    LocmemSmsBackend.outbox = []
    mail.outbox = []
    yield
    LocmemSmsBackend.outbox = []


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


class Clinic:
    def __init__(self):
        self.site = LocationFactory(name="Camelback", time_zone="America/Phoenix", state="AZ")
        chair = ResourceFactory(location=self.site, name="Chair 1")
        nurse = StaffMemberFactory(roles=[StaffRole.NURSE], locations=[self.site], languages=["en", "es"])
        weekly_hours(staff=nurse, start=dt.time(8), end=dt.time(18))
        weekly_hours(resource=chair, start=dt.time(8), end=dt.time(18))
        weekly_hours(location=self.site, start=dt.time(8), end=dt.time(18))
        self.infusion = iv_infusion_service(locations=[self.site])

    def patient(self, *, cleared: bool = True, **fields):
        fields.setdefault("sms_consent", True)
        fields.setdefault("email", "")
        patient = PatientFactory(time_zone="America/Phoenix", state="AZ", **fields)
        if cleared:
            clearance(patient)
        return patient

    def book(self, patient, start: dt.datetime, *, now=None):
        return book_appointment(
            patient=patient,
            service=self.infusion,
            location=self.site,
            start=start,
            actor=None,
            channel="front_desk",
            now=now,
        )

    def free_starts(self, day_start: dt.datetime, day_end: dt.datetime, *, now=None):
        return [
            s.start
            for s in find_slots(service=self.infusion, location=self.site, start=day_start, end=day_end, now=now).slots
        ]


@pytest.fixture
def clinic(db):
    return Clinic()


def deliver() -> None:
    """One dispatcher beat, delivered here."""
    dispatch.dispatch_due(enqueue=lambda ids, attempt: sending.deliver_batch(message_ids=ids, attempt_id=attempt))


def texts_to(number: str) -> list[str]:
    return [sent["body"] for sent in LocmemSmsBackend.outbox if sent["to"] == str(number)]


@pytest.fixture
def desk(client, clinic):
    """The test client signed in as a front-desk member of the clinic's one site."""
    user = UserFactory(username="desk", role=Role.FRONT_DESK)
    StaffMemberFactory(user=user, roles=[StaffRole.FRONT_DESK], locations=[clinic.site])
    client.force_login(user)
    return client
