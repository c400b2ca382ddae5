"""A clinician's private feed: a secret URL (stored hashed, issued again or revoked through the
API), titles without patient names unless the clinic turns initials on, and it follows moves
and cancellations under the same UIDs."""

from __future__ import annotations

import icalendar
import pytest
from django.test import Client

from audit.models import AuditEntry
from calendars.models import FeedSettings, FeedToken
from scheduling.services.booking import book_appointment, reschedule_appointment
from scheduling.services.transitions import cancel_appointment
from tests.booking.conftest import at, client_for, make_clinic, patient_user
from tests.factories import StaffMemberFactory, UserFactory, weekly_hours

pytestmark = pytest.mark.django_db


def events(body: bytes) -> dict[str, icalendar.Event]:
    return {str(event["uid"]): event for event in icalendar.Calendar.from_ical(body).walk("VEVENT")}


def issue(user, staff) -> str:
    response = client_for(user).post(f"/api/v1/staff/{staff.pk}/calendar-feed")
    assert response.status_code == 201, response.content
    return response.json()["url"]


def read(url: str):
    return Client().get(url.replace("http://localhost:8000", ""))


@pytest.fixture
def visit(clinic, people, frozen):
    return book_appointment(
        patient=people.ana, service=clinic.service, location=clinic.location, start=at(9), actor=people.desk
    )


def test_the_feed_parses_names_no_patient_and_follows_a_move_and_a_cancel(visit, clinic, people):
    url = issue(people.nurse, clinic.nurse)
    first = read(url)
    assert first.status_code == 200
    assert first["Content-Type"].startswith("text/calendar")
    [(uid, event)] = events(first.content).items()
    assert event.decoded("dtstart") == at(9)
    assert str(event["summary"]) == clinic.service.name
    assert "Ana" not in first.content.decode() and people.ana.legal_last_name not in first.content.decode()

    moved = reschedule_appointment(appointment=visit, start=at(12), actor=people.desk)
    after_move = events(read(url).content)
    assert list(after_move) == [uid]
    assert after_move[uid].decoded("dtstart") == at(12)
    assert after_move[uid]["sequence"] == event["sequence"] + 1
    assert after_move[uid]["status"] == "CONFIRMED"

    cancel_appointment(appointment=moved, actor=people.desk, reason="Clinic closed")
    after_cancel = events(read(url).content)
    assert list(after_cancel) == [uid]
    assert after_cancel[uid]["status"] == "CANCELLED"
    assert after_cancel[uid]["sequence"] > after_move[uid]["sequence"]


def test_a_clinician_moved_off_a_visit_sees_it_cancelled_and_the_new_one_sees_it(frozen, db):
    clinic = make_clinic(nurses=2)
    ana = patient_user("ana")
    admin = UserFactory(username="admin", role="admin")
    first, second = clinic.nurses
    visit = book_appointment(
        patient=ana, service=clinic.service, location=clinic.location, start=at(9), actor=admin, staff=first
    )
    urls = {nurse.pk: issue(admin, nurse) for nurse in clinic.nurses}
    reschedule_appointment(appointment=visit, start=at(9, 30), actor=admin, staff=second)

    [(uid_first, off)] = events(read(urls[first.pk]).content).items()
    [(uid_second, on)] = events(read(urls[second.pk]).content).items()

    assert uid_first == uid_second
    assert (off["status"], on["status"]) == ("CANCELLED", "CONFIRMED")
    assert on.decoded("dtstart") == at(9, 30)


def test_initials_appear_only_when_the_clinic_turns_them_on(visit, clinic, people):
    url = issue(people.nurse, clinic.nurse)
    settings_row = FeedSettings.current()
    settings_row.show_patient_initials = True
    settings_row.save()

    [event] = events(read(url).content).values()

    assert str(event["summary"]) == f"{clinic.service.name} ({people.ana.initials})"


def test_the_url_is_stored_hashed_and_a_new_one_or_a_revocation_ends_the_old(visit, clinic, people):
    old = issue(people.nurse, clinic.nurse)
    token = old.rsplit("/", 1)[1].removesuffix(".ics")
    assert not FeedToken.objects.filter(token_hash__contains=token).exists()
    assert token not in FeedToken.objects.get().token_hash

    new = issue(people.nurse, clinic.nurse)
    assert read(old).status_code == 404
    assert read(new).status_code == 200

    revoked = client_for(people.nurse).delete(f"/api/v1/staff/{clinic.nurse.pk}/calendar-feed")
    assert revoked.status_code == 204
    assert read(new).status_code == 404
    assert client_for(people.nurse).delete(f"/api/v1/staff/{clinic.nurse.pk}/calendar-feed").status_code == 404


def test_only_the_clinician_or_a_clinic_admin_manages_a_feed(visit, clinic, people):
    other = StaffMemberFactory(display_name="Nurse Other", roles=["nurse"], locations=[clinic.location])
    weekly_hours(staff=other)

    assert client_for(other.user).post(f"/api/v1/staff/{clinic.nurse.pk}/calendar-feed").status_code == 403
    assert client_for(people.desk).post(f"/api/v1/staff/{clinic.nurse.pk}/calendar-feed").status_code == 403
    assert client_for(people.ana.user).post(f"/api/v1/staff/{clinic.nurse.pk}/calendar-feed").status_code == 403
    assert client_for(people.admin).post(f"/api/v1/staff/{clinic.nurse.pk}/calendar-feed").status_code == 201


def test_a_feed_read_is_audited_as_the_clinicians(visit, clinic, people):
    url = issue(people.nurse, clinic.nurse)

    read(url)

    assert AuditEntry.objects.filter(actor=people.nurse, action="read", record_kind="calendars.feed").count() == 1


def test_a_deactivated_clinicians_feed_stops(visit, clinic, people):
    url = issue(people.nurse, clinic.nurse)
    clinic.nurse.active = False
    clinic.nurse.save()

    assert read(url).status_code == 404


def test_an_admin_issues_a_feed_url_in_the_admin_and_sees_it_once(visit, clinic, people, client):
    client.force_login(people.admin)
    people.admin.is_staff = True
    people.admin.is_superuser = True
    people.admin.save()

    response = client.post("/admin/calendars/feedtoken/add/", {"staff": clinic.nurse.pk}, follow=True)

    assert response.status_code == 200
    [message] = [str(m) for m in response.context["messages"] if "shown only now" in str(m)]
    url = message.rsplit(" ", 1)[1]
    assert read(url).status_code == 200
    assert FeedToken.objects.get(staff=clinic.nurse).created_by == people.admin


def test_visits_loaded_without_the_booking_service_are_in_the_feed_under_their_first_bookings_uid(
    clinic, people, frozen
):
    from calendars.models import FeedEntry
    from scheduling.models import Allocation, Phase
    from tests.factories import AppointmentFactory

    first = AppointmentFactory(
        patient=people.ana,
        service=clinic.service,
        location=clinic.location,
        start=at(9),
        end=at(10),
        status="rescheduled",
    )
    moved = AppointmentFactory(
        patient=people.ana, service=clinic.service, location=clinic.location, start=at(11), end=at(12)
    )
    first.rescheduled_to = moved
    first.save()
    Allocation.objects.create(
        appointment=moved,
        phase=Phase.objects.filter(service=clinic.service).first(),
        staff=clinic.nurse,
        start=moved.start,
        end=moved.end,
    )
    assert not FeedEntry.objects.exists()

    [(uid, event)] = events(read(issue(people.nurse, clinic.nurse)).content).items()

    assert uid.startswith(f"appointment-{first.pk}@")
    assert (event["sequence"], event.decoded("dtstart")) == (1, at(11))
