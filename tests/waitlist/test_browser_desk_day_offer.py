"""In a real browser, a single-site desk member's day shows freed time with a waitlist offer in
flight as a block named for screen readers ("Offered to the waitlist until ...") that opens the
waitlist of that site and service; the page passes axe-core. With CLEARDAY_SCREENSHOTS=1 the day
is written to docs/screenshots/desk-day-waitlist.png."""

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
from waitlist import joining
from waitlist.models import FreedTime, Offer, OfferMode

pytestmark = [pytest.mark.django_db(transaction=True)]
PASSWORD = "desk-password-for-tests"


def test_the_desk_sees_freed_time_offered_to_the_waitlist_and_opens_the_waitlist(browser, live_server):  # noqa: F811
    clinic = Clinic()
    user = UserFactory(username="desk", role=Role.FRONT_DESK)
    user.set_password(PASSWORD)
    user.save()
    StaffMemberFactory(user=user, roles=[StaffRole.FRONT_DESK], locations=[clinic.site])
    day = timezone.now().astimezone(PHX).date() + dt.timedelta(days=2)
    at = lambda hour: dt.datetime.combine(day, dt.time(hour), tzinfo=PHX).astimezone(dt.UTC)  # noqa: E731
    clinic.book(clinic.patient(legal_first_name="Eva", legal_last_name="Ruiz", phone="+16025550701"), at(8))
    visit = clinic.book(clinic.patient(legal_first_name="Gus", phone="+16025550702"), at(11))
    cancel_appointment(appointment=visit, actor=None)
    entry, _ = joining.join(
        patient=clinic.patient(legal_first_name="Ana", legal_last_name="Avila", phone="+16025550703"),
        service=clinic.infusion,
    )
    # The offer as the matcher leaves it (sent, lapsing in 15 minutes), made here so that the test
    # does not depend on the hour it runs at (quiet hours would pass the time to no one).
    freed = FreedTime.objects.get(source=visit)
    now = timezone.now()
    expires = now + dt.timedelta(minutes=15)
    Offer.objects.create(
        entry=entry,
        freed=freed,
        service=clinic.infusion,
        location=clinic.site,
        start=freed.start,
        end=freed.end,
        mode=OfferMode.FIRST_K,
        created_at=now,
        expires_at=expires,
        link_nonce="n1",
        token_hash="browser-offer",
    )
    until = expires.astimezone(PHX).strftime("%-I:%M %p")

    _, page = staff_signed_in(browser, live_server, DESKTOP, username="desk", password=PASSWORD, lands_on=r"/desk/")
    page.goto(f"{live_server.url}/desk/?location={clinic.site.pk}&date={day.isoformat()}")

    block = page.locator(".calendar").get_by_role("link", name=f"Offered to the waitlist until {until}", exact=False)
    assert block.is_visible()
    assert page.get_by_role("navigation", name="Front desk").get_by_role("link", name="Waitlist").is_visible()
    docs_screenshot(page, "desk-day-waitlist")
    assert serious_violations(page) == []

    block.click()
    page.wait_for_url(re.compile(rf"/desk/waitlist\?location={clinic.site.pk}&service={clinic.infusion.pk}$"))
    assert "offered to Ana Avila" in page.inner_text("main")
