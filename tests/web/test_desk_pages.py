"""The front desk's pages: who may open them, the day and week views, booking for a caller,
the actions on one visit with their clean refusals, and the messages about it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from notifications.models import InboundMessage, OutboundMessage
from scheduling.models import Appointment, AppointmentStatus as S, Patient
from scheduling.services.booking import book_appointment

from .conftest import at, MONDAY, patient_with_user

pytestmark = pytest.mark.django_db

TUESDAY = MONDAY + dt.timedelta(days=1)


@pytest.fixture
def ana(clinic):
    return patient_with_user(username="ana", phone="+16025550101", legal_first_name="Ana", legal_last_name="Lopez",
                             state="AZ")


@pytest.fixture
def desk(client, clinic):
    client.force_login(clinic.desk)
    return client


def infusion(patient, clinic, start):
    return book_appointment(patient=patient, service=clinic.integration, location=clinic.phoenix, start=start,
                            actor=clinic.desk)


def test_desk_pages_send_visitors_to_the_staff_sign_in(client, clinic):
    response = client.get(reverse("web:desk-day"))

    assert response.status_code == 302 and response.url.startswith(reverse("web:desk-login"))


def test_staff_sign_in_with_a_password_and_patients_cannot(client, clinic, ana):
    clinic.desk.set_password("a-long-desk-password")
    clinic.desk.save()
    ana.user.set_password("a-long-patient-password")
    ana.user.save()

    refused = client.post(reverse("web:desk-login"), {"username": "ana", "password": "a-long-patient-password"})
    accepted = client.post(reverse("web:desk-login"), {"username": "desk", "password": "a-long-desk-password"})

    assert "This sign-in is for clinic staff" in refused.content.decode()
    assert accepted.status_code == 302 and accepted.url == "/desk/"


def test_a_patient_gets_403_on_every_desk_page(client, clinic, ana):
    client.force_login(ana.user)

    for name in ("web:desk-day", "web:desk-week", "web:desk-floor", "web:desk-inbox", "web:desk-find-patient"):
        assert client.get(reverse(name)).status_code == 403, name


def test_a_clinician_may_look_but_not_book_or_act(client, clinic, ana, frozen):
    visit = infusion(ana, clinic, at(10))
    client.force_login(clinic.clinician)

    assert client.get(reverse("web:desk-day")).status_code == 200
    assert client.get(reverse("web:desk-find-patient")).status_code == 403
    assert client.post(reverse("web:desk-check-in", args=[visit.pk])).status_code == 403
    assert Appointment.objects.get(pk=visit.pk).status == S.BOOKED


def test_the_day_view_has_a_column_per_chair_room_and_clinician_with_labelled_visits(desk, clinic, ana, frozen):
    infusion(ana, clinic, at(10))

    page = desk.get(reverse("web:desk-day"), {"location": clinic.phoenix.pk, "date": "2025-03-03"}).content.decode()

    for column in ("Chair 1", "Chair 2", "Therapy room 1", "Nurse Kim", "Lucía Fernández"):
        assert f"<strong>{column}</strong>" in page
    calendar = page.split('<div class="day-grid">')[1].split('<section class="agenda"')[0]
    assert calendar.count("Ana Lopez") == 2  # in the therapy room's column and the therapist's
    assert "Booked" in page and "10:00 AM–10:50 AM" in page
    assert "Times in Arizona time (MST)" in page
    assert 'class="now-line"' in page  # 08:00 is inside the day shown


def test_the_week_view_shows_one_clinicians_visits_by_day(desk, clinic, ana, frozen):
    infusion(ana, clinic, at(10, day=TUESDAY))

    page = desk.get(reverse("web:desk-week"), {"staff": clinic.therapist.pk, "date": "2025-03-05"}).content.decode()

    assert "Lucía Fernández · week of Monday, March 3, 2025" in page
    assert "Tue, Mar 4" in page and "Ana Lopez" in page


def test_a_desk_user_books_a_caller_found_by_phone(desk, clinic, ana, frozen, caplog):
    with caplog.at_level("INFO", logger="clearday.audit"):
        found = desk.get(reverse("web:desk-find-patient"), {"q": "602 555 0101"}).content.decode()
    assert "Ana Lopez" in found
    assert f"user {clinic.desk.pk} read patient {ana.pk}: patient search" in caplog.text

    url = reverse("web:desk-book", args=[ana.pk])
    query = {"service": clinic.check_up.pk, "where": clinic.phoenix.pk, "day": "2025-03-04"}
    page = desk.get(url, query).content.decode()
    assert 'value="2025-03-04T16:00:00Z"' in page  # staff-only services are offered to the desk
    response = desk.post(f"{url}?service={clinic.check_up.pk}&where={clinic.phoenix.pk}",
                         {"slot": "2025-03-04T16:00:00Z", "channel": "phone", "staff_notes": "Prefers mornings"})

    visit = Appointment.objects.get()
    assert response.url == reverse("web:desk-appointment", args=[visit.pk])
    assert visit.channel == "phone" and visit.staff_notes == "Prefers mornings" and visit.booked_by == clinic.desk


def test_a_new_caller_is_added_with_their_verbal_consent(desk, clinic):
    response = desk.post(reverse("web:desk-find-patient"), {
        "first_name": "Luis", "last_name": "Ortega", "date_of_birth": "1975-09-09", "phone": "(602) 555-0123",
        "email": "", "state": "AZ", "time_zone": "America/Phoenix", "language": "es", "sms_consent": "on"})

    luis = Patient.objects.get(legal_first_name="Luis")
    assert response.url == reverse("web:desk-book", args=[luis.pk])
    assert str(luis.phone) == "+16025550123" and luis.sms_consent and luis.sms_consent_source == "front_desk"


def test_the_desk_books_a_time_not_offered_only_with_a_reason(desk, clinic, ana, frozen):
    url = f"{reverse('web:desk-book', args=[ana.pk])}?service={clinic.integration.pk}&where={clinic.phoenix.pk}"

    # 08:15 is inside the service's 60 minutes' notice: refused without a reason, booked with one.
    desk.post(url, {"day": "2025-03-03", "time": "08:15", "override_reason": ""})
    assert not Appointment.objects.exists()
    desk.post(url, {"day": "2025-03-03", "time": "08:15", "override_reason": "Walk-in, therapist agreed"})

    visit = Appointment.objects.get()
    assert visit.start == at(8, 15)
    assert visit.events.get().reason == "Walk-in, therapist agreed"


def test_a_taken_time_shows_the_engines_conflict_message(desk, clinic, ana, frozen):
    ben = patient_with_user(username="ben", phone="+16025550102", state="AZ")
    infusion(ben, clinic, at(10))
    url = f"{reverse('web:desk-book', args=[ana.pk])}?service={clinic.integration.pk}&where={clinic.phoenix.pk}"

    page = desk.post(url, {"slot": "2025-03-03T17:00:00Z", "channel": "phone"}).content.decode()

    assert ("Therapy room 1 is taken Mon 03 Mar 2025 10:00-10:50 MST." in page
            or "Lucía Fernández is booked Mon 03 Mar 2025 10:00-10:50 MST." in page)
    assert Appointment.objects.count() == 1


def test_moving_a_visit_moves_its_pending_reminders(desk, clinic, ana, frozen):
    visit = infusion(ana, clinic, at(10, day=MONDAY + dt.timedelta(days=4)))
    before = OutboundMessage.objects.get(appointment=visit, kind="reminder_24h", channel="sms")

    response = desk.post(reverse("web:desk-move", args=[visit.pk]), {"slot": "2025-03-08T21:00:00Z", "reason": "Asked"})

    moved = Appointment.objects.get(status=S.BOOKED)
    assert response.url == reverse("web:desk-appointment", args=[moved.pk])
    before.refresh_from_db()
    assert before.status == "superseded"
    after = OutboundMessage.objects.get(appointment=moved, kind="reminder_24h", channel="sms")
    assert after.status == "planned" and after.due_at == moved.start - dt.timedelta(hours=24)


def test_moving_onto_a_taken_time_says_what_is_in_the_way(desk, clinic, ana, frozen):
    visit = infusion(ana, clinic, at(10, day=TUESDAY))
    ben = patient_with_user(username="ben", phone="+16025550102", state="AZ")
    infusion(ben, clinic, at(14, day=TUESDAY))

    page = desk.post(reverse("web:desk-move", args=[visit.pk]), {"slot": "2025-03-04T21:00:00Z"}).content.decode()

    assert "is taken Tue 04 Mar 2025 14:00-14:50 MST" in page or "is booked Tue 04 Mar 2025 14:00-14:50 MST" in page
    assert Appointment.objects.get(pk=visit.pk).status == S.BOOKED


def test_check_in_then_complete_and_a_second_check_in_is_refused_in_words(desk, clinic, ana, frozen):
    visit = infusion(ana, clinic, at(10))
    url = reverse("web:desk-appointment", args=[visit.pk])

    frozen.move_to(at(9, 40))
    desk.post(reverse("web:desk-check-in", args=[visit.pk]))
    again = desk.post(reverse("web:desk-check-in", args=[visit.pk]), follow=True).content.decode()
    frozen.move_to(at(10, 50))
    desk.post(reverse("web:desk-complete", args=[visit.pk]))

    assert "This appointment is checked in; it cannot change from checked in to checked in." in again
    assert Appointment.objects.get(pk=visit.pk).status == S.COMPLETED
    assert "Completed" in desk.get(url).content.decode()


def test_an_early_check_in_or_completion_is_refused_in_words_and_the_desk_retries_with_a_reason(
        desk, clinic, ana, frozen):
    visit = infusion(ana, clinic, at(10))  # it is 8:00: check-in opens at 9:00
    url = reverse("web:desk-appointment", args=[visit.pk])

    early = desk.post(reverse("web:desk-check-in", args=[visit.pk]), follow=True).content.decode()
    desk.post(reverse("web:desk-check-in", args=[visit.pk]), {"override_reason": "Came early for labs"})
    not_started = desk.post(reverse("web:desk-complete", args=[visit.pk]), follow=True).content.decode()
    desk.post(reverse("web:desk-complete", args=[visit.pk]), {"override_reason": "Visit done by phone"})

    assert "Check-in for this visit opens at Mon 03 Mar 2025 09:00 MST" in early
    assert 'name="override_reason"' in early  # the reason field to retry with
    assert "it can be marked completed only after that" in not_started and "Mark complete anyway" in not_started
    visit.refresh_from_db()
    assert visit.status == S.COMPLETED
    assert list(visit.events.values_list("action", "reason")) == [
        ("booked", ""), ("checked_in", "Came early for labs"), ("completed", "Visit done by phone")]
    assert "Visit done by phone" in desk.get(url).content.decode()


def test_a_no_show_only_after_the_start_and_a_cancel_needs_a_reason(desk, clinic, ana, frozen):
    visit = infusion(ana, clinic, at(10))

    early = desk.post(reverse("web:desk-no-show", args=[visit.pk]), follow=True).content.decode()
    no_reason = desk.post(reverse("web:desk-cancel", args=[visit.pk]), {"cancelled_by": "clinic", "reason": ""})
    desk.post(reverse("web:desk-cancel", args=[visit.pk]), {"cancelled_by": "patient", "reason": "Called in sick"})

    assert "it can be marked a no-show only after that" in early
    assert no_reason.status_code == 400
    visit.refresh_from_db()
    assert visit.status == S.CANCELLED and visit.cancel_reason == "Called in sick" and visit.cancelled_by == "patient"


def test_the_visit_page_lists_messages_and_replies_and_the_read_is_audited(desk, clinic, ana, frozen, caplog):
    visit = infusion(ana, clinic, at(10, day=MONDAY + dt.timedelta(days=4)))
    InboundMessage.objects.create(provider_id="SM1", from_number="+16025550101", body="Can we do later?",
                                  received_at=at(9), patient=ana, appointment=visit, action="other",
                                  needs_attention=True, attention_reason="A reply that is not a keyword.")

    with caplog.at_level("INFO", logger="clearday.audit"):
        page = desk.get(reverse("web:desk-appointment", args=[visit.pk])).content.decode()

    assert f"read appointment {visit.pk} of patient {ana.pk}" in caplog.text
    assert "reminder_24h" in page and "Planned" in page
    assert "Can we do later?" in page and "needs a person" in page


def test_the_inbox_lists_replies_needing_a_person_and_marks_them_handled(desk, clinic, ana, frozen):
    reply = InboundMessage.objects.create(provider_id="SM2", from_number="+16025550101", body="Who is this?",
                                          received_at=at(7), patient=ana, action="other", needs_attention=True)

    page = desk.get(reverse("web:desk-inbox")).content.decode()
    desk.post(reverse("web:desk-inbox-handled", args=[reply.pk]))

    assert "Who is this?" in page
    reply.refresh_from_db()
    assert reply.handled_by == clinic.desk
    assert "Who is this?" not in desk.get(reverse("web:desk-inbox")).content.decode()


def test_a_desk_only_sees_visits_at_its_own_locations(client, clinic, ana, frozen):
    from tests.factories import LocationFactory, StaffMemberFactory, UserFactory

    tucson = LocationFactory(name="Tucson")
    other_desk = UserFactory(username="tucson-desk", role="front_desk")
    StaffMemberFactory(user=other_desk, roles=["front_desk"], locations=[tucson])
    visit = infusion(ana, clinic, at(10))
    client.force_login(other_desk)

    assert client.get(reverse("web:desk-appointment", args=[visit.pk])).status_code == 404
    assert client.post(reverse("web:desk-cancel", args=[visit.pk]),
                       {"cancelled_by": "clinic", "reason": "x"}).status_code == 404
