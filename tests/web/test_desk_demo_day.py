"""The demo clinic has a day at Phoenix that shows every mark of the desk's day view: to the
Phoenix desk (one site, no video visits) every mark of its visits, and the video visit to the
desk that covers video."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.urls import reverse

from scheduling.models import Location

pytestmark = pytest.mark.django_db


def marks_seen(client, username: str, day: str) -> set[str]:
    client.force_login(get_user_model().objects.get(username=username))
    html = client.get(
        reverse("web:desk-day"), {"location": Location.objects.get(name="Phoenix").pk, "date": day}
    ).content.decode()
    return set(re.findall(r'role="img" aria-label="([^"]+)"', html))


def test_the_demo_has_a_day_that_shows_every_mark(client):
    out = StringIO()
    call_command("seed_demo", stdout=out)
    day = re.search(r"Every mark of the desk's day view: Phoenix on (\d{4}-\d\d-\d\d)", out.getvalue()).group(1)

    phoenix = marks_seen(client, "desk.phoenix", day)
    every_site = marks_seen(client, "frontdesk", day)

    assert {
        "Reminded by text",
        "Confirmed by reply",
        "Not reached: replied STOP",
        "Not reached: the text failed",
        "Not reached: no mobile number",
        "Escort recorded",
        "Escort missing",
        "In person",
        "Interpreter needed: Vietnamese",
    } <= phoenix
    assert any(name.startswith("Gate will block: Clearance") for name in phoenix)
    assert {"Video visit", "New patient"} <= every_site
