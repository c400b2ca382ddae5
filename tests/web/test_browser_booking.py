"""In a real browser: a patient books a video integration visit on a phone in Spanish, and two
patients race for one time. Every booking page is checked with axe-core on the way."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.utils import timezone

from notifications.channels.sms import LocmemSmsBackend
from scheduling.models import Appointment, AppointmentStatus as S

from .browser import check_page, PHONE
from .conftest import make_clinic

pytestmark = [pytest.mark.django_db(transaction=True)]

CODE = re.compile(r"\b(\d{6})\b")


@pytest.fixture
def open_clinic(db):
    """Open around the clock, so the test works from the real day. The clock runs on from seven
    minutes past the current hour, away from every start on the grid: the page offers the earliest
    time a few seconds before the patient takes it, and a real clock passing a grid point between
    the two (at 14:00:00 sharp) pushed that time inside the minimum notice."""
    with time_machine.travel(timezone.now().replace(minute=7, second=0, microsecond=0), tick=True):
        yield make_clinic(opens=dt.time(0), closes=dt.time(23, 59))


def code_for(phone: str) -> str:
    body = next(m["body"] for m in reversed(LocmemSmsBackend.outbox) if m["to"] == phone)
    return CODE.search(body).group(1)


def fill_details(page, *, first: str, last: str, phone: str, language: str = "es") -> None:
    page.get_by_label(re.compile("^(Nombre|First name)")).fill(first)
    page.get_by_label(re.compile("^(Apellido|Last name)")).fill(last)
    page.get_by_label(re.compile("^(Fecha de nacimiento|Date of birth)")).fill("1990-05-17")
    page.get_by_label(re.compile("^(Número de celular|Mobile number)")).fill(phone)
    page.get_by_label(re.compile("^(Correo electrónico|Email)")).fill(f"{first.lower()}@example.com")
    page.locator("#id_state").select_option("AZ")
    page.locator("#id_language").select_option(language)
    page.locator("#id_sms_consent").check()


def test_a_patient_books_a_video_integration_visit_on_a_phone_in_spanish(browser, live_server, open_clinic):
    context = browser.new_context(locale="es-MX", **PHONE)
    page = context.new_page()
    page.set_default_timeout(10_000)

    page.goto(live_server.url + "/")
    assert page.locator("html").get_attribute("lang") == "es"
    check_page(page, "patient-1-services-es")
    page.get_by_role("link", name=re.compile("Sesión de integración")).click()

    page.wait_for_url(re.compile(r"/book/integration/$"))
    check_page(page, "patient-2-place-es")
    page.get_by_role("link", name=re.compile("Por video")).click()

    page.wait_for_url(re.compile(r"/book/integration/video/"))
    page.locator("#id_state").select_option("AZ")
    page.get_by_role("button", name="Ver horarios").click()
    page.get_by_text("Los horarios están en hora de Arizona").wait_for()
    check_page(page, "patient-3-times-es")
    first = page.locator("section[aria-labelledby=earliest] .slot").first
    chosen = first.get_attribute("value")
    first.click()

    page.wait_for_url(re.compile(r"/book/details$"))
    check_page(page, "patient-4-details-es")
    fill_details(page, first="Rosa", last="Reyes", phone="602-555-0177")
    page.get_by_role("button", name="Guardar esta hora y enviarme un código").click()

    page.wait_for_url(re.compile(r"/book/verify$"))
    page.get_by_text("termina en 0177").wait_for()
    check_page(page, "patient-5-code-es")
    page.get_by_label("Código de 6 dígitos").fill(code_for("+16025550177"))
    page.get_by_role("button", name="Confirmar mi reserva").click()

    page.wait_for_url(re.compile(r"/me/booked/\d+$"))
    page.get_by_role("heading", name="Su cita está reservada").wait_for()
    check_page(page, "patient-6-booked-es")
    assert page.get_by_text("Esté en Arizona durante la cita").is_visible()

    visit = Appointment.objects.select_related("patient").get(status=S.BOOKED)
    assert visit.location is None and visit.service.code == "integration"
    assert visit.start.strftime("%Y-%m-%dT%H:%M:%SZ") == chosen.split("|")[0]
    assert visit.patient.language == "es" and visit.patient.sms_consent
    # The Spanish-speaking therapist, kept from the times page.
    assert visit.allocations.get().staff.languages == ["en", "es"]

    page.get_by_role("link", name="Ir a Mis citas").click()
    page.wait_for_url(re.compile(r"/me/$"))
    check_page(page, "patient-7-my-appointments-es")
    # The earliest time is well inside the 24-hour window: changes go through the clinic.
    assert page.get_by_text("Ya es tarde para cambiar esta cita en línea").is_visible()
    # No sideways scrolling on a 320 px screen.
    page.set_viewport_size({"width": 320, "height": 640})
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    context.close()


def test_two_patients_race_for_one_time_and_the_loser_is_shown_the_next_times(browser, live_server, open_clinic):
    first, second = (browser.new_context(locale="en-US", **PHONE) for _ in range(2))
    pages = [first.new_page(), second.new_page()]
    for page in pages:
        page.set_default_timeout(10_000)
        page.goto(f"{live_server.url}/book/integration/video/?state=AZ")
    value = pages[0].locator("section[aria-labelledby=earliest] .slot").first.get_attribute("value")
    for page in pages:
        page.locator(f'section[aria-labelledby=earliest] .slot[value="{value}"]').click()
        page.wait_for_url(re.compile(r"/book/details$"))
    fill_details(pages[0], first="Ana", last="First", phone="602-555-0181", language="en")
    fill_details(pages[1], first="Ben", last="Second", phone="602-555-0182", language="en")

    pages[0].get_by_role("button", name="Hold this time and text me a code").click()
    pages[0].wait_for_url(re.compile(r"/book/verify$"))
    pages[1].get_by_role("button", name="Hold this time and text me a code").click()

    loser = pages[1]
    loser.wait_for_url(re.compile(r"/book/taken$"))
    loser.get_by_role("heading", name="That time is no longer free").wait_for()
    check_page(loser, "patient-race-lost")
    offered = loser.locator(".slot").evaluate_all("buttons => buttons.map(b => b.value)")
    assert offered and value not in offered
    assert "Traceback" not in loser.content()
    assert Appointment.objects.filter(status=S.HELD).count() == 1

    # The loser takes the next time and is back on the details step with a fresh form.
    loser.locator(".slot").first.click()
    loser.wait_for_url(re.compile(r"/book/details$"))
    for context in (first, second):
        context.close()
