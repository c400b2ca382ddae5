"""Real parallel transactions: two patients claiming the same freed time at once (first K), and
one patient tapping the link while replying YES, give one booking and a clear "taken"."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from scheduling.models import Appointment, AppointmentStatus as S
from scheduling.services.transitions import cancel_appointment
from tests.waitlist.conftest import phx
from waitlist import claiming, joining, matching
from waitlist.models import FreedTime, Offer, OfferStatus, WaitlistSettings

pytestmark = pytest.mark.django_db(transaction=True)


def in_parallel(*calls):
    barrier = threading.Barrier(len(calls))
    results: list = [None] * len(calls)

    def run(index, call):
        try:
            barrier.wait()
            results[index] = call()
        except Exception as exc:  # noqa: BLE001 - the caller asserts on it
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def _offered_to_two(clinic):
    WaitlistSettings.objects.update_or_create(pk=1, defaults={"mode": "first_k", "first_k": 2})
    a, b = clinic.patient(phone="+16025550201"), clinic.patient(phone="+16025550202")
    for patient in (a, b):
        joining.join(patient=patient, service=clinic.infusion, now=phx(3, 9))
    visit = clinic.book(clinic.patient(), phx(4, 10), now=phx(3, 9))
    cancel_appointment(appointment=visit, actor=None, now=phx(3, 10))
    freed = FreedTime.objects.get(source=visit)
    return matching.match(freed.pk, now=phx(3, 10))


def test_two_candidates_claiming_at_once_get_one_booking_and_one_clear_taken(clinic, clock):
    offers = _offered_to_two(clinic)
    assert len(offers) == 2

    results = in_parallel(*[lambda o=o: claiming.claim(offer_id=o.pk, now=phx(3, 10, 5)) for o in offers])

    booked = [r for r in results if isinstance(r, Appointment)]
    refused = [r for r in results if isinstance(r, Exception)]
    assert len(booked) == 1 and len(refused) == 1, results
    assert isinstance(refused[0], claiming.OfferGone) and "already been taken" in refused[0].detail
    assert Appointment.objects.filter(start=phx(4, 10), status__in=(S.BOOKED, S.HELD)).count() == 1
    assert sorted(Offer.objects.values_list("status", flat=True)) == [OfferStatus.CLAIMED, OfferStatus.TAKEN]


def test_the_same_offer_claimed_twice_at_once_books_once(clinic, clock):
    offer = _offered_to_two(clinic)[0]

    results = in_parallel(*[lambda: claiming.claim(offer_id=offer.pk, now=phx(3, 10, 5))] * 2)

    assert all(isinstance(r, Appointment) for r in results), results
    assert results[0].pk == results[1].pk
    assert Appointment.objects.filter(start=phx(4, 10), status=S.BOOKED).count() == 1
