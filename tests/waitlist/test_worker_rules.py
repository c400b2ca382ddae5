"""The offer rules through a real worker and the fake Twilio: a patient who texted STOP is
offered by email only; an offer due while the texting window is shut waits for it; a lapsed offer
moves on to the next candidate; a move-up claimed by YES moves the visit."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from notifications.models import Channel, MessageStatus, MessagingPolicy
from scheduling.models import Appointment, AppointmentStatus as S
from scheduling.services.transitions import cancel_appointment
from tests.celery_worker import fake_twilio, twilio_worker, wait_for  # noqa: F401  (fixtures)
from tests.waitlist.conftest import Clinic, PHX
from waitlist import joining
from waitlist.models import Offer, OfferStatus
from waitlist.tasks import close_lapsed_offer

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]


def _open_all_day() -> None:
    MessagingPolicy.objects.update_or_create(
        pk=1, defaults={"quiet_start": dt.time(0), "quiet_end": dt.time(23, 59), "quiet_hours_by_state": {}}
    )


@pytest.fixture
def setup(twilio_worker, fake_twilio, live_server):  # noqa: F811
    fake_twilio.inbound_url = live_server.url + "/webhooks/sms/inbound"
    return Clinic()


def _in_days(days: int, hour: int) -> dt.datetime:
    day = timezone.now().astimezone(PHX).date() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour), tzinfo=PHX).astimezone(dt.UTC)


def _offer_message(offer, channel):
    return wait_for(
        lambda: offer.messages.filter(channel=channel, status=MessageStatus.SENT).first(),
        timeout=60,
        what=f"the {channel} offer to be sent",
    )


def test_a_stopped_patient_is_offered_by_email_only(setup, fake_twilio):  # noqa: F811
    _open_all_day()
    stopped = setup.patient(phone="+16025550801", email="ana@example.com", sms_opted_out=True)
    joining.join(patient=stopped, service=setup.infusion)
    visit = setup.book(setup.patient(phone="+16025550802"), _in_days(2, 10))

    cancel_appointment(appointment=visit, actor=None)

    offer = wait_for(lambda: Offer.objects.first(), timeout=30, what="the offer")
    email = _offer_message(offer, Channel.EMAIL)
    assert "/w/" in email.body and email.to_address == "ana@example.com"
    assert not offer.messages.filter(channel=Channel.SMS).exists()
    assert fake_twilio.sent_to("+16025550801") == []


def test_an_offer_due_while_the_texting_window_is_shut_waits_for_it(setup, fake_twilio):  # noqa: F811
    # A window that is shut now, wherever the clock is: it opened an hour ago... for one minute.
    local = timezone.now().astimezone(PHX)
    opens = (local - dt.timedelta(hours=2)).time().replace(second=0, microsecond=0)
    closes = (local - dt.timedelta(hours=1)).time().replace(second=0, microsecond=0)
    if opens >= closes:  # just after midnight: use a window later today
        opens, closes = dt.time(23, 0), dt.time(23, 30)
    MessagingPolicy.objects.update_or_create(
        pk=1, defaults={"quiet_start": opens, "quiet_end": closes, "quiet_hours_by_state": {}}
    )
    patient = setup.patient(phone="+16025550811")
    joining.join(patient=patient, service=setup.infusion)
    visit = setup.book(setup.patient(phone="+16025550812"), _in_days(3, 10))

    cancel_appointment(appointment=visit, actor=None)

    offer = wait_for(lambda: Offer.objects.first(), timeout=30, what="the offer")
    text = offer.messages.get(channel=Channel.SMS)
    assert text.status == MessageStatus.PLANNED and text.next_attempt_at > timezone.now()
    # The offer (and its hold, in whole minutes) stays open until the window has been open for the
    # clinic's 15 minutes.
    opened_for = offer.expires_at - text.next_attempt_at
    assert dt.timedelta(minutes=15) <= opened_for < dt.timedelta(minutes=16)
    assert fake_twilio.sent_to("+16025550811") == []


def test_a_lapsed_offer_moves_on_to_the_next_candidate(setup, fake_twilio):  # noqa: F811
    _open_all_day()
    first, second = setup.patient(phone="+16025550821"), setup.patient(phone="+16025550822")
    joining.join(patient=first, service=setup.infusion, now=timezone.now() - dt.timedelta(hours=1))
    joining.join(patient=second, service=setup.infusion)
    visit = setup.book(setup.patient(phone="+16025550823"), _in_days(2, 11))
    cancel_appointment(appointment=visit, actor=None)
    wait_for(lambda: fake_twilio.sent_to("+16025550821"), timeout=60, what="the first offer")
    offer = Offer.objects.get()
    # Lapse it now (as 15 minutes would), and let the worker's expiry task run.
    past = timezone.now() - dt.timedelta(seconds=1)
    Offer.objects.filter(pk=offer.pk).update(expires_at=past)
    Appointment.objects.filter(pk=offer.hold_id).update(hold_expires_at=past)
    from scheduling.models import Allocation

    Allocation.objects.filter(appointment_id=offer.hold_id).update(hold_expires_at=past)

    close_lapsed_offer.delay(offer.pk)

    wait_for(lambda: fake_twilio.sent_to("+16025550822"), timeout=60, what="the second offer")
    assert Offer.objects.get(pk=offer.pk).status == OfferStatus.EXPIRED
    following = Offer.objects.exclude(pk=offer.pk).get()
    assert following.entry.patient == second and following.start == offer.start


def test_a_move_up_claimed_by_yes_moves_the_visit(setup, fake_twilio):  # noqa: F811
    _open_all_day()
    patient = setup.patient(phone="+16025550831")
    later = setup.book(patient, _in_days(5, 14))
    joining.join(patient=patient, service=setup.infusion, move_up=later)
    visit = setup.book(setup.patient(phone="+16025550832"), _in_days(2, 9))

    cancel_appointment(appointment=visit, actor=None)
    wait_for(lambda: fake_twilio.sent_to("+16025550831"), timeout=60, what="the offer")
    assert fake_twilio.send_inbound(sender="+16025550831", body="SI") == 200

    moved = wait_for(
        lambda: Appointment.objects.filter(patient=patient, status=S.BOOKED, start=visit.start).first(),
        timeout=30,
        what="the move",
    )
    later.refresh_from_db()
    assert later.status == S.RESCHEDULED and later.rescheduled_to_id == moved.pk
    assert Appointment.objects.filter(patient=patient, status=S.BOOKED).count() == 1
