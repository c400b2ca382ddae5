"""The floor board (who is in each chair, which phase, what is due) and blocking time with a
preview of the visits in the way."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from care.models import Escort
from scheduling.models import HoursOverride
from scheduling.services.booking import book_appointment
from scheduling.services.transitions import check_in
from web.selectors.floor import floor_board

from .conftest import at, MONDAY, patient_with_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def ana(clinic):
    patient = patient_with_user(username="ana", phone="+16025550101", legal_first_name="Ana", legal_last_name="Lopez")
    from tests.factories import clearance

    clearance(patient, "iv_ketamine")
    return patient


def checked_in_infusion(clinic, patient, start):
    visit = book_appointment(patient=patient, service=clinic.iv, location=clinic.phoenix, start=start,
                             actor=clinic.desk)
    Escort.objects.create(appointment=visit, name="Sam Lopez", phone="+16025550111", confirmed_adult=True)
    return check_in(appointment=visit, actor=clinic.desk)


@pytest.mark.parametrize(("minutes_in", "phase", "due"), [
    (5, "Set-up", "Vitals"),        # set-up 15 min, then the infusion
    (30, "Infusion", "Vitals"),     # vitals 40 min after set-up ends: at 55 min
    (65, "Recovery", "Discharge check"),  # vitals were due at 55; five minutes later the board moves on
])
def test_the_board_shows_the_phase_and_what_is_due_next(clinic, ana, frozen, minutes_in, phase, due):
    visit = checked_in_infusion(clinic, ana, at(9))
    frozen.move_to(at(9) + dt.timedelta(minutes=minutes_in))

    bay = next(b for b in floor_board(location=clinic.phoenix) if b.appointment is not None)

    assert bay.appointment == visit and bay.state == "in_use"
    assert bay.phase.name == phase and bay.due.what == due
    assert bay.visit_minutes_left == 85 - minutes_in


def test_a_visit_still_checked_in_after_its_end_shows_its_discharge_check_overdue(clinic, ana, frozen):
    checked_in_infusion(clinic, ana, at(9))
    frozen.move_to(at(10, 45))  # the visit ended at 10:25

    bay = next(b for b in floor_board(location=clinic.phoenix) if b.appointment is not None)

    assert bay.due.what == "Discharge check" and bay.due.minutes == -20


def test_the_floor_page_refreshes_itself_and_its_fragment_shows_initials(client, clinic, ana, frozen):
    checked_in_infusion(clinic, ana, at(9))
    frozen.move_to(at(9, 30))
    client.force_login(clinic.desk)

    page = client.get(reverse("web:desk-floor"), {"location": clinic.phoenix.pk}).content.decode()
    fragment = client.get(reverse("web:desk-floor"), {"location": clinic.phoenix.pk}, HTTP_HX_REQUEST="true")

    assert 'hx-trigger="every 30s"' in page
    body = fragment.content.decode()
    assert "<html" not in body
    assert ">AL<" in body and "Infusion" in body and "In use" in body
    assert "Next: <strong>Vitals</strong>" in body and "in 25 min" in body


def test_blocking_a_chair_previews_the_visits_in_the_way_then_saves(client, clinic, ana, frozen):
    tuesday = MONDAY + dt.timedelta(days=1)
    visit = book_appointment(patient=ana, service=clinic.iv, location=clinic.phoenix, start=at(10, day=tuesday),
                             actor=clinic.desk)
    chair = visit.allocations.filter(resource__isnull=False).first().resource
    client.force_login(clinic.desk)
    form = {"what": f"resource-{chair.pk}", "day": tuesday.isoformat(), "start_time": "09:00", "end_time": "12:00",
            "reason": "Pump maintenance"}

    preview = client.post(reverse("web:desk-block"), {**form, "action": "preview"}, HTTP_HX_REQUEST="true")
    assert "1 booked visit inside this block" in preview.content.decode() and "Ana Lopez" in preview.content.decode()
    assert not HoursOverride.objects.exists()

    saved = client.post(reverse("web:desk-block"), {**form, "action": "save"})

    block = HoursOverride.objects.get()
    assert block.resource == chair and block.kind == "unavailable" and block.reason == "Pump maintenance"
    assert saved.url.startswith(reverse("web:desk-day"))
    day = client.get(saved.url).content.decode()
    assert "Pump maintenance" in day and "1 booked visit(s) are inside it" in day


def test_a_block_with_half_its_times_is_refused_in_words(client, clinic, frozen):
    client.force_login(clinic.desk)

    page = client.post(reverse("web:desk-block"), {
        "what": f"staff-{clinic.nurse.pk}", "day": "2025-03-04", "start_time": "09:00", "end_time": "",
        "reason": "Meeting", "action": "save"}).content.decode()

    assert "Give both times, or neither to block the whole day." in page
    assert not HoursOverride.objects.exists()
