"""Freed time to offer to claim, in-process: the matcher's choices, the claim's atomicity, the
offer's own expiry. (tests/waitlist/test_worker.py runs the same path through a real worker.)"""

from __future__ import annotations

import datetime as dt

import pytest

from core.errors import DomainError
from notifications.models import Channel, OutboundMessage
from notifications.rendering import deny_listed_words
from notifications.segments import count_segments
from scheduling.models import Appointment, AppointmentStatus as S
from scheduling.services.transitions import cancel_appointment
from tests.waitlist.conftest import deliver, phx, texts_to
from waitlist import claiming, joining, matching
from waitlist.models import EntryStatus, FreedTime, Offer, OfferStatus, WaitlistSettings

pytestmark = pytest.mark.django_db


def _cancel(appointment, *, now=None):
    cancel_appointment(appointment=appointment, actor=None, reason="Called to cancel", now=now)
    return FreedTime.objects.get(source=appointment)


def _full_day(clinic, day=4):
    """Book every start of the day so nothing else is free."""
    visits = []
    for _ in range(12):
        starts = clinic.free_starts(phx(day, 0), phx(day, 23))
        if not starts:
            break
        visits.append(clinic.book(clinic.patient(), starts[0]))
    return visits


def test_a_cancellation_is_offered_to_the_first_candidate_with_a_hold_and_yes_books_it(clinic, clock):
    first = clinic.patient(legal_first_name="Ana", phone="+16025550111")
    second = clinic.patient(legal_first_name="Bea", phone="+16025550112")
    joining.join(patient=second, service=clinic.infusion, now=phx(3, 9))
    clock.move_to(phx(3, 9, 30))
    joining.join(patient=first, service=clinic.infusion, priority=5, by_staff=True, now=phx(3, 9, 30))
    visit = clinic.book(clinic.patient(), phx(4, 10))
    clock.move_to(phx(3, 10))

    freed = _cancel(visit, now=phx(3, 10))
    [offer] = matching.match(freed.pk, now=phx(3, 10))

    assert offer.entry.patient == first  # raised priority goes first, whatever the order of joining
    assert offer.start == phx(4, 10)
    hold = Appointment.objects.get(pk=offer.hold_id)
    assert hold.status == S.HELD and hold.hold_expires_at == phx(3, 10, 15)
    deliver()
    [text] = texts_to(first.phone)
    assert "YES" in text and "/w/" in text
    assert count_segments(text).segments == 1 and deny_listed_words(text) == []
    assert texts_to(second.phone) == []

    booked = claiming.claim(offer_id=offer.pk, now=phx(3, 10, 5))

    assert booked.pk == hold.pk and booked.status == S.BOOKED and booked.patient == first
    freed.refresh_from_db()
    assert freed.status == FreedTime.Status.REFILLED and freed.refilled_by_id == booked.pk
    assert offer.entry.__class__.objects.get(pk=offer.entry_id).status == EntryStatus.BOOKED
    # The usual confirmation follows the booking.
    assert OutboundMessage.objects.filter(appointment=booked, kind="confirmation").exists()


def test_an_uncleared_patient_is_never_offered_an_infusion(clinic, clock):
    uncleared = clinic.patient(cleared=False, phone="+16025550121")
    cleared = clinic.patient(phone="+16025550122")
    joining.join(patient=cleared, service=clinic.infusion, now=phx(3, 9))
    # The desk could not add the uncleared patient either, and is told why.
    with pytest.raises(joining.NotEligible) as refused:
        joining.join(patient=uncleared, service=clinic.infusion, by_staff=True, now=phx(3, 9))
    assert refused.value.code == "waitlist_not_eligible" and refused.value.detail
    # Even an entry that was made before its clearance lapsed is passed over.
    from waitlist.models import WaitlistEntry

    WaitlistEntry.objects.create(
        patient=uncleared,
        service=clinic.infusion,
        earliest_date=dt.date(2025, 3, 3),
        latest_date=dt.date(2025, 3, 31),
        weekdays=list(range(7)),
        priority=99,
        expires_on=dt.date(2025, 3, 31),
        created_at=phx(3, 8),
    )
    visit = clinic.book(clinic.patient(), phx(4, 10))

    freed = _cancel(visit, now=phx(3, 10))
    offers = matching.match(freed.pk, now=phx(3, 10))

    assert [o.entry.patient for o in offers] == [cleared]
    assert not Offer.objects.filter(entry__patient=uncleared).exists()


def test_first_k_two_claim_at_once_one_books_and_the_other_is_told_it_is_taken(clinic, clock):
    WaitlistSettings.objects.update_or_create(pk=1, defaults={"mode": "first_k", "first_k": 2})
    a, b = clinic.patient(phone="+16025550131"), clinic.patient(phone="+16025550132")
    for patient in (a, b):
        joining.join(patient=patient, service=clinic.infusion, now=phx(3, 9))
    visit = clinic.book(clinic.patient(), phx(4, 10))
    freed = _cancel(visit, now=phx(3, 10))
    offers = matching.match(freed.pk, now=phx(3, 10))
    assert {o.entry.patient for o in offers} == {a, b} and all(o.hold_id is None for o in offers)

    booked = claiming.claim(offer_id=offers[1].pk, now=phx(3, 10, 2))
    with pytest.raises(claiming.OfferGone) as late:
        claiming.claim(offer_id=offers[0].pk, now=phx(3, 10, 3))

    assert booked.patient == offers[1].entry.patient
    assert "already been taken" in late.value.detail
    assert Appointment.objects.filter(start=phx(4, 10), status=S.BOOKED).count() == 1
    loser = Offer.objects.get(pk=offers[0].pk)
    assert loser.status == OfferStatus.TAKEN and loser.entry.status == EntryStatus.WAITING  # still on the list


def test_a_move_up_moves_the_visit_in_one_step(clinic, clock):
    patient = clinic.patient(phone="+16025550141")
    later = clinic.book(patient, phx(6, 14))
    joining.join(patient=patient, service=clinic.infusion, move_up=later, now=phx(3, 9))
    visit = clinic.book(clinic.patient(), phx(4, 10))
    freed = _cancel(visit, now=phx(3, 10))
    [offer] = matching.match(freed.pk, now=phx(3, 10))

    moved = claiming.claim(offer_id=offer.pk, now=phx(3, 10, 4))

    later.refresh_from_db()
    assert later.status == S.RESCHEDULED and later.rescheduled_to_id == moved.pk
    assert moved.start == phx(4, 10) and moved.status == S.BOOKED
    assert Appointment.objects.get(pk=offer.hold_id).status == S.CANCELLED
    # The time the move gave back is itself freed time, for the next patient.
    assert FreedTime.objects.filter(source=later, reason="rescheduled").exists()


def test_an_expired_offer_goes_to_the_next_candidate_and_a_late_claim_is_refused(clinic, clock):
    first, second = clinic.patient(phone="+16025550151"), clinic.patient(phone="+16025550152")
    joining.join(patient=first, service=clinic.infusion, now=phx(3, 8))
    joining.join(patient=second, service=clinic.infusion, now=phx(3, 9))
    visit = clinic.book(clinic.patient(), phx(4, 10))
    freed = _cancel(visit, now=phx(3, 10))
    [offer] = matching.match(freed.pk, now=phx(3, 10))
    assert offer.entry.patient == first

    # No job has run: the claim itself refuses the lapsed offer.
    with pytest.raises(claiming.OfferGone):
        claiming.claim(offer_id=offer.pk, now=phx(3, 10, 16))
    [next_offer] = matching.match(freed.pk, now=phx(3, 10, 16))

    assert next_offer.entry.patient == second and next_offer.start == phx(4, 10)
    assert Offer.objects.get(pk=offer.pk).status == OfferStatus.EXPIRED
    assert claiming.claim(offer_id=next_offer.pk, now=phx(3, 10, 20)).patient == second


def test_a_stopped_patient_is_offered_by_email_only(clinic, clock):
    from django.core import mail

    patient = clinic.patient(phone="+16025550161", email="ana@example.com", sms_opted_out=True)
    joining.join(patient=patient, service=clinic.infusion, now=phx(3, 9))
    visit = clinic.book(clinic.patient(), phx(4, 10))
    freed = _cancel(visit, now=phx(3, 10))
    [offer] = matching.match(freed.pk, now=phx(3, 10))

    deliver()

    assert list(offer.messages.values_list("channel", flat=True)) == [Channel.EMAIL]
    assert texts_to(patient.phone) == []
    [email] = [m for m in mail.outbox if m.to == ["ana@example.com"]]
    assert "/w/" in email.body


def test_a_time_starting_before_the_texting_window_reopens_goes_to_the_next_candidate(clinic, clock):
    night_owl = clinic.patient(phone="+16025550171")  # texts only
    with_email = clinic.patient(phone="+16025550172", email="bea@example.com", prefers_email=True)
    joining.join(patient=night_owl, service=clinic.infusion, now=phx(3, 9))
    joining.join(patient=with_email, service=clinic.infusion, now=phx(3, 9, 30))
    visit = clinic.book(clinic.patient(), phx(4, 8))
    clock.move_to(phx(3, 22))

    # 22:00: the window is shut until 8:00, when the visit starts.
    freed = _cancel(visit, now=phx(3, 22))
    [offer] = matching.match(freed.pk, now=phx(3, 22))

    assert offer.entry.patient == with_email
    # Her text could only go as the visit starts, so only the email goes, now.
    assert [(m.channel, m.next_attempt_at) for m in offer.messages.all()] == [(Channel.EMAIL, phx(3, 22))]
    assert not Offer.objects.filter(entry__patient=night_owl).exists()


def test_an_offer_due_in_closed_hours_is_texted_when_the_window_opens(clinic, clock):
    patient = clinic.patient(phone="+16025550181")
    joining.join(patient=patient, service=clinic.infusion, now=phx(3, 9))
    visit = clinic.book(clinic.patient(), phx(4, 14))
    clock.move_to(phx(3, 22))
    freed = _cancel(visit, now=phx(3, 22))

    [offer] = matching.match(freed.pk, now=phx(3, 22))
    deliver()

    assert texts_to(patient.phone) == []
    # Held from now until 15 minutes after the window opens, so the patient has the whole time.
    assert offer.expires_at == phx(4, 8, 15)
    clock.move_to(phx(4, 8))
    deliver()
    assert len(texts_to(patient.phone)) == 1


def test_matching_twice_offers_once(clinic, clock):
    patient = clinic.patient(phone="+16025550191")
    joining.join(patient=patient, service=clinic.infusion, now=phx(3, 9))
    visit = clinic.book(clinic.patient(), phx(4, 10))
    freed = _cancel(visit, now=phx(3, 10))

    matching.match(freed.pk, now=phx(3, 10))
    matching.match(freed.pk, now=phx(3, 10, 1))

    assert Offer.objects.count() == 1
    assert OutboundMessage.objects.filter(kind="waitlist_offer").count() == 1


def test_a_refused_join_names_the_reason_and_joining_twice_keeps_one_entry(clinic, clock):
    patient = clinic.patient()
    entry, created = joining.join(patient=patient, service=clinic.infusion, now=phx(3, 9))
    again, created_again = joining.join(patient=patient, service=clinic.infusion, now=phx(3, 9))
    assert created and not created_again and again.pk == entry.pk
    with pytest.raises(DomainError):
        joining.join(patient=clinic.patient(cleared=False), service=clinic.infusion, now=phx(3, 9))


def test_a_time_whose_clinicians_do_not_speak_the_patients_language_goes_to_the_next(clinic, clock):
    from scheduling.models import StaffMember

    for member in StaffMember.objects.all():
        member.languages = ["en"]
        member.save()
    spanish = clinic.patient(phone="+16025550701", language="es")
    english = clinic.patient(phone="+16025550702")
    joining.join(patient=spanish, service=clinic.infusion, now=phx(3, 8))
    joining.join(patient=english, service=clinic.infusion, now=phx(3, 9))
    visit = clinic.book(clinic.patient(), phx(4, 10))

    freed = _cancel(visit, now=phx(3, 10))
    [offer] = matching.match(freed.pk, now=phx(3, 10))

    assert offer.entry.patient == english
