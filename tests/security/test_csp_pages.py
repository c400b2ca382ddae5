"""In Chromium, under the site's Content-Security-Policy: the pages the booking, desk and check-in
browser tests do not reach load without a single violation (the `browser` fixture fails a test
on any), the video visit page hands the clinician to the Jitsi room on another origin, and the
watcher itself notices a violation, so a clean run means something.

Runs against pytest-django's live server on the real clock (a browser drops cookies that expire
"in the past").
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from accounts.models import Role
from scheduling.models import StaffRole
from telehealth.passes import issue_pass, token_for
from tests.factories import (
    AllocationFactory,
    AppointmentFactory,
    LocationFactory,
    PatientFactory,
    PhaseFactory,
    ServiceFactory,
    StaffMemberFactory,
    UserFactory,
)
from tests.web.browser import browser, check_page, chromium, csp_violations, DESKTOP  # noqa: F401  (fixtures)

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def _served_static_files(settings):
    settings.WHITENOISE_USE_FINDERS = True  # the test run has no collectstatic


def test_the_watcher_reports_an_inline_script_the_policy_refuses(browser, live_server):
    context = browser.new_context(**DESKTOP)
    page = context.new_page()
    page.route(f"{live_server.url}/csp-probe", lambda route: route.fulfill(
        status=200, content_type="text/html",
        headers={"Content-Security-Policy": "default-src 'self'; script-src 'self'"},
        body="<!doctype html><title>probe</title><script>document.title = 'ran';</script>"))

    page.goto(f"{live_server.url}/csp-probe")
    page.wait_for_function("document.readyState === 'complete'")

    found = csp_violations(page)
    assert page.title() == "probe"
    assert any(v.get("directive") == "script-src-elem" for v in found), found
    browser.violations.clear()  # expected here; any other test fails on one


def test_swagger_ui_renders_from_this_server_under_the_api_docs_policy(browser, live_server):
    page = browser.new_context(**DESKTOP).new_page()

    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".swagger-ui .info .title")

    assert csp_violations(page) == []


def test_redoc_renders_and_its_one_request_elsewhere_is_refused(browser, live_server):
    """Redoc always shows Redocly's logo from cdn.redoc.ly; the policy keeps the docs from
    calling out, and this is the only thing it stops on that page."""
    page = browser.new_context(**DESKTOP).new_page()

    page.goto(f"{live_server.url}/api/redoc/")
    page.wait_for_selector(".api-content h1")
    page.wait_for_load_state("networkidle")

    refused = {(v.get("directive"), v.get("blocked")) for v in csp_violations(page) if "directive" in v}
    assert refused == {("img-src", "https://cdn.redoc.ly/redoc/logo-mini.svg")}
    browser.violations.clear()  # that one was expected


def test_the_staff_sign_in_pages_and_an_error_page_load_without_violations(browser, live_server, db):
    page = browser.new_context(**DESKTOP).new_page()

    page.goto(f"{live_server.url}/admin/login/")
    page.wait_for_selector("#login-form")
    check_page(page, "security-admin-login")
    page.goto(f"{live_server.url}/desk/login")
    page.wait_for_selector("form input[type=password]")
    check_page(page, "security-desk-sign-in")
    page.goto(f"{live_server.url}/no-such-page")
    check_page(page, "security-not-found")


def test_the_clinician_starts_a_video_visit_and_lands_in_the_room_on_the_video_origin(browser, live_server,
                                                                                    settings):
    # The "Jitsi server" is this live server under another host name: another origin to the browser.
    room_origin = live_server.url.replace("localhost", "127.0.0.1")
    assert room_origin != live_server.url
    settings.JITSI_BASE_URL = room_origin
    start = (timezone.now() + dt.timedelta(minutes=5)).replace(second=0, microsecond=0)
    virtual = LocationFactory(name="Telehealth", is_virtual=True, time_zone="America/Phoenix", state="AZ")
    lee = StaffMemberFactory(user=UserFactory(username="drlee", role=Role.CLINICIAN), display_name="Dr. Lee",
                             roles=[StaffRole.PRESCRIBER], licensed_states=["AZ"], locations=[virtual])
    follow_up = ServiceFactory(code="follow-up", name="Follow-up visit", modality="video")
    phase = PhaseFactory(service=follow_up, order=1, name="Visit", duration_minutes=30,
                         staff_role=StaffRole.PRESCRIBER)
    visit = AppointmentFactory(patient=PatientFactory(state="AZ"), service=follow_up, location=None,
                               modality="video", start=start, end=start + dt.timedelta(minutes=30))
    AllocationFactory(appointment=visit, phase=phase, staff=lee, resource=None)
    token = token_for(issue_pass(appointment=visit, staff=lee))
    page = browser.new_context(**DESKTOP).new_page()

    page.goto(f"{live_server.url}/visit/{token}")
    check_page(page, "security-visit-clinician")
    with page.expect_navigation(url=re.compile(re.escape(room_origin) + r"/.+jwt=")):
        page.get_by_role("button", name="Start the video visit").click()

    assert page.url.startswith(room_origin + "/")
    assert csp_violations(page) == []
