"""In a real browser, the front desk: books a caller, moves the visit (and the patient's pending
reminder moves with it), and checks in an infusion that the floor board then shows in its phase."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from care.models import Escort
from notifications.models import OutboundMessage
from scheduling import timeutils
from scheduling.models import Allocation, Appointment, AppointmentStatus as S, Phase

from .browser import DESKTOP, screenshot
from .conftest import make_clinic, patient_with_user

pytestmark = [pytest.mark.django_db(transaction=True)]
PASSWORD = "desk-password-for-tests"


@pytest.fixture
def open_clinic(db):
    clinic = make_clinic(opens=dt.time(0), closes=dt.time(23, 59))
    clinic.desk.set_password(PASSWORD)
    clinic.desk.save()
    return clinic


def signed_in_desk(browser, live_server):
    context = browser.new_context(**DESKTOP)
    page = context.new_page()
    page.set_default_timeout(10_000)
    page.goto(live_server.url + "/desk/")
    page.wait_for_url(re.compile(r"/desk/login"))
    screenshot(page, "desk-0-sign-in")
    page.get_by_label("Username").fill("desk")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/desk/$"))
    return context, page


def phoenix_day(days_ahead: int) -> dt.date:
    return timeutils.local_date(timezone.now(), timeutils.zone("America/Phoenix")) + dt.timedelta(days=days_ahead)


def reminder(appointment) -> OutboundMessage:
    return OutboundMessage.objects.get(appointment=appointment, kind="reminder_24h", channel="sms")


def test_the_desk_books_a_caller_then_moves_the_visit_and_the_reminder_follows(browser, live_server, open_clinic):
    ana = patient_with_user(username="ana", phone="+16025550101", legal_first_name="Ana", legal_last_name="Lopez",
                            state="AZ")
    context, page = signed_in_desk(browser, live_server)

    page.get_by_role("link", name="Book for a caller").click()
    page.get_by_label(re.compile("Find the patient")).fill("Lopez")
    page.get_by_role("button", name="Find").click()
    page.get_by_role("link", name="Book for Ana Lopez").click()
    page.get_by_label("Service").select_option(label="Integration session")
    page.get_by_label("Where").select_option(label="Phoenix")
    page.get_by_label("Day").fill(phoenix_day(3).isoformat())
    page.get_by_role("button", name="Find times").click()
    page.get_by_role("heading", name=re.compile("Integration session · Phoenix")).wait_for()
    screenshot(page, "desk-1-book-for-caller")
    page.locator("ul.slots:not(.wide)").get_by_role("button", name="10:00 AM", exact=True).click()

    page.wait_for_url(re.compile(r"/desk/appointments/\d+$"))
    page.get_by_text("Booked Integration session for Ana Lopez").wait_for()
    screenshot(page, "desk-2-appointment")
    booked = Appointment.objects.get(patient=ana, status=S.BOOKED)
    first = reminder(booked)
    assert first.status == "planned" and first.due_at == booked.start - dt.timedelta(hours=24)

    page.get_by_role("link", name="Move").click()
    page.wait_for_url(re.compile(r"/move$"))
    page.get_by_role("link", name=re.compile(phoenix_day(5).strftime("%a, %b %-d"))).click()
    page.locator("ul.slots:not(.wide)").get_by_role("button", name="2:00 PM", exact=True).click()

    page.wait_for_url(re.compile(r"/desk/appointments/\d+$"))
    page.get_by_text("Moved to").wait_for()
    moved = Appointment.objects.get(patient=ana, status=S.BOOKED)
    assert moved.pk != booked.pk
    assert timeutils.local_date(moved.start, timeutils.zone("America/Phoenix")) == phoenix_day(5)
    first.refresh_from_db()
    assert first.status == "superseded"
    assert reminder(moved).status == "planned"
    assert reminder(moved).due_at == moved.start - dt.timedelta(hours=24)

    page.goto(f"{live_server.url}/desk/?location={open_clinic.phoenix.pk}&date={phoenix_day(5).isoformat()}")
    page.get_by_role("link", name=re.compile("Ana Lopez")).first.wait_for()
    screenshot(page, "desk-3-day-view")
    page.goto(f"{live_server.url}/desk/week?staff={open_clinic.therapist.pk}&date={phoenix_day(5).isoformat()}")
    screenshot(page, "desk-4-week-view")
    context.close()


def seed_running_infusion(clinic, patient, *, minutes_ago: int) -> Appointment:
    """A booked IV infusion that started `minutes_ago`, written as the booking service would."""
    start = (timezone.now() - dt.timedelta(minutes=minutes_ago)).replace(second=0, microsecond=0)
    phases = list(Phase.objects.filter(service=clinic.iv).order_by("order"))
    visit = Appointment.objects.create(patient=patient, service=clinic.iv, location=clinic.phoenix,
                                       modality="in_person", start=start, end=start + dt.timedelta(minutes=85))
    at = start
    for phase in phases:
        end = at + dt.timedelta(minutes=phase.duration_minutes)
        Allocation.objects.create(appointment=visit, phase=phase, resource=clinic.chair, start=at, end=end)
        if phase.staff_role:
            shared = phase.staff_usage == "shared"
            Allocation.objects.create(appointment=visit, phase=phase, staff=clinic.nurse, start=at, end=end,
                                      exclusive=not shared, share=1 if shared else 0)
        at = end
    Escort.objects.create(appointment=visit, name="Sam Lopez", phone="+16025550111", confirmed_adult=True)
    return visit


def test_the_floor_board_shows_a_checked_in_infusion_in_its_phase(browser, live_server, open_clinic):
    ana = patient_with_user(username="ana", phone="+16025550101", legal_first_name="Ana", legal_last_name="Lopez")
    visit = seed_running_infusion(open_clinic, ana, minutes_ago=25)  # set-up 0-15, infusion 15-55
    context, page = signed_in_desk(browser, live_server)

    page.goto(f"{live_server.url}/desk/appointments/{visit.pk}")
    page.get_by_role("button", name="Check in", exact=True).click()
    page.get_by_text("Ana Lopez is checked in.").wait_for()
    page.goto(f"{live_server.url}/desk/floor?location={open_clinic.phoenix.pk}")

    bay = page.locator("section.bay[data-bay='Chair 1']")
    bay.locator("[data-phase]").wait_for()
    screenshot(page, "desk-5-floor-board")
    assert bay.locator("[data-phase]").inner_text() == "Infusion"
    assert bay.locator(".initials").inner_text() == "AL"
    assert "In use" in bay.inner_text() and "Vitals" in bay.inner_text()
    assert page.locator("#floor-board").get_attribute("hx-trigger") == "every 30s"
    assert page.evaluate("typeof htmx.version") == "string"  # the board's poller is loaded (django-htmx's copy)
    context.close()
