"""A day at Phoenix with every mark on the desk's calendar, booked through the booking service:
reminded, confirmed by reply, not reached (STOP, a failed text, no mobile), an escort recorded and
one missing, video, a gate that will block (a clearance expiring the day before), a new patient
and one who needs an interpreter."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from django.utils import timezone

from care.models import Escort
from notifications.models import InboundMessage, MessageStatus, OutboundMessage
from scheduling.models import AppointmentStatus
from scheduling.services.booking import book_appointment
from tests.factories import AppointmentFactory, clearance

from .conftest import patient_with_user

PHX = ZoneInfo("America/Phoenix")


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=PHX).astimezone(dt.UTC)


def _reminder(appointment, status: str) -> None:
    """The visit's reminder as the outbox would have it by now (sent, delivered or failed)."""
    OutboundMessage.objects.filter(appointment=appointment, template="reminder").update(
        status=status, sent_at=timezone.now()
    )


def _old_visit(patient, clinic, day: dt.date):
    """A completed visit weeks ago: the patient is not new."""
    AppointmentFactory(
        patient=patient,
        service=clinic.integration,
        location=clinic.phoenix,
        start=_at(day - dt.timedelta(days=30), 9),
        end=_at(day - dt.timedelta(days=30), 10),
        status=AppointmentStatus.COMPLETED,
    )


def marked_day(clinic, day: dt.date) -> SimpleNamespace:
    desk = clinic.desk
    ana = patient_with_user(
        username="ana", phone="+16025550101", legal_first_name="Ana", legal_last_name="Lopez", state="AZ"
    )
    ben = patient_with_user(
        username="ben", phone="+16025550102", legal_first_name="Ben", legal_last_name="Ortiz", state="AZ"
    )
    cara = patient_with_user(
        username="cara",
        phone="+16025550103",
        legal_first_name="Cara",
        legal_last_name="Nguyen",
        state="AZ",
        interpreter_language="Vietnamese",
    )
    dan = patient_with_user(
        username="dan", phone="+16025550104", legal_first_name="Dan", legal_last_name="Stone", state="AZ"
    )
    eve = patient_with_user(username="eve", phone="", legal_first_name="Eve", legal_last_name="Park", state="AZ")
    fay = patient_with_user(
        username="fay", phone="+16025550106", legal_first_name="Fay", legal_last_name="Reyes", state="AZ"
    )
    for patient in (ana, ben, dan, eve, fay):
        _old_visit(patient, clinic, day)
    clearance(ana)
    fay_clearance = clearance(fay)

    def book(patient, service, hour, location=clinic.phoenix, minute=0):
        return book_appointment(
            patient=patient, service=service, location=location, start=_at(day, hour, minute), actor=desk
        )

    ana_visit = book(ana, clinic.iv, 9)
    fay_visit = book(fay, clinic.iv, 11)
    Escort.objects.create(appointment=fay_visit, name="Sam Reyes", phone="+16025550199", confirmed_adult=True)
    fay_clearance.expires_on = day - dt.timedelta(days=1)
    fay_clearance.save()
    ben_visit = book(ben, clinic.integration, 9)
    cara_visit = book(cara, clinic.integration, 13, location=None)
    dan_visit = book(dan, clinic.integration, 14)
    eve_visit = book(eve, clinic.integration, 15)
    _reminder(ana_visit, MessageStatus.DELIVERED)
    _reminder(ben_visit, MessageStatus.SENT)
    _reminder(fay_visit, MessageStatus.FAILED)
    InboundMessage.objects.create(
        provider_id="SM-confirm-ben",
        from_number=str(ben.phone),
        body="C",
        received_at=timezone.now(),
        patient=ben,
        appointment=ben_visit,
        action=InboundMessage.Action.CONFIRM,
    )
    dan.sms_opted_out = True
    dan.save()
    return SimpleNamespace(ana=ana_visit, ben=ben_visit, cara=cara_visit, dan=dan_visit, eve=eve_visit, fay=fay_visit)
