"""Crisis help from every patient page: each links to the crisis page and makes 988 and 911
tappable (tel:, and sms: for 988). The crisis page and every refused or expired link (check-in,
visit, manage) speak the patient's language, picked as the patient pages pick it: the language
switch, else a signed-in patient's stored preference, else the browser's Accept-Language."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from scheduling.services.booking import book_appointment

from .conftest import at, MONDAY, patient_with_user

pytestmark = pytest.mark.django_db

SPANISH = {"HTTP_ACCEPT_LANGUAGE": "es-MX,es;q=0.9"}
ENGLISH = {"HTTP_ACCEPT_LANGUAGE": "en-US,en;q=0.9"}


def crisis_links(html: str) -> set[str]:
    found = set(re.findall(r'href="(tel:9[18][18]|sms:988[^"]*|/crisis\?lang=\w\w)"', html))
    return {link.split("?body")[0] for link in found}


@pytest.fixture
def ana(clinic):
    return patient_with_user(
        username="ana", phone="+16025550101", email="ana@example.com", legal_first_name="Ana", state="AZ", language="es"
    )


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/book/integration/",
        "/me/sign-in",
        "/no-such-page",
        "/c/not-a-token",
        "/visit/not-a-token",
        "/manage/not-a-token",
    ],
)
def test_every_page_a_patient_can_reach_links_the_crisis_page_and_makes_988_and_911_tappable(client, clinic, path):
    html = client.get(path, **ENGLISH).content.decode()

    assert crisis_links(html) == {"tel:988", "sms:988", "tel:911", "/crisis?lang=en"}, path


def test_signed_in_pages_link_the_crisis_page_too(client, clinic, ana, frozen):
    visit = book_appointment(
        patient=ana,
        service=clinic.integration,
        location=clinic.phoenix,
        start=at(10, day=MONDAY + dt.timedelta(days=3)),
        actor=ana.user,
    )
    client.force_login(ana.user)
    for name, args in (
        ("web:my-appointments", []),
        ("web:cancel", [visit.pk]),
        ("web:reschedule", [visit.pk]),
        ("web:booked", [visit.pk]),
    ):
        html = client.get(reverse(name, args=args)).content.decode()
        assert crisis_links(html) == {"tel:988", "sms:988", "tel:911", "/crisis?lang=es"}, name


def test_the_spanish_footer_texts_ayuda_to_988():
    from django.template.loader import render_to_string
    from django.utils import translation

    with translation.override("es"):
        html = render_to_string("checkins/_crisis_help.html")
    assert 'href="sms:988?body=AYUDA"' in html and "llame al 911" in html and 'href="/crisis?lang=es"' in html


def test_the_crisis_page_follows_the_browsers_language(client):
    assert "No está solo(a)" in client.get("/crisis", **SPANISH).content.decode()
    assert "You are not alone" in client.get("/crisis", **ENGLISH).content.decode()


def test_the_crisis_page_follows_the_sites_language_switch(client):
    client.post(reverse("web:set_language"), {"language": "es", "next": "/"})

    html = client.get("/crisis", **ENGLISH).content.decode()

    assert '<html lang="es">' in html and "Llamar al 988" in html


def test_the_crisis_page_follows_a_signed_in_patients_stored_preference(client, ana):
    client.force_login(ana.user)

    html = client.get("/crisis", **ENGLISH).content.decode()
    home = client.get("/", **ENGLISH).content.decode()

    assert "Enviar AYUDA al 988" in html
    assert '<html lang="es">' in home


def test_the_language_switch_wins_over_the_stored_preference(client, ana):
    client.force_login(ana.user)
    client.post(reverse("web:set_language"), {"language": "en", "next": "/"})

    assert "You are not alone" in client.get("/crisis", **SPANISH).content.decode()


def test_a_crisis_page_reached_on_its_own_does_not_thank_for_an_answer(client):
    html = client.get("/crisis", **ENGLISH).content.decode()

    assert "Thank you for telling us" not in html and "Help is free, confidential" in html


@pytest.mark.parametrize(
    ("path", "spanish"),
    [
        ("/c/not-a-token", "Para hablar con su equipo de atención"),
        ("/visit/not-a-token", "Este enlace no es válido o ya venció"),
        ("/manage/not-a-token", "No encontramos esa página"),
    ],
)
def test_a_refused_or_expired_link_speaks_the_patients_language(client, path, spanish):
    assert spanish in client.get(path, **SPANISH).content.decode()
    assert spanish not in client.get(path, **ENGLISH).content.decode()


def test_an_expired_manage_link_follows_the_stored_preference(client, clinic, ana, frozen, settings):
    from notifications.rendering import appointment_token

    visit = book_appointment(
        patient=ana, service=clinic.integration, location=clinic.phoenix, start=at(10), actor=ana.user
    )
    frozen.shift(dt.timedelta(hours=settings.MANAGE_LINK_EXPIRES_HOURS + 3))
    client.force_login(ana.user)

    response = client.get(reverse("web:manage", args=[appointment_token(visit)]), **ENGLISH)

    assert response.status_code == 404 and "No encontramos esa página" in response.content.decode()


def test_my_appointments_join_button_is_a_relative_link(client, clinic, ana, frozen, settings):
    settings.PUBLIC_BASE_URL = "https://elsewhere.example"
    book_appointment(patient=ana, service=clinic.integration, location=None, start=at(10), actor=ana.user)
    client.force_login(ana.user)
    frozen.move_to(at(9, 50))

    html = client.get(reverse("web:my-appointments")).content.decode()

    assert re.search(r'<a class="button" href="/visit/[A-Za-z0-9]+">', html)
    assert 'href="https://elsewhere.example/visit/' not in html  # (calendar links may carry it, encoded)
