"""The desk's waitlist page and report, as a single-site desk member: the entries in the order
they are offered, an offer in flight, priority, withdraw, a time offered by hand, the plot."""

from __future__ import annotations

import pytest
from django.urls import reverse

from scheduling.services.transitions import cancel_appointment
from tests.factories import LocationFactory
from tests.waitlist.conftest import phx
from waitlist import joining, matching
from waitlist.models import EntryStatus, FreedTime, Offer, WaitlistEntry

pytestmark = pytest.mark.django_db


def test_the_page_lists_entries_in_offer_order_and_the_offer_in_flight(desk, clinic, clock):
    ana = clinic.patient(legal_first_name="Ana", legal_last_name="Avila", phone="+16025550401")
    bea = clinic.patient(legal_first_name="Bea", legal_last_name="Baca", phone="+16025550402")
    cy = clinic.patient(legal_first_name="Cy", legal_last_name="Cruz", phone="+16025550403")
    for patient in (ana, bea, cy):
        joining.join(patient=patient, service=clinic.infusion, now=phx(3, 9))
    WaitlistEntry.objects.filter(patient=cy).update(priority=20)
    visit = clinic.book(clinic.patient(), phx(4, 10))
    cancel_appointment(appointment=visit, actor=None, now=phx(3, 10))
    matching.match(FreedTime.objects.get().pk, now=phx(3, 10))
    # Someone at another site is not shown.
    other = LocationFactory(name="Tucson")
    hidden = clinic.patient(legal_first_name="Hidden")
    WaitlistEntry.objects.create(
        patient=hidden,
        service=clinic.infusion,
        place="location",
        location=other,
        earliest_date=phx(3, 0).date(),
        latest_date=phx(20, 0).date(),
        weekdays=[0],
        expires_on=phx(20, 0).date(),
        created_at=phx(3, 9),
    )

    page = desk.get(reverse("web:desk-waitlist") + f"?location={clinic.site.pk}").content.decode()

    assert page.index("Cy Cruz") < page.index("Ana Avila") < page.index("Bea Baca")
    in_flight = page[page.index("Offers in flight") : page.index("Waiting (")]
    assert "offered to Cy Cruz" in in_flight
    assert "Hidden" not in page


def test_the_desk_raises_priority_withdraws_and_offers_a_time_by_hand(desk, clinic, clock):
    ana = clinic.patient(legal_first_name="Ana", phone="+16025550411")
    bea = clinic.patient(legal_first_name="Bea", phone="+16025550412")
    entry_a, _ = joining.join(patient=ana, service=clinic.infusion, now=phx(3, 9))
    entry_b, _ = joining.join(patient=bea, service=clinic.infusion, now=phx(3, 9))
    form = {"location": clinic.site.pk, "service": clinic.infusion.pk}

    desk.post(reverse("web:desk-waitlist-priority", args=[entry_a.pk]), {**form, "priority": "40"})
    desk.post(reverse("web:desk-waitlist-withdraw", args=[entry_b.pk]), form)
    offered = desk.post(
        reverse("web:desk-waitlist-offer", args=[entry_a.pk]), {**form, "start": "2025-03-05T09:00"}, follow=True
    )

    assert WaitlistEntry.objects.get(pk=entry_a.pk).priority == 40
    assert WaitlistEntry.objects.get(pk=entry_b.pk).status == EntryStatus.WITHDRAWN
    offer = Offer.objects.get()
    assert offer.entry_id == entry_a.pk and offer.start == phx(5, 9) and offer.by is not None
    assert "Offered" in offered.content.decode()
    # A time the clinic does not have is refused with the reason.
    refused = desk.post(
        reverse("web:desk-waitlist-offer", args=[entry_a.pk]), {**form, "start": "2025-03-05T23:00"}, follow=True
    )
    assert "offer in flight" in refused.content.decode()


def test_the_report_page_draws_the_weeks(desk, clinic, clock):
    page = desk.get(reverse("web:desk-waitlist-report") + f"?location={clinic.site.pk}").content.decode()

    assert "<svg" in page and "Minutes refilled from the waitlist" in page
    assert page.count("<tr>") >= 8
