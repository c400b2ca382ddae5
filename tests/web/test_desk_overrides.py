"""Overrides in the desk's booking and move pages: a refused time the clinic lets the desk
override comes back filled in, with a required reason, recorded as the API records it; a gate
the desk may not override says so and who can clear it."""

from __future__ import annotations

import pytest
from django.urls import reverse

from care.models import GateOverride
from scheduling.models import Appointment
from scheduling.services.booking import book_appointment
from web.selectors.offers import slot_value

from .conftest import at, MONDAY, patient_with_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def ana(clinic):
    return patient_with_user(
        username="ana", phone="+16025550101", legal_first_name="Ana", legal_last_name="Lopez", state="AZ"
    )


@pytest.fixture
def desk(client, clinic):
    client.force_login(clinic.desk)
    return client


class _Slot:
    def __init__(self, start):
        self.start, self.staff_ids = start, []


def book_url(patient, service, location, day=MONDAY) -> str:
    return f"{reverse('web:desk-book', args=[patient.pk])}?service={service.pk}&where={location.pk}&day={day}"


def test_a_gate_the_clinic_lets_the_desk_override_comes_back_filled_in_and_needs_a_reason(
    desk, clinic, ana, frozen, settings
):
    settings.CARE_OVERRIDABLE_GATES = ["clearance", "escort"]
    url = book_url(ana, clinic.iv, clinic.phoenix)

    refused = desk.post(url, {"slot": slot_value(_Slot(at(10)))}).content.decode()
    no_reason = desk.post(url, {"day": "2025-03-03", "time": "10:00", "override_reason": ""})
    booked = desk.post(url, {"day": "2025-03-03", "time": "10:00", "override_reason": "Dr Rivera cleared by phone"})

    assert "has no clinician clearance for IV ketamine" in refused
    assert "Book this time with an override" in refused
    assert 'value="2025-03-03"' in refused and 'value="10:00"' in refused
    assert no_reason.status_code == 200 and "This field is required." in no_reason.content.decode()
    visit = Appointment.objects.get()
    assert booked.url == reverse("web:desk-appointment", args=[visit.pk])
    override = GateOverride.objects.get()
    assert (override.gate, override.reason, override.actor) == ("clearance", "Dr Rivera cleared by phone", clinic.desk)
    assert visit.events.get().reason == "Dr Rivera cleared by phone" and visit.events.get().data["override"]
    history = desk.get(booked.url).content.decode()
    assert "Dr Rivera cleared by phone" in history and "override" in history


def test_a_gate_the_desk_may_not_override_says_so_and_who_can_clear_it(desk, clinic, ana, frozen):
    url = book_url(ana, clinic.iv, clinic.phoenix)

    refused = desk.post(url, {"slot": slot_value(_Slot(at(10)))}).content.decode()
    anyway = desk.post(url, {"day": "2025-03-03", "time": "10:00", "override_reason": "Please"}).content.decode()

    for page in (refused, anyway):
        assert "The desk cannot override this." in page
        assert "Who can: A prescriber, who records or renews the clearance" in page
        assert "Book this time with an override" not in page
    assert not Appointment.objects.exists() and not GateOverride.objects.exists()


def test_short_notice_on_the_move_page_is_overridden_with_a_reason(desk, clinic, ana, frozen):
    visit = book_appointment(
        patient=ana, service=clinic.integration, location=clinic.phoenix, start=at(14), actor=clinic.desk
    )
    url = reverse("web:desk-move", args=[visit.pk])

    refused = desk.post(url, {"slot": slot_value(_Slot(at(8, 30)))}).content.decode()
    desk.post(url, {"day": "2025-03-03", "time": "08:30", "override_reason": "Patient is in the lobby"})

    assert "notice" in refused and "Move to this time with an override" in refused
    moved = Appointment.objects.get(status="booked")
    assert moved.start == at(8, 30)
    assert any(e.reason == "Patient is in the lobby" for e in moved.events.all())


def test_a_time_outside_the_hours_is_not_offered_an_override(desk, clinic, ana, frozen):
    url = book_url(ana, clinic.integration, clinic.phoenix)

    refused = desk.post(url, {"slot": slot_value(_Slot(at(20)))}).content.decode()

    assert 'role="alert"' in refused and "Book this time with an override" not in refused
    assert "The clinic lets the desk override this" not in refused
