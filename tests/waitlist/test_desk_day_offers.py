"""The desk's day marks freed time that has a waitlist offer in flight, as a single-site desk
member: a labelled block in its column linking to that site's and service's waitlist, in the
phone agenda and the legend too, gone once the offer lapses; read in one query for the day.
And the staff navigation leads to the waitlist."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from scheduling.models import Resource
from scheduling.services.transitions import cancel_appointment
from tests.waitlist.conftest import phx
from waitlist import joining, matching
from waitlist.models import FreedTime, Offer, OfferMode, WaitlistSettings

pytestmark = pytest.mark.django_db


def _free_and_offer(clinic, start: dt.datetime, first: str, phone: str) -> Offer:
    patient = clinic.patient(legal_first_name=first, phone=phone)
    joining.join(patient=patient, service=clinic.infusion, now=phx(3, 9))
    visit = clinic.book(clinic.patient(), start)
    cancel_appointment(appointment=visit, actor=None, now=phx(3, 10))
    matching.match(FreedTime.objects.get(source=visit).pk, now=phx(3, 10))
    return Offer.objects.filter(freed__source=visit).first()


def _day(desk, clinic) -> str:
    return desk.get(reverse("web:desk-day") + f"?location={clinic.site.pk}&date=2025-03-04").content.decode()


def test_freed_time_with_an_offer_in_flight_is_a_labelled_block_linking_to_the_waitlist(desk, clinic, clock):
    offer = _free_and_offer(clinic, phx(4, 10), "Ana", "+16025550601")
    assert offer.expires_at == phx(3, 10, 15) and offer.hold is not None

    page = _day(desk, clinic)

    grid = page[page.index('class="calendar"') : page.index('class="agenda"')]
    link = f'href="/desk/waitlist?location={clinic.site.pk}&amp;service={clinic.infusion.pk}"'
    assert 'class="block offered"' in grid and link in grid
    assert re.search(
        r'<a class="block offered" [^>]*><strong>Offered to the waitlist until 10:15 AM</strong><br>'
        r"Freed 10:00 AM–",
        grid,
    )
    # In the column of the chair the hold keeps, not colour alone: the words are on the block.
    chair = Resource.objects.get(name="Chair 1")
    (column,) = [c for c in grid.split('<ul class="cal-col"')[1:] if "block offered" in c]
    assert column.startswith(f' aria-labelledby="col-resource-{chair.pk}"')
    assert "Offered to the waitlist until 10:15 AM" in column
    agenda = page[page.index('class="agenda"') : page.index('class="marks-legend"')]
    assert "Offered to the waitlist until 10:15 AM" in agenda and link in agenda
    legend = page[page.index('class="marks-legend"') :]
    assert "Freed time with a waitlist offer in flight" in legend


def test_the_mark_goes_once_the_offer_lapses_or_is_claimed(desk, clinic, clock):
    _free_and_offer(clinic, phx(4, 10), "Ana", "+16025550611")
    clock.move_to(phx(3, 10, 16))

    assert "Offered to the waitlist" not in _day(desk, clinic).split('class="marks-legend"')[0]


def test_the_offers_are_read_in_one_query_for_the_day(desk, clinic, clock):
    _free_and_offer(clinic, phx(4, 9), "Ana", "+16025550621")
    _day(desk, clinic)
    with CaptureQueriesContext(connection) as one:
        _day(desk, clinic)
    _free_and_offer(clinic, phx(4, 13), "Bea", "+16025550622")
    with CaptureQueriesContext(connection) as two:
        page = _day(desk, clinic)

    assert page.count('class="block offered"') == 2
    assert len(two.captured_queries) == len(one.captured_queries)
    assert sum('"waitlist_offer"' in q["sql"] for q in two.captured_queries) == 1


def test_the_staff_navigation_leads_to_the_waitlist(desk, clinic, clock):
    day = desk.get(reverse("web:desk-day") + f"?location={clinic.site.pk}").content.decode()
    waitlist = desk.get(reverse("web:desk-waitlist") + f"?location={clinic.site.pk}").content.decode()
    alerts = desk.get(reverse("checkins:staff-alerts")).content.decode()

    assert '<a href="/desk/waitlist">Waitlist</a>' in day
    assert '<a href="/desk/waitlist" aria-current="page">Waitlist</a>' in waitlist
    assert '<a href="/desk/waitlist">Waitlist</a>' in alerts


def test_first_k_offers_without_a_hold_show_once_in_a_waitlist_column(desk, clinic, clock):
    WaitlistSettings.objects.update_or_create(pk=1, defaults={"mode": OfferMode.FIRST_K, "first_k": 2})
    joining.join(
        patient=clinic.patient(legal_first_name="Bea", phone="+16025550632"), service=clinic.infusion, now=phx(3, 9)
    )
    offer = _free_and_offer(clinic, phx(4, 10), "Ana", "+16025550631")
    assert offer.hold is None and Offer.objects.filter(freed=offer.freed).count() == 2

    grid = _day(desk, clinic).split('class="agenda"')[0]

    assert grid.count('class="block offered"') == 1
    (column,) = [c for c in grid.split('<ul class="cal-col"')[1:] if "block offered" in c]
    assert column.startswith(' aria-labelledby="col-waitlist"') and "<strong>Waitlist</strong>" in grid
