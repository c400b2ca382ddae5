"""Where the pages meet the check-ins: a pending check-in on My appointments, an open risk alert
on the desk's visit page, and the "book integration therapy" link landing on the booking pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from care.models import Escort
from checkins import links
from checkins.alerts import raise_alert
from checkins.models import CheckIn
from checkins.risk import Reason
from scheduling.services.booking import book_appointment
from scheduling.services.transitions import check_in, complete
from tests.factories import clearance

from .conftest import at, patient_with_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def after_infusion(clinic, frozen):
    """Ana's infusion at 9:00, completed at 10:30: her check-ins are planned."""
    ana = patient_with_user(username="ana", phone="+16025550101", legal_first_name="Ana", legal_last_name="Lopez")
    clearance(ana, "iv_ketamine")
    visit = book_appointment(patient=ana, service=clinic.iv, location=clinic.phoenix, start=at(9), actor=clinic.desk)
    Escort.objects.create(appointment=visit, name="Sam Lopez", phone="+16025550111", confirmed_adult=True)
    frozen.move_to(at(9))
    check_in(appointment=visit, actor=clinic.desk)
    frozen.move_to(at(10, 30))
    complete(appointment=visit, actor=clinic.desk)
    return ana, visit


def test_a_pending_check_in_is_linked_from_my_appointments(client, after_infusion, frozen):
    ana, visit = after_infusion
    first = CheckIn.objects.filter(appointment=visit).order_by("due_at").first()
    client.force_login(ana.user)

    before = client.get(reverse("web:my-appointments")).content.decode()
    frozen.move_to(first.due_at + dt.timedelta(minutes=1))
    client.force_login(ana.user)  # a day later: the 12-hour session has ended
    after = client.get(reverse("web:my-appointments")).content.decode()

    assert "A check-in is waiting for you" not in before
    assert "A check-in is waiting for you" in after
    assert f'href="{links.answer_path(first)}"' in after


def test_an_open_risk_alert_shows_on_the_desks_visit_page(client, clinic, after_infusion):
    ana, visit = after_infusion
    checkin = CheckIn.objects.filter(appointment=visit).first()
    alert = raise_alert(checkin=checkin, reasons=[Reason("phq9_item9", "Item 9 answered 'several days'.")])
    client.force_login(clinic.desk)

    page = client.get(reverse("web:desk-appointment", args=[visit.pk])).content.decode()

    assert "Open risk alert" in page and reverse("checkins:staff-alert", args=[alert.pk]) in page
    assert "several days" not in page  # the desk sees that an alert is open, never the answers


def test_the_integration_link_from_a_check_in_lands_on_the_booking_pages_with_its_therapist(client, clinic, frozen):
    response = client.get("/book/", {"service": "integration", "staff": clinic.therapist.pk})

    assert response.url == f"{reverse('web:place', args=['integration'])}?staff={clinic.therapist.pk}"
    place = client.get(response.url).content.decode()
    assert "With Lucía Fernández." in place
    times = client.get(reverse("web:times", args=["integration", clinic.phoenix.pk]),
                       {"staff": clinic.therapist.pk}).content.decode()
    assert f'value="2025-03-03T16:00:00Z|{clinic.therapist.pk}"' in times
    assert client.get("/book/", {"service": "no-such-service"}).url == reverse("web:home")
