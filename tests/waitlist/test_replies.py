"""Replies to an offer, in-process: YES or SI claims the newest live offer; C still confirms the
patient's visit; a YES after the time went gets a plain "taken" text."""

from __future__ import annotations

import pytest

from notifications.inbound import receive_sms
from notifications.models import OutboundMessage
from scheduling.models import AppointmentStatus as S
from scheduling.services.transitions import cancel_appointment
from tests.waitlist.conftest import phx
from waitlist import claiming, joining, matching
from waitlist.models import FreedTime, Offer, OfferStatus, WaitlistSettings

pytestmark = pytest.mark.django_db


def _offered(clinic, phone: str, **fields):
    patient = clinic.patient(phone=phone, **fields)
    joining.join(patient=patient, service=clinic.infusion, now=phx(3, 9))
    visit = clinic.book(clinic.patient(), phx(4, 10))
    cancel_appointment(appointment=visit, actor=None, now=phx(3, 10))
    [offer] = matching.match(FreedTime.objects.get(source=visit).pk, now=phx(3, 10))
    return patient, offer


def test_si_claims_the_offer(clinic, clock):
    patient, offer = _offered(clinic, "+16025550901", language="es")

    inbound = receive_sms(provider_id="SMw1", from_number="+16025550901", to_number="+1", body="Sí", now=phx(3, 10, 3))

    assert Offer.objects.get(pk=offer.pk).status == OfferStatus.CLAIMED
    assert inbound.appointment.status == S.BOOKED and inbound.appointment.patient == patient


def test_c_still_confirms_the_visit_and_leaves_the_offer_open(clinic, clock):
    patient, offer = _offered(clinic, "+16025550911")
    clinic.book(patient, phx(6, 14))

    receive_sms(provider_id="SMw2", from_number="+16025550911", to_number="+1", body="C", now=phx(3, 10, 3))

    assert Offer.objects.get(pk=offer.pk).status == OfferStatus.SENT


def test_a_yes_after_the_time_went_is_told_plainly(clinic, clock):
    WaitlistSettings.objects.update_or_create(pk=1, defaults={"mode": "first_k", "first_k": 2})
    late = clinic.patient(phone="+16025550921")
    joining.join(patient=late, service=clinic.infusion, now=phx(3, 8))
    first = clinic.patient(phone="+16025550922")
    joining.join(patient=first, service=clinic.infusion, now=phx(3, 9))
    visit = clinic.book(clinic.patient(), phx(4, 10))
    cancel_appointment(appointment=visit, actor=None, now=phx(3, 10))
    offers = matching.match(FreedTime.objects.get(source=visit).pk, now=phx(3, 10))
    claiming.claim(offer_id=next(o for o in offers if o.entry.patient == first).pk, now=phx(3, 10, 1))

    receive_sms(provider_id="SMw3", from_number="+16025550921", to_number="+1", body="YES", now=phx(3, 10, 2))

    assert OutboundMessage.objects.filter(patient=late, kind="reply_waitlist_gone").exists()
