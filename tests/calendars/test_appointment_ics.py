"""One visit as an .ics: it parses with icalendar, names the clinic but no clinical word, is at
the site's address (or the visit page for video), keeps its UID across a move with a growing
SEQUENCE, and says CANCELLED once cancelled."""

from __future__ import annotations

import datetime as dt

import icalendar
import pytest
from django.urls import reverse

from calendars import ics
from notifications.models import MessagingPolicy
from notifications.rendering import appointment_token, deny_listed_words
from scheduling.services.booking import book_appointment, reschedule_appointment
from scheduling.services.transitions import cancel_appointment
from tests.booking.conftest import at
from tests.factories import video_therapy_service

pytestmark = pytest.mark.django_db


def only_event(body: bytes) -> icalendar.Event:
    calendar = icalendar.Calendar.from_ical(body)
    events = list(calendar.walk("VEVENT"))
    assert len(events) == 1
    return events[0]


@pytest.fixture
def brand(db):
    policy = MessagingPolicy.current()
    policy.brand_name = "Desert Sunrise"
    policy.save()
    return policy.brand_name


@pytest.fixture
def visit(clinic, people, frozen, brand):
    clinic.location.address = "100 N Central Ave\nPhoenix, AZ 85004"
    clinic.location.save()
    return book_appointment(
        patient=people.ana, service=clinic.service, location=clinic.location, start=at(9), actor=people.ana.user
    )


def test_a_visit_parses_names_the_clinic_and_its_address_and_no_clinical_word(visit, brand):
    event = only_event(ics.appointment_calendar(visit))

    assert str(event["summary"]) == f"Appointment at {brand}"
    assert not deny_listed_words(str(event["summary"]))
    assert "infusion" not in ics.appointment_calendar(visit).decode().lower()
    assert str(event["location"]) == "100 N Central Ave, Phoenix, AZ 85004"
    assert event.decoded("dtstart") == at(9)
    assert event.decoded("dtend") == visit.end
    assert event["status"] == "CONFIRMED"
    assert event["sequence"] == 0
    assert str(event["uid"]) == f"appointment-{visit.pk}@{ics.event_uid(visit.pk).split('@')[1]}"
    assert event.decoded("dtstamp") == visit.updated_at


def test_the_title_follows_the_patients_language(visit, brand):
    event = only_event(ics.appointment_calendar(visit, language="es"))

    assert str(event["summary"]) == f"Cita en {brand}"


def test_a_moved_visit_keeps_its_uid_and_its_sequence_grows(visit, people):
    before = only_event(ics.appointment_calendar(visit))
    moved = reschedule_appointment(appointment=visit, start=at(11), actor=people.desk)
    moved_again = reschedule_appointment(appointment=moved, start=at(13), actor=people.desk)

    after = only_event(ics.appointment_calendar(moved_again))
    visit.refresh_from_db()
    from_the_old_row = only_event(ics.appointment_calendar(visit))

    assert after["uid"] == before["uid"]
    assert after["sequence"] == 2
    assert after.decoded("dtstart") == at(13)
    assert from_the_old_row.decoded("dtstart") == at(13)  # an old link shows where the visit is now


def test_a_cancelled_visit_is_the_same_event_marked_cancelled(visit, people):
    before = only_event(ics.appointment_calendar(visit))
    cancel_appointment(appointment=visit, actor=people.desk, reason="Clinic closed")
    visit.refresh_from_db()

    after = only_event(ics.appointment_calendar(visit))

    assert after["uid"] == before["uid"]
    assert after["status"] == "CANCELLED"
    assert after["sequence"] > before["sequence"]


def test_a_video_visit_is_at_the_visit_page(clinic, people, frozen, settings, brand):
    settings.PUBLIC_BASE_URL = "https://clinic.example"
    from tests.factories import StaffMemberFactory, weekly_hours

    therapist = StaffMemberFactory(
        display_name="Dr. Vega", roles=["therapist"], licensed_states=["AZ"], time_zone="America/Phoenix"
    )
    weekly_hours(staff=therapist, start=dt.time(7), end=dt.time(19))
    service = video_therapy_service(code="integration-video")
    people.ana.state = "AZ"
    people.ana.save()
    visit = book_appointment(patient=people.ana, service=service, location=None, start=at(10), actor=people.desk)

    event = only_event(ics.appointment_calendar(visit))

    assert str(event["location"]).startswith("https://clinic.example/visit/")
    assert str(event["url"]) == str(event["location"])


def test_the_patient_downloads_it_from_my_appointments_and_from_the_link_in_a_text(client, visit, people):
    client.force_login(people.ana.user)
    mine = client.get(reverse("web:visit-calendar", args=[visit.pk]))
    client.logout()
    token = appointment_token(visit)
    from_link = client.get(reverse("web:manage-calendar", args=[token]))

    for response in (mine, from_link):
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/calendar")
        assert "attachment" in response["Content-Disposition"]
        assert only_event(response.content)["uid"] == only_event(ics.appointment_calendar(visit))["uid"]


def test_another_patient_gets_no_calendar_for_a_visit_not_theirs(client, visit, people):
    client.force_login(people.ben.user)

    assert client.get(reverse("web:visit-calendar", args=[visit.pk])).status_code == 404
    assert client.get(reverse("web:manage-calendar", args=[appointment_token(visit)])).status_code == 404
    assert client.get(reverse("web:manage-calendar", args=["not-a-token"])).status_code == 404
