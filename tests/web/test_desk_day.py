"""The desk's day at a glance: each visit's marks (reached, escort, video, gates, new,
interpreter) in words, the Video lane, closed days and hours, the phone agenda's list, and the
day-before call list with its history of calls and the escort form."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from audit.models import AuditEntry
from care.models import Escort, VisitCall
from scheduling.models import Closure, WorkingHours

from .conftest import MONDAY
from .marked_day import marked_day

pytestmark = pytest.mark.django_db

TUESDAY = MONDAY + dt.timedelta(days=1)


@pytest.fixture
def day(clinic, frozen):
    return marked_day(clinic, TUESDAY)


@pytest.fixture
def desk(client, clinic):
    client.force_login(clinic.desk)
    return client


def marks_of(html: str, name: str) -> list[str]:
    """The accessible names of the marks on the calendar block of the patient `name`."""
    block = re.search(rf'<a class="block[^>]*>.*?<strong>{name}</strong>(.*?)</a>', html, re.S).group(1)
    return re.findall(r'role="img" aria-label="([^"]+)"', block)


def test_each_visit_shows_its_marks_in_words(desk, clinic, day):
    html = desk.get(reverse("web:desk-day"), {"location": clinic.phoenix.pk, "date": TUESDAY}).content.decode()

    assert marks_of(html, "Ana Lopez") == ["Reminded by text", "Escort missing", "In person"]
    assert marks_of(html, "Ben Ortiz") == ["Confirmed by reply", "In person"]
    assert marks_of(html, "Cara Nguyen") == ["Video visit", "New patient", "Interpreter needed: Vietnamese"]
    assert marks_of(html, "Dan Stone") == ["Not reached: replied STOP", "In person"]
    assert marks_of(html, "Eve Park") == ["Not reached: no mobile number", "In person"]
    assert marks_of(html, "Fay Reyes") == [
        "Not reached: the text failed",
        "Escort recorded",
        "In person",
        f"Gate will block: Clearance for IV ketamine expires {MONDAY:%b %-d}, before this visit",
    ]
    assert "What the marks mean" in html and "Escort missing (in-person dosing visit)" in html


def test_a_video_visit_is_in_its_clinicians_column_and_the_video_lane_never_a_room(desk, clinic, day):
    html = desk.get(reverse("web:desk-day"), {"location": clinic.phoenix.pk, "date": TUESDAY}).content.decode()
    columns = dict(re.findall(r'<ul class="cal-col" aria-labelledby="col-([\w-]+)">(.*?)</ul>', html, re.S))

    assert "Cara Nguyen" in columns["video"] and "Cara Nguyen" in columns[f"staff-{clinic.therapist.pk}"]
    assert "Ben Ortiz" not in columns["video"]
    assert "Cara Nguyen" not in columns[f"resource-{clinic.room.pk}"]
    assert "Ben Ortiz" in columns[f"resource-{clinic.room.pk}"]


def test_the_marks_are_read_for_the_whole_day_not_per_visit(desk, clinic, day):
    url, query = reverse("web:desk-day"), {"location": clinic.phoenix.pk, "date": TUESDAY}
    with CaptureQueriesContext(connection) as six:
        desk.get(url, query)
    with CaptureQueriesContext(connection) as none:
        desk.get(url, {**query, "date": TUESDAY + dt.timedelta(days=7)})

    # An empty day skips the marks' reads; six visits add a fixed handful, not six times anything.
    assert len(six.captured_queries) - len(none.captured_queries) <= 10


def test_a_day_the_site_does_not_open_says_closed_and_so_do_closed_hours(desk, clinic, frozen):
    WorkingHours.objects.filter(location=clinic.phoenix, weekday=TUESDAY.weekday()).delete()
    closed_weekday = desk.get(reverse("web:desk-day"), {"location": clinic.phoenix.pk, "date": TUESDAY})
    Closure.objects.create(location=clinic.phoenix, start_date=MONDAY, end_date=MONDAY, reason="Staff training")
    closure = desk.get(reverse("web:desk-day"), {"location": clinic.phoenix.pk, "date": MONDAY})

    assert "Phoenix is closed on Tuesdays. Video visits still run." in closed_weekday.content.decode()
    assert "Closed all day: Staff training." in closure.content.decode()
    assert closure.content.decode().count('class="closed-band"') == 1


def test_the_hours_outside_opening_are_shaded_closed(desk, clinic, day):
    WorkingHours.objects.filter(location=clinic.phoenix, weekday=TUESDAY.weekday()).update(
        start_time=dt.time(10), end_time=dt.time(15)
    )
    html = desk.get(reverse("web:desk-day"), {"location": clinic.phoenix.pk, "date": TUESDAY}).content.decode()

    # Visits at 9:00 and until 15:50 widen the grid: closed before 10:00 and after 15:00.
    assert html.count('class="closed-band"') == 2


def test_the_phone_agenda_lists_each_visit_once_with_place_marks_and_a_call_link(desk, clinic, day):
    html = desk.get(reverse("web:desk-day"), {"location": clinic.phoenix.pk, "date": TUESDAY}).content.decode()
    agenda = html.split('<section class="agenda"')[1].split("</section>")[0]

    assert agenda.count('class="agenda-item"') == 6
    assert re.search(r"1:00 PM–1:50 PM</strong> · Video", agenda)
    assert 'href="tel:+16025550103"' in agenda and "Interpreter needed: Vietnamese" in agenda
    assert agenda.index("Ana Lopez") < agenda.index("Cara Nguyen") < agenda.index("Eve Park")


def test_the_call_list_names_tomorrows_visits_that_need_a_call_and_why(desk, clinic, day):
    response = desk.get(reverse("web:desk-calls"), {"location": clinic.phoenix.pk})
    html = response.content.decode()

    assert response.status_code == 200
    assert "Ben Ortiz" not in html  # confirmed, nothing else wrong
    for words in (
        "Dosing visit without an escort",
        "Not reachable by text: replied STOP",
        "Not reachable by text: no mobile number",
        "Gate: Clearance for IV ketamine expires",
        "Not confirmed",
        'href="tel:+16025550101"',
    ):
        assert words in html
    assert AuditEntry.objects.filter(summary__startswith="call list", patient=day.ana.patient_id).exists()


def test_a_call_is_kept_as_history_and_the_escort_recorded_from_the_list(desk, clinic, day):
    url = reverse("web:desk-call-record", args=[day.ana.pk])
    desk.post(url, {"outcome": "no_answer", "location": clinic.phoenix.pk, "date": TUESDAY})
    desk.post(
        url,
        {"outcome": "escort_arranged", "note": "Her brother drives", "location": clinic.phoenix.pk, "date": TUESDAY},
    )
    desk.post(
        reverse("web:desk-call-escort", args=[day.ana.pk]),
        {
            "name": "Luis Lopez",
            "phone": "602-555-0177",
            "confirmed_adult": "on",
            "location": clinic.phoenix.pk,
            "date": TUESDAY,
        },
    )
    html = desk.get(reverse("web:desk-calls"), {"location": clinic.phoenix.pk}).content.decode()

    assert list(VisitCall.objects.filter(appointment=day.ana).values_list("outcome", flat=True)) == [
        "no_answer",
        "escort_arranged",
    ]
    assert Escort.objects.get(appointment=day.ana).name == "Luis Lopez"
    ana_row = html.split(f'id="visit-{day.ana.pk}"')[1].split("</li>\n  \n")[0]
    assert "No answer" in ana_row and "Escort arranged · Her brother drives" in ana_row
    assert "Dosing visit without an escort" not in ana_row


def test_the_call_list_is_the_desks_own_sites_only(client, clinic, day):
    from accounts.models import Role
    from tests.factories import LocationFactory, StaffMemberFactory, UserFactory

    tucson = LocationFactory(name="Tucson", time_zone="America/Phoenix", state="AZ")
    other = UserFactory(username="desk.tucson", role=Role.FRONT_DESK)
    StaffMemberFactory(user=other, display_name="Tucson Desk", roles=["front_desk"], locations=[tucson])
    client.force_login(other)

    html = client.get(reverse("web:desk-calls"), {"location": clinic.phoenix.pk}).content.decode()
    refused = client.post(reverse("web:desk-call-record", args=[day.ana.pk]), {"outcome": "no_answer"})

    assert "Ana Lopez" not in html and "Tucson" in html
    assert refused.status_code == 404 and not VisitCall.objects.exists()


def test_a_clinician_may_not_open_the_call_list(client, clinic, day):
    client.force_login(clinic.clinician)

    assert client.get(reverse("web:desk-calls")).status_code == 403
