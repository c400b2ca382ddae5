"""CANCEL, cancel requests and plain-language opt-outs, through the signed webhook: the patient is
opted out once, told in one text what happened to the visit and how to cancel it, and the desk
inbox shows the visit for a call."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from notifications.models import ConsentEvent, InboundMessage, MessageStatus as M, OutboundMessage
from notifications.rendering import deny_listed_words
from notifications.segments import count_segments
from scheduling.models import AppointmentEvent
from tests.factories import PatientFactory, StaffMemberFactory, UserFactory
from tests.notifications.conftest import book, NOW, rows, run_dispatcher, texts_to
from tests.notifications.test_webhooks import text_in

pytestmark = pytest.mark.django_db
STRANGER = "+15005550006"


def one_text_to(number: str) -> str:
    run_dispatcher()
    [text] = texts_to(number)
    counted = count_segments(text)
    assert (counted.encoding, counted.segments) == ("GSM-7", 1), text
    assert deny_listed_words(text) == [], text
    return text


def consent_history(patient=None, phone=None):
    events = ConsentEvent.objects.filter(patient=patient) if patient else ConsentEvent.objects.filter(phone=phone)
    return [(e.action, e.source, e.detail) for e in events]


# --- CANCEL and cancel requests ---------------------------------------------------------------


@pytest.mark.parametrize("body", ["CANCEL", "Cancel my appointment", "cancel my appt please"])
def test_cancel_opts_out_and_says_the_visit_is_still_booked_and_how_to_cancel_it(clock, patient, body):
    appointment = book(patient=patient)

    text_in(str(patient.phone), body)

    patient.refresh_from_db()
    assert patient.sms_opted_out
    assert [action for action, _, _ in consent_history(patient)] == ["revoked"]
    assert one_text_to(str(patient.phone)) == (
        "Clearday Clinic: texts stopped. Your visit Fri Mar 7, 10:00 AM is still booked. "
        "To cancel it, call (602) 555-0100."
    )
    inbound = InboundMessage.objects.get()
    assert (inbound.action, inbound.needs_attention, inbound.appointment) == ("stop", True, appointment)
    assert AppointmentEvent.objects.get(appointment=appointment).action == "cancel_requested"


@pytest.mark.parametrize("body", ["CANCELAR", "cancelar mi cita", "¿Pueden cancelar mi cita?"])
def test_a_spanish_cancel_request_is_answered_in_spanish_with_the_visit_and_the_phone(clock, body):
    patient = PatientFactory(
        phone="+16025550124", email="", time_zone="America/Phoenix", state="AZ", language="es", sms_consent=True
    )
    book(patient=patient)

    text_in(str(patient.phone), body)

    assert one_text_to(str(patient.phone)) == (
        "Clearday Clinic: ya no recibira mensajes. Su cita del vie 7 de marzo, 10:00 sigue en pie. "
        "Para cancelarla llame al (602) 555-0100."
    )


def test_a_patient_with_an_email_gets_the_visits_link_which_signs_in_by_email(clock, patient):
    patient.email = "ana@example.com"
    patient.save()
    book(patient=patient)

    text_in(str(patient.phone), "cancel")

    text = one_text_to(str(patient.phone))
    assert text.startswith(
        "Clearday Clinic: texts stopped. Your visit Fri Mar 7, 10:00 AM is still booked. "
        "To cancel it: https://clinic.example/"
    )
    link = text.rsplit(" ", 1)[-1]
    page = Client().get(link.removeprefix("https://clinic.example"), follow=True)
    assert page.status_code == 200
    assert "Friday, March 7, 2025, 10:00" in page.content.decode()  # the visit's page, with a sign-in


def test_a_video_visit_is_named_in_the_patients_own_zone(clock, patient):
    book(patient=patient, video=True)
    text_in(str(patient.phone), "Cancel")
    assert "Your visit Fri Mar 7, 10:00 AM MST is still booked." in one_text_to(str(patient.phone))


def test_after_cancel_the_visits_reminders_are_not_texted(clock, patient):
    appointment = book(patient=patient)
    text_in(str(patient.phone), "CANCEL")
    one_text_to(str(patient.phone))

    for hours in (1, 48, 80, 95):  # past the confirmation and every reminder's due time
        clock.move_to(NOW + dt.timedelta(hours=hours))
        run_dispatcher()

    assert len(texts_to(str(patient.phone))) == 1
    assert not rows(appointment, status__in=(M.SENT, M.DELIVERED)).exclude(kind__startswith="reply_").exists()


def test_cancel_without_an_upcoming_visit_gets_the_plain_stop_confirmation(clock, patient):
    text_in(str(patient.phone), "cancel my appointment")
    assert "you will get no more texts from us" in one_text_to(str(patient.phone))
    assert not InboundMessage.objects.get().needs_attention


def test_cancel_after_stop_sends_nothing_more_but_still_reaches_the_desk_with_the_visit(clock, patient):
    appointment = book(patient=patient)
    text_in(str(patient.phone), "STOP")
    text_in(str(patient.phone), "Cancel my appointment")

    assert "you will get no more texts from us" in one_text_to(str(patient.phone))
    assert len(consent_history(patient)) == 1
    cancel = InboundMessage.objects.order_by("received_at", "pk").last()
    assert (cancel.needs_attention, cancel.appointment) == (True, appointment)


def test_a_question_about_cancelling_waits_for_a_person_and_opts_nothing_out(clock, patient):
    appointment = book(patient=patient)
    text_in(str(patient.phone), "Can I cancel?")
    patient.refresh_from_db()
    assert not patient.sms_opted_out
    inbound = InboundMessage.objects.get()
    assert (inbound.action, inbound.needs_attention, inbound.appointment) == ("other", True, appointment)
    run_dispatcher()
    assert texts_to(str(patient.phone)) == []


def test_the_desk_inbox_shows_the_cancel_request_with_the_patient_and_the_visit(clock, patient):
    appointment = book(patient=patient)
    desk = UserFactory(username="desk", role="front_desk")
    StaffMemberFactory(user=desk, roles=["front_desk"], locations=[appointment.location])
    text_in(str(patient.phone), "cancel my appointment")

    client = Client()
    client.force_login(desk)
    page = client.get("/desk/inbox").content.decode()

    inbound = InboundMessage.objects.get()
    row = page[page.index(f'<tr id="reply-{inbound.pk}">') :]
    row = row[: row.index("</tr>")]
    assert patient.display_name in row
    assert f'href="/desk/appointments/{appointment.pk}">Friday, March 7, 2025, 10:00' in row
    assert "may want to cancel the visit" in row


# --- Plain-language opt-outs --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "language", "expected"),
    [
        ("Stop texting me", "en", "you will get no more texts from us"),
        ("please stop", "en", "you will get no more texts from us"),
        ("No more texts", "en", "you will get no more texts from us"),
        ("No más mensajes", "en", "ya no recibira mensajes nuestros"),
        ("no me escriban", "es", "ya no recibira mensajes nuestros"),
    ],
)
def test_plain_words_opt_out_with_one_confirmation_in_the_language_written(clock, patient, body, language, expected):
    patient.language = language
    patient.save()
    book(patient=patient)

    text_in(str(patient.phone), body)
    text_in(str(patient.phone), body)

    patient.refresh_from_db()
    assert patient.sms_opted_out
    [(action, source, _)] = consent_history(patient)
    assert (action, source) == ("revoked", "sms_phrase" if body.lower() != "please stop" else "sms_keyword")
    assert expected in one_text_to(str(patient.phone))
    assert not InboundMessage.objects.filter(needs_attention=True).exists()


def test_what_the_consent_history_keeps_is_the_matched_phrase_not_the_whole_text(clock, patient):
    text_in(str(patient.phone), "Hi! Please stop texting me, thank you")
    assert consent_history(patient) == [("revoked", "sms_phrase", "STOP TEXTING ME")]


# --- One confirmation per number ----------------------------------------------------------------


def test_two_stops_from_an_unknown_number_give_one_confirmation_and_one_consent_event(clock):
    text_in(STRANGER, "STOP")
    text_in(STRANGER, "STOP")

    assert [a for a, _, _ in consent_history(phone=STRANGER)] == ["revoked"]
    assert "no more texts" in one_text_to(STRANGER)
    assert OutboundMessage.objects.filter(kind="reply_stop").count() == 1


def test_an_unknown_number_that_said_start_is_confirmed_again_on_its_next_stop(clock):
    for body in ("STOP", "STOP", "START", "parar"):
        text_in(STRANGER, body)

    assert [a for a, _, _ in consent_history(phone=STRANGER)] == ["revoked", "resubscribed", "revoked"]
    run_dispatcher()
    sent = texts_to(STRANGER)
    assert len(sent) == 3
    assert "no more texts" in sent[0] and "visit texts again" in sent[1] and "ya no recibira mensajes" in sent[2]


def test_two_stops_from_a_known_number_give_one_confirmation_and_one_consent_event(clock, patient):
    text_in(str(patient.phone), "STOP")
    text_in(str(patient.phone), "stop texting me")
    assert len(consent_history(patient)) == 1
    assert "no more texts" in one_text_to(str(patient.phone))
