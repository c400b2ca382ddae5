"""In a real browser, the care team's pages as a therapist and as a desk member of one site: the
therapist signs in and lands on their own day; the navigation counts the open alert; the alert
page calls the patient with a tap and records the call; the PHQ-9/GAD-7 chart at 390 px draws its
phone panel with labels at least 11 px high and offers the same numbers as a table; no clinician
page scrolls sideways at 390 px or 1440 px.

With CLEARDAY_SCREENSHOTS=1 the alert page and the patient page are also written to
docs/screenshots/."""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
from types import SimpleNamespace

import pytest
from django.utils import timezone

from checkins.models import AlertCall, CheckIn, CheckInAnswers, CheckInStatus, RiskAlert
from scheduling import timeutils
from scheduling.models import AppointmentStatus as S
from tests.factories import AllocationFactory, AppointmentFactory, PhaseFactory, StaffMemberFactory, UserFactory

from .browser import ROOT, screenshot, serious_violations, sideways_overflow, staff_signed_in
from .conftest import make_clinic, patient_with_user

pytestmark = [pytest.mark.django_db(transaction=True)]
PASSWORD = "care-team-password-for-tests"
WIDE = {"viewport": {"width": 1440, "height": 900}}
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 1, "is_mobile": True, "has_touch": True}
DOCS = ROOT / "docs" / "screenshots"
PHX = timeutils.zone("America/Phoenix")


def keep(page, name: str) -> None:
    screenshot(page, name)
    if os.environ.get("CLEARDAY_SCREENSHOTS"):
        page.screenshot(path=str(DOCS / f"{name}.png"), full_page=True)


def today() -> dt.date:
    return timeutils.local_date(timezone.now(), PHX)


def at(day: dt.date, hour: int) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=PHX).astimezone(dt.UTC)


def _answered(visit, *, phq9: int, gad7: int, item9: int = 0) -> CheckIn:
    answered = visit.end + dt.timedelta(days=6)
    checkin = CheckIn.objects.create(
        patient=visit.patient,
        appointment=visit,
        location=visit.location,
        step_key="7d",
        sections=["mood"],
        questionnaires=["phq9", "gad7"],
        due_at=answered - dt.timedelta(hours=2),
        expires_at=answered + dt.timedelta(days=2),
        link_nonce=secrets.token_hex(8),
        token_hash=secrets.token_hex(32),
        status=CheckInStatus.ANSWERED,
        answered_at=answered,
    )
    phq_items = ([3] * (phq9 // 3) + [phq9 % 3] + [0] * 9)[:8] + [item9]
    CheckInAnswers.objects.create(
        checkin=checkin,
        mood=4,
        phq_items=phq_items,
        phq9_score=phq9 + item9,
        gad7_items=([3] * (gad7 // 3) + [gad7 % 3] + [0] * 7)[:7],
        gad7_score=gad7,
        free_text="Hard week.",
    )
    return checkin


@pytest.fixture
def care(db):
    """Ana's course at Phoenix: four weekly infusions with a 7-day check-in each (PHQ-9 falling from
    19 to 4, the last with item 9 above zero, which raised an open alert), and a visit with the
    therapist tomorrow morning. Sam is a desk member of Phoenix only."""
    clinic = make_clinic(opens=dt.time(0), closes=dt.time(23, 59))
    therapist = clinic.therapist.user
    therapist.set_password(PASSWORD)
    therapist.save()
    desk = UserFactory(username="sam.desk", role="front_desk")
    StaffMemberFactory(user=desk, display_name="Sam Desk", roles=["front_desk"], locations=[clinic.phoenix])
    desk.set_password(PASSWORD)
    desk.save()
    ana = patient_with_user(
        username="ana",
        phone="+16025550101",
        legal_first_name="Ana",
        legal_last_name="Lopez",
        state="AZ",
        date_of_birth=dt.date(1985, 4, 12),
    )
    first = today() - dt.timedelta(days=35)
    scores = ((17, 14, 0), (12, 9, 0), (8, 6, 0), (3, 4, 1))
    checkins = []
    for week, (phq9, gad7, item9) in enumerate(scores):
        day = first + dt.timedelta(days=7 * week)
        visit = AppointmentFactory(
            patient=ana,
            service=clinic.iv,
            location=clinic.phoenix,
            modality="in_person",
            start=at(day, 9),
            end=at(day, 9) + dt.timedelta(minutes=85),
            status=S.COMPLETED,
        )
        checkins.append(_answered(visit, phq9=phq9, gad7=gad7, item9=item9))
    alert = RiskAlert.objects.create(
        patient=ana,
        checkin=checkins[-1],
        location=clinic.phoenix,
        created_at=checkins[-1].answered_at,
        reasons=[{"code": "phq9_item9", "detail": "PHQ-9 item 9 (thoughts of self-harm) answered above 0."}],
        delivery_problem="",
    )
    tomorrow = today() + dt.timedelta(days=1)
    later = AppointmentFactory(
        patient=ana,
        service=clinic.integration,
        location=clinic.phoenix,
        modality="in_person",
        start=at(tomorrow, 10),
        end=at(tomorrow, 10) + dt.timedelta(minutes=50),
        status=S.BOOKED,
    )
    AllocationFactory(
        appointment=later,
        staff=clinic.therapist,
        phase=PhaseFactory(service=clinic.integration),
        start=later.start,
        end=later.end,
    )
    return SimpleNamespace(clinic=clinic, ana=ana, alert=alert, later=later, desk=desk)


def signed_in(browser, live_server, options, username: str, lands_on: str):
    return staff_signed_in(browser, live_server, options, username=username, password=PASSWORD, lands_on=lands_on)


def test_a_therapist_lands_on_their_own_day_with_the_counts_in_the_navigation(browser, live_server, care):
    context, page = signed_in(browser, live_server, WIDE, "t.fernandez", r"/desk/my-day$")
    assert page.get_by_role("heading", name=re.compile("Lucía Fernández")).is_visible()
    page.get_by_role("link", name="Next day").click()
    page.wait_for_url(re.compile(r"/desk/my-day\?date="))
    visits = page.get_by_role("list", name=re.compile("My visits on"))
    assert visits.get_by_role("link", name="Ana Lopez").is_visible()
    assert visits.get_by_text("Integration session").is_visible()
    nav = page.get_by_role("navigation", name="Front desk")
    assert nav.get_by_role("link", name="Risk alerts 1 open").is_visible()
    assert nav.get_by_role("link", name="My day").get_attribute("aria-current") == "page"
    assert sideways_overflow(page) == 0 and serious_violations(page) == []
    keep(page, "clinician-my-day")

    # From the day to the patient page, and from its visit back to the day on the calendar.
    visits.get_by_role("link", name="Ana Lopez").click()
    page.wait_for_url(re.compile(rf"/desk/patients/{care.ana.pk}$"))
    page.get_by_role("link", name="On the calendar").first.click()
    page.wait_for_url(re.compile(rf"/desk/my-day\?date={today() + dt.timedelta(days=1)}"))
    context.close()


def test_the_alert_page_calls_the_patient_with_a_tap_and_keeps_the_call(browser, live_server, care):
    context, page = signed_in(browser, live_server, PHONE, "t.fernandez", r"/desk/my-day$")
    page.get_by_role("link", name="Risk alerts 1 open").click()
    page.locator(f'a[href="/clinician/risk-alerts/{care.alert.pk}/"]').click()
    page.wait_for_url(re.compile(rf"/clinician/risk-alerts/{care.alert.pk}/$"))

    call = page.get_by_role("link", name="Call (602) 555-0101")
    assert call.get_attribute("href") == "tel:+1-602-555-0101"
    box = call.bounding_box()
    assert box["height"] >= 44 and box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert page.get_by_text("Thoughts that you would be better off dead").is_visible()
    assert page.get_by_text("Self-harm item").is_visible()
    assert sideways_overflow(page) == 0 and serious_violations(page) == []
    keep(page, "clinician-alert")

    page.get_by_role("radio", name="Left a message").check()
    page.get_by_label("Note (optional)").fill("Voicemail; will try again at 3.")
    page.get_by_role("button", name="Record the call").click()
    page.get_by_role("status").filter(has_text="Call recorded: left a message.").wait_for()
    assert page.get_by_text(re.compile("Left a message .*Voicemail; will try again at 3.")).is_visible()
    assert list(AlertCall.objects.values_list("outcome", flat=True)) == ["left_message"]
    context.close()


def test_the_chart_at_390_px_reads_and_comes_as_a_table(browser, live_server, care):
    context, page = signed_in(browser, live_server, PHONE, "t.fernandez", r"/desk/my-day$")
    page.goto(f"{live_server.url}/desk/patients/{care.ana.pk}")
    phq9 = page.get_by_role("img", name="PHQ-9 scores against dosing visits")
    assert phq9.count() == 1 and phq9.is_visible()  # the phone panel; the wide one is not drawn
    assert phq9.evaluate("el => el.classList.contains('chart-narrow')")
    heights = phq9.evaluate("el => [...el.querySelectorAll('text')].map(t => t.getBoundingClientRect().height)")
    assert heights and min(heights) >= 11, heights
    labels = phq9.evaluate("el => [...el.querySelectorAll('text')].map(t => t.textContent)")
    assert {"5", "10", "15", "20"} <= set(labels) and "Response ≤ 8.5" in labels and "Remission < 5" in labels
    assert "Response & Remission" in labels or {"Response", "Remission"} <= set(labels)
    assert page.get_by_role("img", name="GAD-7 scores against dosing visits").is_visible()
    assert sideways_overflow(page) == 0

    page.get_by_text("The scores as a table").click()
    table = page.get_by_role("table", name="PHQ-9 and GAD-7 scores and dosing visits, oldest first")
    assert table.get_by_role("row").count() == 1 + 8  # four infusions, four check-ins
    assert table.get_by_role("cell", name="PHQ-9 response").is_visible()
    assert table.get_by_role("cell", name=re.compile("PHQ-9 remission")).is_visible()
    assert sideways_overflow(page) == 0 and serious_violations(page) == []
    keep(page, "clinician-patient-phone")
    context.close()


@pytest.mark.parametrize("who", ["t.fernandez", "sam.desk"])
def test_no_clinician_page_scrolls_sideways_at_390_or_1440(browser, live_server, care, who):
    lands = r"/desk/my-day$" if who == "t.fernandez" else r"/desk/$"
    pages = [
        "/desk/patients?q=lopez",
        f"/desk/patients/{care.ana.pk}",
        "/clinician/risk-alerts/",
        "/clinician/risk-alerts/?status=all",
        f"/clinician/risk-alerts/{care.alert.pk}/",
        f"/clinician/patients/{care.ana.pk}/checkins/",
    ]
    if who == "t.fernandez":
        pages.append("/desk/my-day")
    for options in (PHONE, WIDE):
        context, page = signed_in(browser, live_server, options, who, lands)
        for path in pages:
            page.goto(live_server.url + path)
            assert page.locator("h1").first.is_visible(), path
            assert sideways_overflow(page) == 0, (who, options["viewport"]["width"], path)
            assert serious_violations(page) == [], (who, path)
        if options is WIDE:
            page.goto(f"{live_server.url}/desk/patients/{care.ana.pk}")
            keep(page, "clinician-patient" if who == "t.fernandez" else "desk-patient")
        context.close()
