"""The link in a message, for a patient who texted STOP and has no email: no sign-in code is
offered (it could reach them nowhere); the page says texts are off and calls the clinic with a tap."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from accounts.models import OneTimeCode
from notifications.rendering import appointment_token
from scheduling.services.booking import book_appointment

from .conftest import at, MONDAY, patient_with_user

pytestmark = pytest.mark.django_db


def _visit(clinic, **fields):
    patient = patient_with_user(phone="+16025550131", legal_first_name="Bo", state="AZ", **fields)
    return book_appointment(
        patient=patient,
        service=clinic.integration,
        location=clinic.phoenix,
        start=at(10, day=MONDAY + dt.timedelta(days=3)),
        actor=patient.user,
    )


def test_a_patient_who_texted_stop_and_has_no_email_is_offered_the_clinics_phone(client, clinic, frozen, sms_outbox):
    visit = _visit(clinic, email="", sms_opted_out=True)
    url = reverse("web:manage", args=[appointment_token(visit)])

    page = client.get(url).content.decode()
    posted = client.post(url)

    assert "Send me a sign-in code" not in page
    assert "Texts from us are off for your number" in page
    assert 'href="tel:+1-602-555-0100"' in page and "Call us at (602) 555-0100" in page
    # A forged post sends nothing and signs no one in.
    assert posted.status_code == 200 and "Send me a sign-in code" not in posted.content.decode()
    assert not OneTimeCode.objects.exists() and sms_outbox == []


def test_in_spanish_the_page_says_texts_are_off(client, clinic, frozen):
    visit = _visit(clinic, email="", sms_opted_out=True, language="es")
    client.cookies["django_language"] = "es"

    page = client.get(
        reverse("web:manage", args=[appointment_token(visit)]), HTTP_ACCEPT_LANGUAGE="es"
    ).content.decode()

    assert "mensajes de texto están desactivados" in page and "Llámenos al" in page


def test_with_an_email_the_code_is_still_offered(client, clinic, frozen):
    visit = _visit(clinic, email="bo@example.com", sms_opted_out=True)

    page = client.get(reverse("web:manage", args=[appointment_token(visit)])).content.decode()

    assert "Send me a sign-in code" in page and "Texts from us are off" not in page
