"""End to end with real processes: the fake Twilio server posts a patient's text, signed with
Twilio's RequestValidator, to the app (pytest-django's live server); the answer goes out through a
real Celery worker (subprocess) and the Twilio SDK back to the fake server. CANCEL, cancel
requests, plain-language opt-outs and repeated STOPs.

The worker runs on the real clock (time_machine cannot reach another process): the visits are
booked days ahead of now, and replies are never held for quiet hours."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlsplit

import pytest
from django.test import Client
from django.utils import timezone

from notifications.models import ConsentEvent, InboundMessage, OutboundMessage
from notifications.rendering import deny_listed_words, format_when
from notifications.segments import count_segments, to_gsm7
from tests.celery_worker import fake_twilio, twilio_worker, wait_for  # noqa: F401  (fixtures)
from tests.factories import LocationFactory, PatientFactory, StaffMemberFactory, UserFactory
from tests.notifications.conftest import book
from web.formatting import when_label

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]
PHONE = "+16025550123"


@pytest.fixture
def texting(twilio_worker, fake_twilio, live_server):  # noqa: F811
    """A patient's phone: text() posts a signed inbound text; answers() waits for what came back."""
    fake_twilio.inbound_url = live_server.url + "/webhooks/sms/inbound"

    class Phone:
        @staticmethod
        def text(body: str, sender: str = PHONE) -> None:
            assert fake_twilio.send_inbound(sender=sender, body=body) == 200

        @staticmethod
        def answers(count: int = 1, number: str = PHONE) -> list[str]:
            received = wait_for(
                lambda: len(fake_twilio.sent_to(number)) >= count and fake_twilio.sent_to(number),
                what=f"{count} answer(s) to reach fake Twilio",
                timeout=60,
            )
            bodies = [m["body"] for m in received]
            for body in bodies:
                counted = count_segments(body)
                assert (counted.encoding, counted.segments) == ("GSM-7", 1), body
                assert deny_listed_words(body) == [], body
            return bodies

    return Phone()


def visit_for(patient, *, zone="America/Phoenix"):
    start = (timezone.now() + dt.timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    return book(patient=patient, location=LocationFactory(time_zone=zone), start=start)


def test_cancel_names_the_visit_and_its_link_and_the_link_opens_the_visit(texting, live_server):
    patient = PatientFactory(phone=PHONE, email="ana@example.com", language="en", sms_consent=True)
    appointment = visit_for(patient)

    texting.text("CANCEL")

    [answer] = texting.answers()
    when = format_when(appointment.start, time_zone="America/Phoenix", language="en")
    assert answer.startswith(f"Clearday Clinic: texts stopped. Your visit {when} is still booked. To cancel it: ")
    link = re.search(r"https?://\S+$", answer).group(0)
    assert link.startswith(live_server.url)
    page = Client().get(urlsplit(link).path, follow=True)  # the visit's page, where the patient signs in
    assert page.status_code == 200
    assert when_label(appointment.start, "America/Phoenix", with_zone=False) in page.content.decode()
    patient.refresh_from_db()
    assert patient.sms_opted_out


def test_cancelar_mi_cita_is_answered_in_spanish_with_the_visit_and_the_clinics_phone(texting):
    patient = PatientFactory(phone=PHONE, email="", language="es", sms_consent=True)
    appointment = visit_for(patient)

    texting.text("Cancelar mi cita")

    [answer] = texting.answers()
    when = format_when(appointment.start, time_zone="America/Phoenix", language="es")
    assert answer == to_gsm7(
        f"Clearday Clinic: ya no recibirá mensajes. Su cita del {when} sigue en pie. "
        "Para cancelarla llame al (602) 555-0100."
    )


def test_a_cancel_request_reaches_the_desk_inbox_with_the_visit(texting):
    patient = PatientFactory(phone=PHONE, email="", language="en", sms_consent=True)
    appointment = visit_for(patient)
    desk = UserFactory(username="desk", role="front_desk")
    StaffMemberFactory(user=desk, roles=["front_desk"], locations=[appointment.location])

    texting.text("cancel my appointment")
    texting.answers()

    client = Client()
    client.force_login(desk)
    page = client.get("/desk/inbox").content.decode()
    inbound = InboundMessage.objects.get()
    assert (inbound.needs_attention, inbound.appointment_id) == (True, appointment.pk)
    row = page[page.index(f'<tr id="reply-{inbound.pk}">') :]
    row = row[: row.index("</tr>")]
    assert patient.display_name in row
    assert f'href="/desk/appointments/{appointment.pk}"' in row
    assert "may want to cancel the visit" in row


@pytest.mark.parametrize(
    ("body", "language", "expected"),
    [
        ("stop texting me", "en", "Clearday Clinic: you will get no more texts from us."),
        ("No más mensajes", "es", "Clearday Clinic: ya no recibira mensajes nuestros."),
    ],
)
def test_plain_words_opt_the_patient_out(texting, body, language, expected):
    patient = PatientFactory(phone=PHONE, language=language, sms_consent=True)
    visit_for(patient)

    texting.text(body)

    [answer] = texting.answers()
    assert answer.startswith(expected)
    patient.refresh_from_db()
    assert patient.sms_opted_out
    assert ConsentEvent.objects.get(patient=patient).source == "sms_phrase"


@pytest.mark.parametrize("known", [False, True], ids=["unknown number", "a patient's number"])
def test_repeated_stop_gets_one_confirmation(texting, known):
    if known:
        PatientFactory(phone=PHONE, sms_consent=True)

    for _ in range(3):
        texting.text("STOP")
    texting.text("HELP")  # a later answer: once it is back, any second confirmation would be too

    answers = texting.answers(2)
    assert [a for a in answers if "no more texts" in a] == [answers[0]]
    assert "Msg & data rates may apply" in answers[1]
    assert len(answers) == 2
    assert ConsentEvent.objects.filter(phone=PHONE).count() == 1
    assert OutboundMessage.objects.filter(kind="reply_stop").count() == 1
