"""After each completed Spravato session a Patient Monitoring Form is due within 7 days; the desk
sees which are due and which are overdue."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from scheduling.models import AppointmentStatus
from tests.care.conftest import at, client_for
from tests.factories import AppointmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def session(clinic, people):
    """A Spravato session on Monday 10 March, completed."""
    return AppointmentFactory(patient=people.ana, service=clinic.spravato, location=clinic.phoenix, start=at(9),
                              end=at(11, 15), status=AppointmentStatus.COMPLETED)


def forms(user, query: str = ""):
    return client_for(user).get(f"/api/v1/care/monitoring-forms{query}").json()


def test_a_completed_session_has_a_form_due_seven_days_later(session, people):
    with time_machine.travel(at(12), tick=False):
        listed = forms(people.desk)

    assert [(f["appointment"], f["session_day"], f["due_on"], f["overdue"]) for f in listed] == [
        (session.pk, "2025-03-10", "2025-03-17", False)]


def test_the_form_is_not_overdue_on_its_due_day(session, people):
    with time_machine.travel(at(18, 30, day=dt.date(2025, 3, 17)), tick=False):
        assert forms(people.desk, "?overdue=true") == []


def test_the_form_is_overdue_from_the_day_after(session, people):
    with time_machine.travel(at(8, day=dt.date(2025, 3, 18)), tick=False):
        overdue = forms(people.desk, "?overdue=true")

    assert [(f["appointment"], f["patient"]["name"], f["overdue"]) for f in overdue] == [(session.pk, "Ana Doe", True)]


def test_a_submitted_form_leaves_the_list(session, people):
    with time_machine.travel(at(8, day=dt.date(2025, 3, 18)), tick=False):
        submitted = client_for(people.desk).post(f"/api/v1/care/monitoring-forms/{session.pk}/submit",
                                                 {"reference": "PMF-0042"}, format="json")
        remaining = forms(people.desk, "?overdue=true")
        everything = forms(people.desk, "?include_submitted=true")

    assert submitted.status_code == 200, submitted.json()
    assert (submitted.json()["submitted_on"], submitted.json()["overdue"]) == ("2025-03-18", False)
    assert remaining == []
    assert [f["reference"] for f in everything] == ["PMF-0042"]


def test_a_form_is_submitted_once(session, people):
    client_for(people.desk).post(f"/api/v1/care/monitoring-forms/{session.pk}/submit", {}, format="json")

    again = client_for(people.desk).post(f"/api/v1/care/monitoring-forms/{session.pk}/submit", {}, format="json")

    assert again.status_code == 409
    assert again.json()["code"] == "form_already_submitted"


def test_sessions_not_completed_and_other_services_have_no_form(clinic, people, session):
    thursday = dt.date(2025, 3, 13)
    AppointmentFactory(patient=people.ana, service=clinic.spravato, location=clinic.phoenix, start=at(9, day=thursday),
                       end=at(11, 15, day=thursday), status=AppointmentStatus.BOOKED)
    AppointmentFactory(patient=people.ana, service=clinic.iv, location=clinic.phoenix, start=at(13), end=at(14, 25),
                       status=AppointmentStatus.COMPLETED)

    with time_machine.travel(at(8, day=dt.date(2025, 3, 20)), tick=False):
        listed = forms(people.desk)

    assert [f["appointment"] for f in listed] == [session.pk]
