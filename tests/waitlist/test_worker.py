"""End to end with real processes: a cancellation committed here reaches a real Celery worker
(subprocess) through Redis; the worker matches the freed time and the offer text goes out through
the Twilio SDK to the fake Twilio; the patient's YES comes back, signed, to the app's webhook
(pytest-django's live server) and books the time through the booking service.

The worker runs on the real clock: the visits are days ahead of now, and the texting window is
opened to the whole day so the test does not depend on the hour it runs at."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.test import Client
from django.utils import timezone

from notifications.models import MessagingPolicy, OutboundMessage
from notifications.rendering import deny_listed_words
from notifications.segments import count_segments
from scheduling.models import Appointment, AppointmentStatus as S
from scheduling.services.transitions import cancel_appointment
from tests.celery_worker import fake_twilio, twilio_worker, wait_for  # noqa: F401  (fixtures)
from tests.waitlist.conftest import Clinic
from waitlist import joining
from waitlist.models import FreedTime, Offer, OfferStatus

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def setup(twilio_worker, fake_twilio, live_server):  # noqa: F811
    fake_twilio.inbound_url = live_server.url + "/webhooks/sms/inbound"
    MessagingPolicy.objects.update_or_create(
        pk=1, defaults={"quiet_start": dt.time(0), "quiet_end": dt.time(23, 59), "quiet_hours_by_state": {}}
    )
    return Clinic()


def _texts(fake, number: str, count: int = 1) -> list[str]:
    sent = wait_for(
        lambda: len(fake.sent_to(number)) >= count and fake.sent_to(number),
        timeout=60,
        what=f"{count} text(s) to {number}",
    )
    bodies = [m["body"] for m in sent]
    for body in bodies:
        assert count_segments(body).segments == 1 and deny_listed_words(body) == [], body
    return bodies


def _day_after_tomorrow(hour: int) -> dt.datetime:
    from tests.waitlist.conftest import PHX

    day = timezone.now().astimezone(PHX).date() + dt.timedelta(days=2)
    return dt.datetime.combine(day, dt.time(hour), tzinfo=PHX).astimezone(dt.UTC)


def test_a_cancellation_is_offered_by_text_and_a_yes_reply_books_it(setup, fake_twilio):  # noqa: F811
    clinic = setup
    waiting = clinic.patient(legal_first_name="Ana", phone="+16025550301")
    joining.join(patient=waiting, service=clinic.infusion)
    start = _day_after_tomorrow(10)
    visit = clinic.book(clinic.patient(phone="+16025550302"), start)

    cancel_appointment(appointment=visit, actor=None, reason="Called to cancel")

    [offer_text] = _texts(fake_twilio, "+16025550301")
    assert "Reply YES" in offer_text
    offer = Offer.objects.get()
    assert offer.start == start and offer.hold.status == S.HELD

    assert fake_twilio.send_inbound(sender="+16025550301", body="Yes") == 200

    booked = wait_for(
        lambda: Appointment.objects.filter(patient=waiting, status=S.BOOKED).first(),
        timeout=30,
        what="the claim to book",
    )
    assert booked.start == start and booked.pk == offer.hold_id
    assert Offer.objects.get().status == OfferStatus.CLAIMED
    assert FreedTime.objects.get().status == FreedTime.Status.REFILLED
    assert OutboundMessage.objects.filter(appointment=booked, kind="confirmation").exists()


def test_a_late_claim_by_link_is_told_the_time_is_gone(setup, fake_twilio):  # noqa: F811
    from waitlist.models import WaitlistSettings

    WaitlistSettings.objects.update_or_create(pk=1, defaults={"mode": "first_k", "first_k": 2})
    clinic = setup
    first, second = clinic.patient(phone="+16025550311"), clinic.patient(phone="+16025550312")
    for patient in (first, second):
        joining.join(patient=patient, service=clinic.infusion)
    visit = clinic.book(clinic.patient(phone="+16025550313"), _day_after_tomorrow(11))

    cancel_appointment(appointment=visit, actor=None)

    links = {}
    for number in ("+16025550311", "+16025550312"):
        [text] = _texts(fake_twilio, number)
        links[number] = re.search(r"https?://\S+/w/[\w-]+", text).group(0)
    client = Client()
    path = lambda url: "/" + url.split("/", 3)[3]  # noqa: E731
    assert client.post(path(links["+16025550312"]), {"answer": "yes"}).status_code == 200
    late = client.post(path(links["+16025550311"]), {"answer": "yes"})

    assert late.status_code == 409
    assert "already been taken" in late.content.decode()
    assert Appointment.objects.filter(start=visit.start, status=S.BOOKED).get().patient == second
