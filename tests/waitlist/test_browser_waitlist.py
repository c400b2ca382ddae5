"""In a real browser, a single-site desk member opens the waitlist page (an offer in flight, the
entries in offer order) and the weekly report's plot; both pass axe-core and the site's CSP, and
with CLEARDAY_SCREENSHOTS=1 their screenshots are written to docs/screenshots/."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from accounts.models import Role
from scheduling.models import StaffRole
from scheduling.services.transitions import cancel_appointment
from tests.factories import StaffMemberFactory, UserFactory
from tests.waitlist.conftest import Clinic, PHX
from tests.web.browser import browser, chromium, DESKTOP, docs_screenshot, serious_violations, staff_signed_in  # noqa: F401  (fixtures)
from waitlist import joining, matching
from waitlist.models import FreedTime, Offer, OfferStatus, WaitlistEntry

pytestmark = [pytest.mark.django_db(transaction=True)]
PASSWORD = "desk-password-for-tests"


def _days_ahead(days: int, hour: int) -> dt.datetime:
    day = timezone.now().astimezone(PHX).date() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour), tzinfo=PHX).astimezone(dt.UTC)


def _past_weeks(clinic: Clinic) -> None:
    """Eight weeks of history: time freed, most of it refilled, offers with every outcome."""
    now = timezone.now()
    entry = WaitlistEntry.objects.first()
    for week in range(1, 8):
        for n in range(2 + week % 3):
            freed_at = now - dt.timedelta(days=7 * week - n)
            refilled = n < 1 + week % 3
            freed = FreedTime.objects.create(
                service=clinic.infusion,
                location=clinic.site,
                start=freed_at + dt.timedelta(days=1),
                end=freed_at + dt.timedelta(days=1, minutes=85),
                reason="cancelled",
                freed_at=freed_at,
                status=FreedTime.Status.REFILLED if refilled else FreedTime.Status.UNFILLED,
                refilled_at=freed_at + dt.timedelta(minutes=4 + week) if refilled else None,
            )
            outcome = OfferStatus.CLAIMED if refilled else (OfferStatus.EXPIRED, OfferStatus.DECLINED)[n % 2]
            Offer.objects.create(
                entry=entry,
                freed=freed,
                service=clinic.infusion,
                location=clinic.site,
                start=freed.start,
                end=freed.end,
                mode="one_at_a_time",
                status=outcome,
                created_at=freed_at + dt.timedelta(seconds=20),
                expires_at=freed.start,
                link_nonce=f"n{week}{n}",
                token_hash=f"h{week}-{n}",
            )


def test_the_desk_sees_the_waitlist_and_the_report(browser, live_server):  # noqa: F811
    clinic = Clinic()
    user = UserFactory(username="desk", role=Role.FRONT_DESK)
    user.set_password(PASSWORD)
    user.save()
    StaffMemberFactory(user=user, roles=[StaffRole.FRONT_DESK], locations=[clinic.site])
    names = [("Ana", "Avila"), ("Bea", "Baca"), ("Cy", "Cruz"), ("Dee", "Diaz")]
    patients = [
        clinic.patient(legal_first_name=first, legal_last_name=last, phone=f"+1602555050{i}")
        for i, (first, last) in enumerate(names)
    ]
    for patient in patients:
        joining.join(patient=patient, service=clinic.infusion)
    WaitlistEntry.objects.filter(patient=patients[2]).update(priority=20)
    _past_weeks(clinic)
    visit = clinic.book(clinic.patient(), _days_ahead(2, 10))
    cancel_appointment(appointment=visit, actor=None)
    matching.match(FreedTime.objects.get(source=visit).pk)

    _, page = staff_signed_in(browser, live_server, DESKTOP, username="desk", password=PASSWORD, lands_on=r"/desk/")
    page.goto(f"{live_server.url}/desk/waitlist?location={clinic.site.pk}&service={clinic.infusion.pk}")

    assert page.get_by_role("heading", name=re.compile("Offers in flight")).is_visible()
    assert "offered to Cy Cruz" in page.inner_text("main")
    docs_screenshot(page, "desk-waitlist")
    assert serious_violations(page) == []

    page.get_by_role("link", name="Weekly report").click()
    page.wait_for_url(re.compile(r"/desk/waitlist/report"))
    assert page.locator("svg.waitlist-chart rect").count() > 10
    docs_screenshot(page.locator("figure.chart"), "waitlist-report")
    assert serious_violations(page) == []
