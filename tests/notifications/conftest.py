"""A patient in Phoenix (no DST, texting window 8:00-21:00 MST) with an in-person visit, and
helpers that run the dispatcher and worker in-process with the locmem SMS backend."""

from __future__ import annotations

import datetime as dt
import socket
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail

from notifications import dispatch, sending
from notifications.channels.sms import LocmemSmsBackend
from notifications.models import MessageStatus, OutboundMessage
from notifications.planning import replan_for_appointment
from scheduling.models import AppointmentStatus
from tests.factories import AppointmentFactory, LocationFactory, PatientFactory, ServiceFactory

PHX = ZoneInfo("America/Phoenix")
# Monday 3 March 2025, 10:00 in Phoenix; the visit is on Friday 7 March at 10:00 Phoenix.
NOW = dt.datetime(2025, 3, 3, 17, 0, tzinfo=dt.UTC)
VISIT = dt.datetime(2025, 3, 7, 17, 0, tzinfo=dt.UTC)
AUTH_TOKEN = "test-twilio-auth-token"


def phx(day: int, hour: int, minute: int = 0, month: int = 3) -> dt.datetime:
    return dt.datetime(2025, month, day, hour, minute, tzinfo=PHX).astimezone(dt.UTC)


@pytest.fixture(autouse=True)
def _messaging_settings(settings):
    settings.SMS_BACKEND = "notifications.channels.sms.LocmemSmsBackend"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.TWILIO_AUTH_TOKEN = AUTH_TOKEN
    settings.PUBLIC_BASE_URL = "https://clinic.example"
    LocmemSmsBackend.outbox = []
    mail.outbox = []
    yield
    LocmemSmsBackend.outbox = []


@pytest.fixture
def clock():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


@pytest.fixture
def clinic():
    return LocationFactory(name="Camelback", time_zone="America/Phoenix", state="AZ", address="4500 E Camelback Rd")


@pytest.fixture
def patient():
    """Gave explicit SMS consent, so the clinic's caps (2 a day) apply, not the exemption's."""
    return PatientFactory(legal_first_name="Ana", phone="+16025550123", email="", time_zone="America/Phoenix",
                          state="AZ", language="en", sms_consent=True)


def book(*, patient, start=VISIT, location=None, service=None, video=False, minutes=60, **fields):
    """An appointment as the booking service leaves it, with its messages planned."""
    service = service or ServiceFactory(name="Visit", is_dosing=True, prep_instructions="No food for 6 hours.")
    appointment = AppointmentFactory(
        patient=patient, service=service, location=None if video else (location or LocationFactory()),
        modality="video" if video else "in_person", start=start, end=start + dt.timedelta(minutes=minutes),
        status=fields.pop("status", AppointmentStatus.BOOKED), **fields)
    replan_for_appointment(appointment)
    return appointment


def change(appointment, **fields):
    """Change an appointment the way the booking service does, replanning in the same step."""
    for name, value in fields.items():
        setattr(appointment, name, value)
    appointment.save()
    replan_for_appointment(appointment)
    return appointment


def run_dispatcher() -> dispatch.DispatchReport:
    """One beat: claim what is due and deliver it here (what the worker tasks would do)."""
    return dispatch.dispatch_due(enqueue=lambda ids, attempt: sending.deliver_batch(message_ids=ids, attempt_id=attempt))


def rows(appointment=None, **filters):
    qs = OutboundMessage.objects.all() if appointment is None else OutboundMessage.objects.filter(appointment=appointment)
    return qs.filter(**filters).order_by("due_at", "pk")


def plan(appointment) -> list[tuple[str, str, dt.datetime, str]]:
    return [(r.kind, r.channel, r.due_at, r.status) for r in rows(appointment).exclude(status=MessageStatus.SUPERSEDED)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def texts_to(number: str) -> list[str]:
    return [sent["body"] for sent in LocmemSmsBackend.outbox if sent["to"] == number]
