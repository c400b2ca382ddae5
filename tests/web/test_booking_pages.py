"""Booking online from the public pages: what is offered, holding the time while the patient
confirms their number, and what happens when the time is lost or the number is someone else's."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse
from rest_framework.settings import api_settings

from scheduling.models import Appointment, AppointmentStatus as S, Patient
from tests.factories import PatientFactory

from .conftest import at, code_sent_to, NOW, patient_with_user

pytestmark = pytest.mark.django_db

DETAILS = {"first_name": "Rosa", "last_name": "Reyes", "date_of_birth": "1988-04-02", "phone": "602-555-0177",
           "email": "rosa@example.com", "state": "AZ", "language": "en", "sms_consent": "on"}


def slot_value(start: dt.datetime) -> str:
    return start.strftime("%Y-%m-%dT%H:%M:%SZ")


def choose(client, *, code="integration", where=None, start=None, state="AZ"):
    """Open the times page (which remembers the choice) and pick `start`."""
    where = where or "video"
    query = {"state": state} if where == "video" else {}
    assert client.get(reverse("web:times", args=[code, where]), query).status_code == 200
    return client.post(reverse("web:pick", args=[code, where]), {"slot": slot_value(start)})


def main_part(page: str) -> str:
    """The page's main content without its CSRF tokens."""
    main = page[page.index("<main"):page.index("</main>")]
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", main)


def send_details(client, django_capture_on_commit_callbacks, **changes):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(reverse("web:details"), {**DETAILS, **changes})


def test_the_start_page_lists_only_services_booked_online_in_plain_words(client, clinic):
    page = client.get("/").content.decode()

    assert "Integration session" in page and "IV infusion session" in page
    assert "Check-up" not in page  # staff-only
    assert "make sense of the experience" in page


def test_the_times_page_shows_the_earliest_times_first_with_the_zone_named(client, clinic, frozen):
    page = client.get(reverse("web:times", args=["integration", clinic.phoenix.pk])).content.decode()

    assert "Times are shown in Arizona time (MST)" in page
    # 60 minutes' notice from 08:00: the first time is 09:00 on the Phoenix clock.
    earliest = page.index("Earliest times")
    assert page.index("9:00 AM", earliest) < page.index("9:15 AM", earliest)
    assert 'value="2025-03-03T16:00:00Z"' in page


def test_a_video_visit_asks_for_the_state_before_offering_times(client, clinic, frozen):
    url = reverse("web:times", args=["integration", "video"])

    before = client.get(url).content.decode()
    after = client.get(url, {"state": "AZ"}).content.decode()

    assert "Where will you be?" in before and "Earliest times" not in before
    assert "Earliest times" in after
    # Nobody is licensed in Texas: no clinician may see a patient there by video.
    assert "There are no free times" in client.get(url, {"state": "TX"}).content.decode()


def test_a_new_patient_gets_a_hold_and_a_code_and_the_code_books_the_visit(
        client, clinic, frozen, sms_outbox, django_capture_on_commit_callbacks):
    assert choose(client, start=at(10)).url == reverse("web:details")

    response = send_details(client, django_capture_on_commit_callbacks)

    assert response.url == reverse("web:verify")
    hold = Appointment.objects.get(status=S.HELD)
    assert hold.start == at(10) and hold.location is None and hold.patient.legal_first_name == "Rosa"
    page = client.get(reverse("web:verify")).content.decode()
    assert "ending in 0177" in page and "held for you until" in page

    with django_capture_on_commit_callbacks(execute=True):
        done = client.post(reverse("web:verify"), {"code": code_sent_to(sms_outbox, "+16025550177")})

    booked = Appointment.objects.get(pk=hold.pk)
    assert booked.status == S.BOOKED and done.url == reverse("web:booked", args=[booked.pk])
    assert booked.patient.sms_consent and booked.patient.sms_consent_source == "web_form"
    confirmation = client.get(done.url).content.decode()
    assert "You are booked" in confirmation and "Joining by video" in confirmation
    assert "Be in Arizona during the visit" in confirmation


def test_a_wrong_code_books_nothing_and_says_so(client, clinic, frozen, django_capture_on_commit_callbacks):
    choose(client, start=at(10))
    send_details(client, django_capture_on_commit_callbacks)

    page = client.post(reverse("web:verify"), {"code": "000000"}).content.decode()

    assert "That code is not valid or has expired" in page
    assert Appointment.objects.get().status == S.HELD


def test_the_answer_is_the_same_whether_or_not_the_number_is_a_patients(
        client, clinic, frozen, sms_outbox, django_capture_on_commit_callbacks):
    PatientFactory(phone="+16025550177", date_of_birth=dt.date(1960, 1, 1))
    choose(client, start=at(10))
    known = send_details(client, django_capture_on_commit_callbacks)
    known_page = client.get(reverse("web:verify")).content.decode()

    other = client.__class__()
    choose(other, start=at(11))
    unknown = send_details(other, django_capture_on_commit_callbacks, phone="602-555-0178")
    unknown_page = other.get(reverse("web:verify")).content.decode()

    assert known.status_code == unknown.status_code == 302 and known.url == unknown.url
    assert main_part(known_page).replace("0177", "XXXX") == \
        main_part(unknown_page).replace("0178", "XXXX").replace("11:0", "10:0")
    # The draft behind the hold never takes a number another patient has.
    assert Patient.objects.filter(phone="+16025550177").count() == 1


def test_the_owner_of_a_number_on_record_books_for_their_own_record(
        client, clinic, frozen, sms_outbox, django_capture_on_commit_callbacks):
    rosa = PatientFactory(phone="+16025550177", date_of_birth=dt.date(1988, 4, 2), legal_first_name="Rosa")
    choose(client, start=at(10))
    send_details(client, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("web:verify"), {"code": code_sent_to(sms_outbox, "+16025550177")})

    booked = Appointment.objects.get(status=S.BOOKED)
    assert booked.patient == rosa and booked.start == at(10)
    assert Appointment.objects.get(status=S.CANCELLED).patient != rosa  # the draft's hold, released


def test_someone_else_with_that_number_books_nothing_and_is_asked_to_call(
        client, clinic, frozen, sms_outbox, django_capture_on_commit_callbacks):
    other = patient_with_user(phone="+16025550177", date_of_birth=dt.date(1960, 1, 1))
    other.user.last_login = NOW - dt.timedelta(days=30)
    other.user.save()
    choose(client, start=at(10))
    send_details(client, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        page = client.post(reverse("web:verify"), {"code": code_sent_to(sms_outbox, "+16025550177")})

    assert "on file for another patient" in page.content.decode()
    assert not Appointment.objects.filter(status__in=(S.BOOKED, S.HELD)).exists()
    assert "_auth_user_id" not in client.session


def test_a_time_taken_while_the_form_was_filled_shows_the_next_times(
        client, clinic, frozen, django_capture_on_commit_callbacks):
    choose(client, start=at(10))
    rival = client.__class__()
    choose(rival, start=at(10))
    send_details(rival, django_capture_on_commit_callbacks, phone="602-555-0199")

    response = send_details(client, django_capture_on_commit_callbacks)

    assert response.url == reverse("web:lost")
    page = client.get(response.url).content.decode()
    assert "That time is no longer free" in page
    assert "Lucía Fernández is booked" in page  # the engine's own reason
    # The therapist is busy until 10:50; the next start on her 15-minute grid is 11:00.
    assert 'value="2025-03-03T18:00:00Z"' in page
    assert "Traceback" not in page


def test_a_draft_left_with_a_number_is_taken_over_by_whoever_proves_the_number(
        client, clinic, frozen, sms_outbox, django_capture_on_commit_callbacks):
    typo = client.__class__()
    choose(typo, start=at(11))
    send_details(typo, django_capture_on_commit_callbacks, first_name="Ann", date_of_birth="1970-01-01")
    choose(client, start=at(10))
    send_details(client, django_capture_on_commit_callbacks)

    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("web:verify"), {"code": code_sent_to(sms_outbox, "+16025550177")})

    booked = Appointment.objects.get(status=S.BOOKED)
    assert booked.start == at(10)
    assert booked.patient.legal_first_name == "Rosa" and booked.patient.date_of_birth == dt.date(1988, 4, 2)
    assert Patient.objects.filter(phone="+16025550177").count() == 1


def test_a_dosing_visit_is_booked_online_only_after_signing_in(client, clinic, frozen):
    times = client.get(reverse("web:times", args=["iv-infusion", clinic.phoenix.pk]))
    picked = client.post(reverse("web:pick", args=["iv-infusion", clinic.phoenix.pk]), {"slot": slot_value(at(10))})

    # A visitor's times lead to the page that says the treatment starts with an evaluation.
    assert times.url == reverse("web:place", args=["iv-infusion"])
    assert picked.url == reverse("web:times", args=["iv-infusion", clinic.phoenix.pk])
    assert not Appointment.objects.exists()


def test_a_signed_in_patient_holds_at_once_and_confirms(client, clinic, frozen):
    ana = patient_with_user(phone="+16025550101", state="AZ")
    client.force_login(ana.user)

    response = choose(client, start=at(10))

    assert response.url == reverse("web:review")
    assert Appointment.objects.get().status == S.HELD
    page = client.get(reverse("web:review")).content.decode()
    assert "held for you until" in page and "Reply STOP" in page

    done = client.post(reverse("web:review"), {"sms_consent": "1"})

    appointment = Appointment.objects.get()
    assert appointment.status == S.BOOKED and done.url == reverse("web:booked", args=[appointment.pk])
    ana.refresh_from_db()
    assert ana.sms_consent


def test_a_hold_that_lapsed_is_booked_anyway_when_the_time_is_still_free(client, clinic, frozen):
    ana = patient_with_user(phone="+16025550101", state="AZ")
    client.force_login(ana.user)
    choose(client, start=at(10))

    frozen.shift(dt.timedelta(minutes=30))
    client.post(reverse("web:review"))

    assert sorted(Appointment.objects.values_list("status", flat=True)) == [S.BOOKED, S.EXPIRED]
    assert Appointment.objects.get(status=S.BOOKED).start == at(10)


def test_forms_refuse_a_post_without_the_csrf_token(clinic, frozen):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    strict.get(reverse("web:times", args=["integration", "video"]), {"state": "AZ"})

    response = strict.post(reverse("web:pick", args=["integration", "video"]), {"slot": slot_value(at(10))})

    assert response.status_code == 403
    assert "This form has expired" in response.content.decode()


def test_pages_and_the_api_share_one_limit_on_codes_per_connection(
        client, clinic, frozen, django_capture_on_commit_callbacks):
    limit = int(api_settings.DEFAULT_THROTTLE_RATES["otp_request_ip"].split("/")[0])
    for n in range(limit):
        client.post("/api/v1/auth/code", {"destination": f"+1602555{1000 + n}"}, content_type="application/json")
    choose(client, start=at(10))

    page = send_details(client, django_capture_on_commit_callbacks).content.decode()

    assert "Too many codes were asked for from this connection" in page
    assert not Appointment.objects.exists()
