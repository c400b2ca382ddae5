"""In a real browser, the desk's day at a glance, as a desk member of one site (Phoenix, and the
video visits it covers): each visit's marks by their accessible names, the Video lane, every
column at 1440 px, the phone agenda at 390 px, the day-before call list (a call recorded and kept,
the escort recorded), and a booking over a gate the clinic lets the desk override, with its
reason then in the visit's history. No desk page scrolls sideways at 390 px or 1440 px.

With CLEARDAY_SCREENSHOTS=1 the day view, the call list and the phone agenda are also written to
docs/screenshots/."""

from __future__ import annotations

import datetime as dt
import os
import re

import pytest
from django.utils import timezone

from care.models import Escort, GateOverride, VisitCall
from scheduling import timeutils
from scheduling.models import Appointment, ResourceKind, WorkingHours
from tests.factories import ResourceFactory, StaffMemberFactory, UserFactory, weekly_hours

from .browser import ROOT, screenshot, serious_violations, sideways_overflow, staff_signed_in
from .conftest import make_clinic, patient_with_user
from .marked_day import marked_day

pytestmark = [pytest.mark.django_db(transaction=True)]
PASSWORD = "desk-password-for-tests"
WIDE = {"viewport": {"width": 1440, "height": 900}}
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 1, "is_mobile": True, "has_touch": True}
DOCS = ROOT / "docs" / "screenshots"


def keep(page, name: str) -> None:
    screenshot(page, name)
    if os.environ.get("CLEARDAY_SCREENSHOTS"):
        page.screenshot(path=str(DOCS / f"{name}.png"), full_page=True)


def tomorrow() -> dt.date:
    return timeutils.local_date(timezone.now(), timeutils.zone("America/Phoenix")) + dt.timedelta(days=1)


@pytest.fixture
def clinic(db):
    clinic = make_clinic(opens=dt.time(0), closes=dt.time(23, 59))
    clinic.desk.set_password(PASSWORD)
    clinic.desk.save()
    # A site the size the desk complained about: ten columns.
    for n in (3, 4, 5):
        ResourceFactory(location=clinic.phoenix, name=f"Chair {n}", kind=ResourceKind.INFUSION_CHAIR)
    nurse = StaffMemberFactory(
        display_name="Nurse Ola",
        roles=["nurse"],
        watch_capacity=2,
        locations=[clinic.phoenix],
        user=UserFactory(username="nurse.ola", role="clinician"),
    )
    weekly_hours(staff=nurse, start=dt.time(0), end=dt.time(23, 59))
    # The site opens 7:00-18:00; the hours outside show as closed.
    WorkingHours.objects.filter(location=clinic.phoenix).update(start_time=dt.time(7), end_time=dt.time(18))
    return clinic


def signed_in(browser, live_server, options):
    return staff_signed_in(browser, live_server, options, username="desk", password=PASSWORD, lands_on=r"/desk/$")


def block(page, name: str, column: str | None = None):
    scope = page.locator(f'ul[aria-labelledby="col-{column}"]') if column else page.locator(".day-grid")
    return scope.locator("a.block", has=page.get_by_text(name, exact=True)).first


def test_the_marks_on_a_day_are_named_for_everyone_and_every_column_fits_at_1440(browser, live_server, clinic):
    day = marked_day(clinic, tomorrow())
    context, page = signed_in(browser, live_server, WIDE)
    page.goto(f"{live_server.url}/desk/?location={clinic.phoenix.pk}&date={tomorrow()}")

    for name, marks in {
        "Ana Lopez": ["Reminded by text", "Escort missing"],
        "Ben Ortiz": ["Confirmed by reply"],
        "Cara Nguyen": ["Video visit", "New patient", "Interpreter needed: Vietnamese"],
        "Dan Stone": ["Not reached: replied STOP"],
    }.items():
        for mark in marks:
            assert block(page, name).get_by_role("img", name=mark).is_visible(), (name, mark)
    assert block(page, "Cara Nguyen", "video").is_visible()
    assert page.locator('ul[aria-labelledby^="col-resource-"]').get_by_text("Cara Nguyen").count() == 0
    assert page.get_by_role("heading", name="What the marks mean").is_visible()
    heads = page.locator(".cal-head")
    assert heads.count() == 11  # the time column and ten
    calendar = page.locator(".calendar").bounding_box()
    last = heads.last.bounding_box()
    assert last["x"] + last["width"] <= calendar["x"] + calendar["width"] + 1, "a column is cut off at 1440 px"
    assert sideways_overflow(page) == 0
    assert serious_violations(page) == []
    keep(page, "desk-day")

    # Headers stay in view while the day scrolls.
    page.locator(".calendar").evaluate("el => el.scrollTop += 200")
    assert abs(heads.nth(1).bounding_box()["y"] - calendar["y"]) < 3
    assert Appointment.objects.filter(pk=day.cara.pk, location__isnull=True).exists()
    context.close()


def test_on_a_phone_the_day_is_a_list_with_tap_to_call(browser, live_server, clinic):
    marked_day(clinic, tomorrow())
    context, page = signed_in(browser, live_server, PHONE)
    page.goto(f"{live_server.url}/desk/?location={clinic.phoenix.pk}&date={tomorrow()}")

    agenda = page.get_by_role("region", name="Visits in order")
    assert agenda.is_visible() and not page.locator(".day-grid").is_visible()
    cara = agenda.get_by_role("listitem").filter(has_text="Cara Nguyen").first
    assert "Video" in cara.inner_text()
    assert cara.get_by_role("img", name="Interpreter needed: Vietnamese").is_visible()
    call = cara.get_by_role("link", name="Call Cara Nguyen")
    assert call.get_attribute("href") == "tel:+16025550103"
    assert call.bounding_box()["height"] >= 44
    assert sideways_overflow(page) == 0
    assert serious_violations(page) == []
    keep(page, "desk-phone-agenda")
    context.close()


def test_the_call_list_records_a_call_as_history_and_the_escort(browser, live_server, clinic):
    day = marked_day(clinic, tomorrow())
    context, page = signed_in(browser, live_server, WIDE)
    page.goto(f"{live_server.url}/desk/?location={clinic.phoenix.pk}")
    page.get_by_role("link", name="Call list for tomorrow").click()
    page.get_by_role("heading", name=re.compile("Calls for")).wait_for()

    ana = page.locator(f"#visit-{day.ana.pk}")
    assert ana.get_by_text("Dosing visit without an escort").is_visible()
    assert ana.get_by_role("link", name=re.compile("Call Ana Lopez")).get_attribute("href") == "tel:+16025550101"
    ana.get_by_label("Called, outcome").select_option(label="Left a message")
    ana.get_by_label("Note (optional)").fill("Voicemail, will call back at 4")
    ana.get_by_role("button", name="Record the call").click()
    page.get_by_text("Call to Ana Lopez recorded: left a message.").wait_for()
    ana = page.locator(f"#visit-{day.ana.pk}")
    assert (
        ana.get_by_role("list", name="Calls so far").get_by_text(re.compile("Left a message · Voicemail")).is_visible()
    )

    ana.locator("summary", has_text="Record the escort").click()
    ana.get_by_label("Escort's name").fill("Luis Lopez")
    ana.get_by_label("Escort's phone").fill("602-555-0177")
    ana.get_by_label(re.compile("An adult who will take the patient home")).check()
    ana.get_by_role("button", name="Save the escort").click()
    page.get_by_text("Escort recorded for Ana Lopez.").wait_for()

    assert VisitCall.objects.get(appointment=day.ana).outcome == "left_message"
    assert Escort.objects.get(appointment=day.ana).name == "Luis Lopez"
    assert sideways_overflow(page) == 0
    assert serious_violations(page) == []
    keep(page, "desk-call-list")
    context.close()


def test_a_desk_override_with_a_reason_then_shows_in_the_visits_history(browser, live_server, clinic, settings):
    settings.CARE_OVERRIDABLE_GATES = ["clearance", "escort"]
    gus = patient_with_user(
        username="gus", phone="+16025550111", legal_first_name="Gus", legal_last_name="Hale", state="AZ"
    )
    context, page = signed_in(browser, live_server, WIDE)
    page.goto(f"{live_server.url}/desk/book/{gus.pk}")
    page.get_by_label("Service").select_option(label="IV infusion session")
    page.get_by_label("Where").select_option(label="Phoenix")
    page.get_by_label("Day").fill(tomorrow().isoformat())
    page.get_by_role("button", name="Find times").click()
    page.locator("ul.slots:not(.wide)").get_by_role("button", name="10:00 AM", exact=True).click()

    page.get_by_role("alert").get_by_text(re.compile("no clinician clearance")).wait_for()
    form = page.get_by_role("region", name="Book this time with an override")
    assert form.get_by_label("Start time").input_value() == "10:00"
    form.get_by_label("Reason for overriding the booking rules").fill("Dr Rivera cleared her by phone today")
    form.get_by_role("button", name="Book with override").click()
    page.wait_for_url(re.compile(r"/desk/appointments/\d+$"))

    history = page.get_by_role("heading", name=re.compile("History|Events")).locator("xpath=following-sibling::ol[1]")
    assert "with an override: Dr Rivera cleared her by phone today" in history.inner_text()
    assert GateOverride.objects.get().reason == "Dr Rivera cleared her by phone today"
    context.close()


DESK_PAGES = ["/desk/", "/desk/week", "/desk/calls", "/desk/book", "/desk/floor", "/desk/inbox", "/desk/block"]


@pytest.mark.parametrize("options", [PHONE, WIDE], ids=["390", "1440"])
def test_no_desk_page_scrolls_sideways(browser, live_server, clinic, options):
    day = marked_day(clinic, tomorrow())
    context, page = signed_in(browser, live_server, options)
    pages = [
        *DESK_PAGES,
        f"/desk/?date={tomorrow()}",
        f"/desk/calls?location={clinic.phoenix.pk}",
        f"/desk/appointments/{day.ana.pk}",
        f"/desk/appointments/{day.ben.pk}/move",
        f"/desk/book/{day.ben.patient_id}?service={clinic.integration.pk}&where={clinic.phoenix.pk}",
    ]
    overflow = {}
    for path in pages:
        page.goto(live_server.url + path)
        overflow[path] = sideways_overflow(page)
    assert overflow == dict.fromkeys(pages, 0)
    context.close()
