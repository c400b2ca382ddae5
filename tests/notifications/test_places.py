"""Texts say where: with more than one site every confirmation and reminder names it; a move
that changes the place says so even at a clinic with one site."""

from __future__ import annotations

import datetime as dt

import pytest

from notifications.rendering import deny_listed_words
from scheduling.models import AppointmentStatus as S
from tests.factories import LocationFactory
from tests.notifications.conftest import book, change, NOW, run_dispatcher, texts_to, VISIT

MIN = dt.timedelta(minutes=1)
pytestmark = pytest.mark.django_db


def test_a_clinic_with_one_site_does_not_name_it(clock, patient, clinic):
    book(patient=patient, location=clinic)
    clock.move_to(NOW + 5 * MIN)
    run_dispatcher()
    assert texts_to(str(patient.phone)) == [
        "Clearday Clinic: your visit is booked for Fri Mar 7, 10:00 AM. Reply C to confirm, R to reschedule. "
        "Call (602) 555-0100. STOP to opt out"
    ]


def test_with_two_sites_confirmations_and_reminders_name_the_site(clock, patient, clinic):
    LocationFactory(name="Tucson", time_zone="America/Phoenix")
    appointment = book(patient=patient, location=clinic)
    clock.move_to(NOW + 5 * MIN)
    run_dispatcher()
    clock.move_to(appointment.start - dt.timedelta(hours=24))
    run_dispatcher()
    confirmation, reminder = texts_to(str(patient.phone))
    assert "booked for Fri Mar 7, 10:00 AM at Camelback." in confirmation
    assert "reminder of your visit Fri Mar 7, 10:00 AM at Camelback." in reminder


def test_a_move_from_video_to_the_only_site_names_it(clock, patient, clinic):
    old = book(patient=patient, video=True)
    clock.move_to(NOW + 5 * MIN)
    run_dispatcher()
    new = book(patient=patient, location=clinic, start=VISIT + dt.timedelta(days=1), service=old.service)
    change(old, status=S.RESCHEDULED, rescheduled_to=new)
    clock.move_to(NOW + 10 * MIN)
    run_dispatcher()
    moved = texts_to(str(patient.phone))[-1]
    assert moved.startswith("Clearday Clinic: your visit is now at Camelback, Sat Mar 8, 10:00 AM.")
    assert deny_listed_words(moved) == []


def test_a_site_whose_name_is_clinical_and_has_no_short_name_is_not_named(clock, patient):
    site = LocationFactory(name="Scottsdale Infusion", time_zone="America/Phoenix")
    LocationFactory(name="Tucson", time_zone="America/Phoenix")
    book(patient=patient, location=site)
    clock.move_to(NOW + 5 * MIN)
    run_dispatcher()
    [text] = texts_to(str(patient.phone))
    assert "booked for Fri Mar 7, 10:00 AM." in text and deny_listed_words(text) == []
