"""A patient's own pages: signing in with a code, My appointments, cancelling and moving within
the clinic's policy, and the link every message carries."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from notifications.rendering import appointment_token
from scheduling.models import Appointment, AppointmentStatus as S
from scheduling.services.booking import book_appointment

from .conftest import at, code_sent_to, MONDAY, patient_with_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def ana(clinic):
    return patient_with_user(username="ana", phone="+16025550101", email="ana@example.com", legal_first_name="Ana",
                             state="AZ")


def book(patient, clinic, start, *, location="phoenix"):
    place = clinic.phoenix if location == "phoenix" else None
    return book_appointment(patient=patient, service=clinic.integration, location=place, start=start,
                            actor=patient.user)


def test_my_appointments_asks_to_sign_in_first(client, clinic):
    response = client.get(reverse("web:my-appointments"))

    assert response.status_code == 302 and response.url.startswith(reverse("web:sign-in"))


def test_a_patient_signs_in_with_a_code_and_sees_upcoming_and_past_visits(
        client, clinic, ana, frozen, sms_outbox, django_capture_on_commit_callbacks):
    past = book(ana, clinic, at(9))
    upcoming = book(ana, clinic, at(10, day=MONDAY + dt.timedelta(days=7)))
    frozen.shift(dt.timedelta(hours=3))  # the 9:00 visit is over

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("web:sign-in"), {"destination": "(602) 555-0101"})
    assert response.url == reverse("web:sign-in-code")
    assert "ending in 0101" in client.get(response.url).content.decode()
    signed_in = client.post(reverse("web:sign-in-code"), {"code": code_sent_to(sms_outbox, "+16025550101")})
    page = client.get(signed_in.url).content.decode()

    assert signed_in.url == reverse("web:my-appointments")
    assert f'id="visit-{upcoming.pk}"' in page and "Monday, March 10, 2025, 10:00 AM" in page
    assert "Past visits" in page and f'id="visit-{past.pk}"' not in page  # past ones are rows, not cards
    assert page.count("Monday, March 3, 2025, 9:00 AM") == 1


def test_an_unknown_number_gets_the_same_answer_and_no_text(
        client, clinic, frozen, sms_outbox, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("web:sign-in"), {"destination": "602-555-0999"})

    assert response.url == reverse("web:sign-in-code")
    assert "If the mobile number ending in 0999 belongs to one of our patients" in \
        client.get(response.url).content.decode()
    assert sms_outbox == []
    assert "not valid" in client.post(response.url, {"code": "123456"}).content.decode()


def test_a_patient_cancels_before_the_window_closes(client, clinic, ana, frozen):
    visit = book(ana, clinic, at(10, day=MONDAY + dt.timedelta(days=3)))
    client.force_login(ana.user)

    page = client.get(reverse("web:cancel", args=[visit.pk])).content.decode()
    response = client.post(reverse("web:cancel", args=[visit.pk]), {"reason": "Feeling better"})

    assert "counts as a late cancellation" in page
    visit.refresh_from_db()
    assert response.url == reverse("web:my-appointments")
    assert visit.status == S.CANCELLED and not visit.late_cancellation and visit.cancel_reason == "Feeling better"


def test_inside_the_window_the_patient_is_asked_to_call_and_nothing_changes(client, clinic, ana, frozen):
    visit = book(ana, clinic, at(10, day=MONDAY + dt.timedelta(days=1)))  # 26 hours ahead
    frozen.shift(dt.timedelta(hours=3))  # now 23 hours ahead: inside the 24-hour window
    client.force_login(ana.user)

    listing = client.get(reverse("web:my-appointments")).content.decode()
    client.post(reverse("web:cancel", args=[visit.pk]))

    assert "It is too late to change this visit online" in listing
    assert Appointment.objects.get(pk=visit.pk).status == S.BOOKED


def test_a_patient_moves_a_visit_to_another_offered_time(client, clinic, ana, frozen):
    visit = book(ana, clinic, at(10, day=MONDAY + dt.timedelta(days=3)))
    client.force_login(ana.user)
    new_start = at(14, day=MONDAY + dt.timedelta(days=3))

    page = client.get(reverse("web:reschedule", args=[visit.pk]), {"day": new_start.date().isoformat()})
    assert 'value="2025-03-06T21:00:00Z"' in page.content.decode()
    response = client.post(reverse("web:reschedule", args=[visit.pk]), {"slot": "2025-03-06T21:00:00Z"})

    moved = Appointment.objects.get(status=S.BOOKED)
    assert moved.start == new_start and response.url == reverse("web:booked", args=[moved.pk])
    assert Appointment.objects.get(pk=visit.pk).status == S.RESCHEDULED


def test_a_patient_never_sees_another_patients_visit(client, clinic, ana, frozen):
    ben = patient_with_user(username="ben", phone="+16025550102", state="AZ")
    theirs = book(ben, clinic, at(10, day=MONDAY + dt.timedelta(days=3)))
    client.force_login(ana.user)

    assert client.get(reverse("web:cancel", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("web:booked", args=[theirs.pk])).status_code == 404
    assert f"visit-{theirs.pk}" not in client.get(reverse("web:my-appointments")).content.decode()


def test_the_link_in_a_message_offers_a_code_to_the_number_on_record(
        client, clinic, ana, frozen, sms_outbox, django_capture_on_commit_callbacks):
    visit = book(ana, clinic, at(10, day=MONDAY + dt.timedelta(days=3)))
    url = reverse("web:manage", args=[appointment_token(visit)])

    page = client.get(url).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        sent = client.post(url)
    signed_in = client.post(sent.url, {"code": code_sent_to(sms_outbox, "+16025550101")})

    assert "Thursday, March 6, 2025, 10:00 AM" in page and ana.legal_last_name not in page
    assert signed_in.url == f"{reverse('web:my-appointments')}#visit-{visit.pk}"
    assert client.get(reverse("web:manage", args=["not-a-token"])).status_code == 404


def test_a_video_visit_shows_its_join_button_only_once_the_window_opens(client, clinic, ana, frozen):
    visit = book(ana, clinic, at(10), location="video")
    client.force_login(ana.user)

    before = client.get(reverse("web:my-appointments")).content.decode()
    frozen.move_to(at(9, 50))
    during = client.get(reverse("web:my-appointments")).content.decode()

    assert "The join button appears here at 9:45 AM" in before and "Join the video visit" not in before
    assert "Join the video visit" in during and "/visit/" in during
    assert visit.location is None


def test_staff_cannot_use_the_patient_pages(client, clinic):
    client.force_login(clinic.desk)

    assert client.get(reverse("web:my-appointments")).status_code == 403
