"""The claim link's page: the time and two buttons; taking it books it; letting it go frees it
for the next candidate; a taken or lapsed offer says so plainly, in the patient's language."""

from __future__ import annotations

import pytest
from django.test import Client

from scheduling.models import Appointment, AppointmentStatus as S
from scheduling.services.transitions import cancel_appointment
from tests.waitlist.conftest import phx
from waitlist import joining, links, matching
from waitlist.models import FreedTime, Offer, OfferStatus

pytestmark = pytest.mark.django_db


def _offer(clinic, clock, **patient_fields):
    first = clinic.patient(phone="+16025550601", **patient_fields)
    second = clinic.patient(phone="+16025550602")
    joining.join(patient=first, service=clinic.infusion, now=phx(3, 8))
    joining.join(patient=second, service=clinic.infusion, now=phx(3, 9))
    visit = clinic.book(clinic.patient(), phx(4, 10))
    cancel_appointment(appointment=visit, actor=None, now=phx(3, 10))
    [offer] = matching.match(FreedTime.objects.get().pk, now=phx(3, 10))
    return offer, f"/w/{links.token_for(offer)}"


def test_the_page_shows_the_time_and_taking_it_books_it(clinic, clock):
    offer, path = _offer(clinic, clock)
    client = Client()

    page = client.get(path).content.decode()
    assert "A time opened for you" in page and "Take this time" in page and "Camelback" in page

    booked = client.post(path, {"answer": "yes"})
    assert booked.status_code == 200 and "You are booked" in booked.content.decode()
    assert Appointment.objects.get(pk=offer.hold_id).status == S.BOOKED
    # Tapping again says the same, books nothing more.
    assert "You are booked" in client.post(path, {"answer": "yes"}).content.decode()
    assert Appointment.objects.filter(start=phx(4, 10), status=S.BOOKED).count() == 1


def test_letting_it_go_offers_it_to_the_next_patient(clinic, clock, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    offer, path = _offer(clinic, clock)

    Client().post(path, {"answer": "no"})

    assert Offer.objects.get(pk=offer.pk).status == OfferStatus.DECLINED
    assert Appointment.objects.get(pk=offer.hold_id).status == S.CANCELLED
    matching.match(offer.freed_id, now=phx(3, 10, 1))
    assert Offer.objects.filter(status=OfferStatus.SENT).get().entry.patient.phone == "+16025550602"


def test_a_lapsed_offer_says_the_time_is_gone_in_spanish(clinic, clock):
    _, path = _offer(clinic, clock, language="es")
    clock.move_to(phx(3, 10, 20))

    page = Client().post(path, {"answer": "yes"})

    assert page.status_code == 409
    assert "Esta hora ya no está disponible" in page.content.decode()
    assert "Sigue en la lista de espera" in page.content.decode() or "sigue en la lista" in page.content.decode()


def test_a_wrong_link_names_nobody(clinic, clock):
    assert Client().get("/w/" + "x" * 22).status_code == 404
