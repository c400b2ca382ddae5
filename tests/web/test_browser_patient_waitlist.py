"""In Chromium at 390x844, in English and Spanish: a visitor for whom no time suits taps "None of
these times work for me", signs in with a code, comes back to the waitlist form, keeps weekdays
and mornings and afternoons only, and joins; My appointments lists the entry, and leaving the
list withdraws it; "I'd take an earlier time" on a booked visit then joins with the visit linked.
Every page passes axe-core, the site's CSP and fits the phone.

With CLEARDAY_SCREENSHOTS=1 the join form is written to docs/screenshots/ (waitlist-join-en/es)."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from scheduling.services.booking import book_appointment
from waitlist.models import EntryStatus, Place, WaitlistEntry

from .browser import check_patient_page, docs_screenshot, PHONE_390
from .conftest import patient_with_user
from .test_browser_booking import code_for
from .test_browser_patient_pages import new_page, open_clinic  # noqa: F401  (fixture)

pytestmark = [pytest.mark.django_db(transaction=True)]

WORDS = {
    "en": {
        "none": "None of these times work for me",
        "join": "Join the waitlist",
        "waiting": "Waiting for a time",
        "leave": "Leave the waitlist",
        "left": "You left the waitlist",
        "earlier": "I'd take an earlier time",
        "offer": "Offer me an earlier time",
        "on_list": "You are on the waitlist",
    },
    "es": {
        "none": "Ninguna de estas horas me sirve",
        "join": "Unirse a la lista de espera",
        "waiting": "Esperando una hora",
        "leave": "Salir de la lista de espera",
        "left": "Usted salió de la lista de espera",
        "earlier": "Aceptaría una hora más temprana",
        "offer": "Ofrézcanme una hora más temprana",
        "on_list": "Usted está en la lista de espera",
    },
}


@pytest.mark.parametrize("language", ["en", "es"])
def test_a_patient_joins_from_the_times_page_leaves_and_asks_for_an_earlier_time(
    browser,
    live_server,
    open_clinic,
    language,  # noqa: F811
):
    clinic = open_clinic
    words = WORDS[language]
    rosa = patient_with_user(
        username="rosa",
        phone="+16025550166",
        legal_first_name="Rosa",
        state="AZ",
        time_zone="America/Phoenix",
        language=language,
        sms_consent=True,
    )
    visit = book_appointment(
        patient=rosa,
        service=clinic.integration,
        location=clinic.phoenix,
        actor=rosa.user,
        start=(timezone.now() + dt.timedelta(days=10)).replace(hour=17, minute=0, second=0, microsecond=0),
    )
    base = live_server.url
    name = f"waitlist-{language}-390"

    page = new_page(browser, language, PHONE_390)
    page.goto(f"{base}/book/integration/{clinic.phoenix.pk}/")
    check_patient_page(page, f"{name}-01-times")
    page.get_by_role("link", name=words["none"]).click()
    page.wait_for_url(re.compile(r"/me/sign-in\?next="))
    page.locator("#id_destination").fill("602-555-0166")
    page.locator("main button.block").first.click()
    page.wait_for_url(re.compile(r"/me/sign-in/code$"))
    page.locator("#id_code").fill(code_for("+16025550166"))
    page.locator("main button.block").first.click()
    page.wait_for_url(re.compile(rf"/me/waitlist/join/integration/{clinic.phoenix.pk}$"))
    assert page.get_by_role("heading", level=1).inner_text() == words["join"]
    check_patient_page(page, f"{name}-02-join")
    docs_screenshot(page, f"waitlist-join-{language}")

    for box in ("#id_weekdays_5", "#id_weekdays_6", "#id_times_2"):  # no weekends, no evenings
        page.locator(box).uncheck()
    page.get_by_role("button", name=words["join"]).click()
    page.wait_for_url(re.compile(r"/me/$"))
    listing = page.locator("section[aria-labelledby=waitlist-h]")
    assert words["waiting"] in listing.inner_text() and words["on_list"] in page.inner_text("main")
    check_patient_page(page, f"{name}-03-appointments")
    entry = WaitlistEntry.objects.get(patient=rosa)
    assert (entry.place, entry.location_id, entry.weekdays) == (Place.LOCATION, clinic.phoenix.pk, [0, 1, 2, 3, 4])
    assert entry.time_ranges == [["07:00", "12:00"], ["12:00", "17:00"]] and entry.move_up is None

    listing.get_by_role("button", name=words["leave"]).click()
    page.wait_for_url(re.compile(r"/me/$"))
    assert words["left"] in page.inner_text("main")
    entry.refresh_from_db()
    assert entry.status == EntryStatus.WITHDRAWN

    page.locator(f"#visit-{visit.pk}").get_by_role("link", name=words["earlier"]).click()
    page.wait_for_url(re.compile(rf"/me/visits/{visit.pk}/earlier$"))
    check_patient_page(page, f"{name}-04-earlier")
    assert page.locator("#id_latest_date").get_attribute("max") == page.locator("#id_latest_date").input_value()
    page.get_by_role("button", name=words["offer"]).click()
    page.wait_for_url(re.compile(r"/me/$"))
    check_patient_page(page, f"{name}-05-appointments-earlier")
    moving = WaitlistEntry.objects.get(patient=rosa, status=EntryStatus.WAITING)
    assert (
        moving.move_up == visit
        and moving.latest_date == timezone.localtime(visit.start, timezone=dt.timezone(dt.timedelta(hours=-7))).date()
    )
    page.context.close()
