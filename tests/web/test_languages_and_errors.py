"""English and Spanish on the patient pages (the API and the desk stay English), the Spanish
catalogue is complete and compiled, and errors outside the API are pages, not JSON."""

from __future__ import annotations

import gettext
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.urls import reverse

pytestmark = pytest.mark.django_db

LOCALE = Path(settings.BASE_DIR) / "locale" / "es" / "LC_MESSAGES"


def test_the_language_switch_turns_the_patient_pages_spanish(client, clinic):
    response = client.post(reverse("web:set_language"), {"language": "es", "next": "/"})
    page = client.get(response.url).content.decode()

    assert '<html lang="es">' in page
    assert "Reservar una cita" in page and "Sesión de integración" in page
    assert "para entender la experiencia" in page


def test_a_spanish_browser_gets_spanish_pages_but_english_api_errors_and_desk(client, clinic):
    page = client.get("/", HTTP_ACCEPT_LANGUAGE="es-MX,es;q=0.9").content.decode()
    api = client.get("/api/v1/me", HTTP_ACCEPT_LANGUAGE="es")
    desk = client.get(reverse("web:desk-login"), HTTP_ACCEPT_LANGUAGE="es").content.decode()

    assert "Reservar una cita" in page
    assert api.json()["detail"] == "Authentication credentials were not provided."
    assert '<html lang="en">' in desk


def test_times_and_days_read_in_spanish(client, clinic, frozen):
    page = client.get(reverse("web:times", args=["integration", clinic.phoenix.pk]),
                      HTTP_ACCEPT_LANGUAGE="es").content.decode()

    assert "Los horarios están en hora de Arizona (MST)." in page
    assert "lunes 3 de marzo" in page and "09:00" in page


def _entries(po: str) -> list[tuple[str, list[str]]]:
    entries = []
    for block in po.split("\n\n")[1:]:
        msgid = "".join(re.findall(r'"(.*)"', re.search(r'msgid ((?:".*"\n?)+)', block).group(1)))
        msgstrs = ["".join(re.findall(r'"(.*)"', m)) for m in re.findall(r'msgstr(?:\[\d\])? ((?:".*"\n?)+)', block)]
        entries.append((msgid, msgstrs))
    return entries


def test_every_spanish_message_is_translated_and_compiled():
    po = (LOCALE / "django.po").read_text()
    entries = _entries(po)
    with open(LOCALE / "django.mo", "rb") as handle:
        compiled = gettext.GNUTranslations(handle)

    assert len(entries) > 150
    assert [msgid for msgid, strs in entries if not all(strs)] == []
    assert "#, fuzzy" not in po
    for msgid, strs in entries:
        if "%(counter)s" not in msgid:
            expected = strs[0].replace('\\"', '"')
            assert compiled.gettext(msgid.replace('\\"', '"')) == expected, msgid


def test_an_unknown_page_is_an_html_404_whatever_the_client_accepts(client):
    response = client.get("/no-such-page", HTTP_ACCEPT="application/json")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
    assert "We could not find that page" in response.content.decode()


def test_an_unknown_api_path_is_still_a_problem_detail(client):
    response = client.get("/api/v1/no-such-thing", HTTP_ACCEPT="text/html")

    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
