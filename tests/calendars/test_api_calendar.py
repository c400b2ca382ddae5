"""GET /api/v1/appointments/{id}/calendar: the .ics for the patient and the staff who may see the
visit (audited), a 404 for everyone else."""

from __future__ import annotations

import icalendar
import pytest

from audit.models import AuditEntry
from scheduling.services.booking import book_appointment
from tests.booking.conftest import at, client_for, desk_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def visit(clinic, people, frozen):
    return book_appointment(
        patient=people.ana, service=clinic.service, location=clinic.location, start=at(9), actor=people.ana.user
    )


def url(visit) -> str:
    return f"/api/v1/appointments/{visit.pk}/calendar"


def test_the_patient_gets_their_visit_as_an_ics(visit, people):
    response = client_for(people.ana.user).get(url(visit), HTTP_ACCEPT="text/calendar")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    [event] = icalendar.Calendar.from_ical(response.content).walk("VEVENT")
    assert event.decoded("dtstart") == at(9)


def test_the_desk_of_the_site_and_the_clinician_on_the_visit_get_it_and_their_read_is_audited(visit, people):
    for user in (people.desk, people.nurse):
        response = client_for(user).get(url(visit))

        assert response.status_code == 200
        assert AuditEntry.objects.filter(
            actor=user, action="read", record_id=str(visit.pk), patient_id=people.ana.pk
        ).exists()


def test_another_patient_and_another_sites_desk_get_a_404(visit, people, clinic):
    other_desk = desk_user("otherdesk", clinic.other_location)
    for user in (people.ben.user, other_desk):
        response = client_for(user).get(url(visit))

        assert response.status_code == 404
        assert response.json()["code"] == "appointment_not_found"
