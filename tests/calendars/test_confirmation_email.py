"""The confirmation email carries the visit's .ics; a reminder does not."""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest
from django.core import mail

from calendars import ics
from notifications.models import MessageStatus as M
from notifications.rendering import deny_listed_words
from tests.notifications.conftest import (  # noqa: F401  (fixtures)
    _messaging_settings,
    book,
    clinic,
    clock,
    NOW,
    patient,
    rows,
    run_dispatcher,
    VISIT,
)

pytestmark = pytest.mark.django_db


def test_the_confirmation_email_carries_the_visit_as_an_ics(clock, patient, clinic):
    patient.email, patient.prefers_email = "ana@example.com", True
    patient.save()
    appointment = book(patient=patient, location=clinic)
    clock.move_to(NOW + dt.timedelta(minutes=5))

    run_dispatcher()

    confirmation = rows(appointment, kind="confirmation", channel="email").get()
    assert confirmation.status == M.SENT
    [sent] = [m for m in mail.outbox if m.extra_headers["Message-ID"] == confirmation.provider_id]
    [(name, content, mimetype)] = sent.attachments
    assert (name, mimetype) == (ics.filename(appointment), "text/calendar")
    [event] = icalendar.Calendar.from_ical(content).walk("VEVENT")
    assert event.decoded("dtstart") == VISIT
    assert str(event["location"]) == "4500 E Camelback Rd"
    assert not deny_listed_words(str(event["summary"]))


def test_a_reminder_email_has_no_attachment(clock, patient, clinic):
    patient.email, patient.prefers_email = "ana@example.com", True
    patient.save()
    appointment = book(patient=patient, location=clinic)
    clock.move_to(VISIT - dt.timedelta(hours=24))

    run_dispatcher()

    reminder = rows(appointment, kind="reminder_24h", channel="email").get()
    assert reminder.status == M.SENT
    assert [m.attachments for m in mail.outbox if m.extra_headers["Message-ID"] == reminder.provider_id] == [[]]
