"""In a real browser on a phone-sized screen: Ana opens her 72-hour check-in from the text,
answers it, is taken on to the rest of the PHQ-9 by her PHQ-2, answers item 9 with "Several
days" and sees the crisis page at once, while the on-call clinician's phone gets the alert.

Runs against pytest-django's live server on the real clock (a browser drops cookies that expire
"in the past"), so the visit is placed relative to now. Screenshots go to tests/artifacts/.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from checkins import services
from checkins.models import AlertStatus, CheckIn, CheckInAnswers, RiskAlert
from checkins.planning import plan_after_visit
from tests.checkins.conftest import checkin, completed_visit, ON_CALL_NUMBER, texts_to, url
from tests.web.browser import browser, check_page, chromium, DESKTOP, PHONE  # noqa: F401  (fixtures)


@pytest.mark.django_db(transaction=True)
def test_a_patient_fills_a_check_in_on_a_phone_and_sees_the_crisis_page_for_a_risk_answer(browser, live_server,
                                                                                         clinic):
    end = timezone.now() - dt.timedelta(hours=73)
    visit = completed_visit(clinic, start=end - dt.timedelta(minutes=85), end=end)
    item = checkin(visit, "72h")
    context = browser.new_context(locale="en-US", **PHONE)
    page = context.new_page()
    page.goto(live_server.url + url(item))
    assert page.title() == "How are you doing? · Clearday Clinic"

    # Sending it empty names every question that needs an answer.
    page.get_by_role("button", name="Send my answers").click()
    assert page.get_by_role("alert").get_by_text("Choose a number from 0 to 10 for your mood.").is_visible()
    check_page(page, "checkin-1-errors-phone")

    page.get_by_role("group", name="How has your mood been since your visit?").get_by_label("3", exact=True).check()
    page.get_by_role("group", name="How well have you been sleeping?").get_by_label("4", exact=True).check()
    page.get_by_label("Dizziness").check()
    page.get_by_role("group", name="1. Little interest or pleasure in doing things").get_by_label(
        "More than half the days").check()
    page.get_by_role("group", name="2. Feeling down, depressed, or hopeless").get_by_label("Several days").check()
    page.get_by_label("Anything else you want your care team to know? (optional)").fill("Hard week.")
    page.get_by_role("group", name="Would you like to book an integration therapy session?").get_by_label(
        "No, not now").check()
    check_page(page, "checkin-2-first-page-phone")
    page.get_by_role("button", name="Send my answers").click()

    # PHQ-2 = 3: the server continues with items 3-9.
    page.get_by_role("heading", name="A few more questions").wait_for()
    for number in range(3, 9):
        page.locator(f"#f-phq_{number}").get_by_label("Not at all").check()
    page.get_by_role("group", name="9. Thoughts that you would be better off dead or of hurting yourself in some way"
                     ).get_by_label("Several days").check()
    check_page(page, "checkin-3-rest-of-phq9-phone")
    page.get_by_role("button", name="Send my answers").click()

    page.get_by_role("heading", name="You are not alone").wait_for()
    assert page.get_by_role("link", name="Call 911").get_attribute("href") == "tel:911"
    assert page.get_by_role("link", name="Call 988").get_attribute("href") == "tel:988"
    assert page.get_by_role("link", name="Text 988").get_attribute("href") == "sms:988"
    assert page.get_by_role("link", name="Chat online").get_attribute("href") == "https://988lifeline.org/chat/"
    assert page.get_by_text("Veterans: call 988 and press 1.").is_visible()
    assert page.get_by_role("link", name="Call the clinic").get_attribute("href") == "tel:+1-602-555-0100"
    check_page(page, "checkin-4-crisis-phone")

    # Same request: the alert is recorded and the on-call clinician was texted when it committed.
    alert = RiskAlert.objects.get()
    assert alert.status == AlertStatus.OPEN and alert.reasons[0]["code"] == "phq9_item9"
    assert CheckInAnswers.objects.get().phq_items == [2, 1, 0, 0, 0, 0, 0, 0, 1]
    assert texts_to(ON_CALL_NUMBER) == [
        "Clearday Clinic: Urgent: a patient check-in needs review. "
        f"{live_server.url}/clinician/risk-alerts/{alert.pk}/"]

    # In Spanish the form reads in Spanish and passes the same accessibility checks.
    # (The 7-day check-in, as the patient opens it once it is due.)
    week_later = checkin(visit, "7d")
    CheckIn.objects.filter(pk=week_later.pk).update(due_at=timezone.now() - dt.timedelta(minutes=5))
    spanish = context.new_page()
    spanish.goto(live_server.url + url(week_later, lang="es"))
    assert spanish.locator("html").get_attribute("lang") == "es"
    assert spanish.get_by_role("heading", name="¿Cómo se encuentra?").is_visible()
    check_page(spanish, "checkin-5-spanish-form-phone")
    context.close()


@pytest.mark.django_db(transaction=True)
def test_a_clinician_reads_the_plot_and_acknowledges_the_alert(browser, live_server, clinic):
    """Three weekly infusions, each 7-day check-in answered; the last one flags item 9."""
    # Far enough back that each 7-day check-in came due (pushed into the texting window) and was answered.
    first_end = timezone.now() - dt.timedelta(days=23)
    for week, (phq, gad) in enumerate(((19, 15), (13, 9), (8, 5))):
        end = first_end + dt.timedelta(days=7 * week)
        visit = completed_visit(clinic, start=end - dt.timedelta(minutes=85), end=end)
        plan_after_visit(appointment=visit, now=end + dt.timedelta(hours=1))  # as planned back then
        item = checkin(visit, "7d")
        phq_items = ([3] * (phq // 3) + [phq % 3] + [0] * 9)[:8] + [1 if week == 2 else 0]
        services.submit(checkin_id=item.pk, page="first", now=item.due_at + dt.timedelta(hours=1),
                        answers=services.PageAnswers(mood=3 + week, sleep=4 + week, phq_items=phq_items,
                                                     gad7_items=([3] * (gad // 3) + [gad % 3] + [0] * 7)[:7]))
    alert = RiskAlert.objects.get()
    context = browser.new_context(**DESKTOP)
    context.add_cookies([{"name": "sessionid", "value": _session_for(clinic.doctor.user), "url": live_server.url}])
    page = context.new_page()
    page.goto(f"{live_server.url}/clinician/patients/{clinic.patient.pk}/checkins/")
    chart = page.get_by_role("img", name="PHQ-9 scores against dosing visits")
    assert chart.is_visible() and page.get_by_role("img", name="GAD-7 scores against dosing visits").is_visible()
    assert chart.locator("circle title").count() == 3 and chart.locator("path title").count() == 3
    check_page(page, "checkin-6-clinician-plot-desktop")
    page.goto(f"{live_server.url}/clinician/risk-alerts/")
    page.locator("table a").first.click()
    page.get_by_label("What was done (required)").fill("Called Ana; safe at home with family. Plan reviewed.")
    page.get_by_role("button", name="Acknowledge").click()
    page.get_by_text("Alert acknowledged.").wait_for()
    check_page(page, "checkin-7-alert-acknowledged-desktop")
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ACKNOWLEDGED and alert.acknowledged_by == clinic.doctor.user
    context.close()


def _session_for(user) -> str:
    from importlib import import_module

    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY

    session = import_module(settings.SESSION_ENGINE).SessionStore()
    session[SESSION_KEY], session[BACKEND_SESSION_KEY] = str(user.pk), settings.AUTHENTICATION_BACKENDS[0]
    session[HASH_SESSION_KEY] = user.get_session_auth_hash()
    session.save()
    return session.session_key


@pytest.fixture(autouse=True)
def _links_on_the_live_server(settings, live_server):
    settings.PUBLIC_BASE_URL = live_server.url
