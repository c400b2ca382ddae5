"""Claiming an offer, by its link or by a YES/SI reply, through the normal booking service.

Under the freed span's row lock (taken first, so claims of one span queue up): a live offer books
the time (converting its hold, or booking it afresh: placement's locks, the exclusion constraint,
the gates), or, for a move-up, moves the patient's visit there, all in one transaction. The first
claim of a span wins; anyone after is told plainly that the time is gone. An offer past its
`expires_at` is closed whatever any job has done (correctness needs no periodic run).
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict, DomainError
from scheduling.models import Appointment, AppointmentStatus as S, BookingChannel
from scheduling.services.booking import book_appointment, convert_hold, reschedule_appointment
from scheduling.services.transitions import cancel_appointment
from waitlist.models import EntryStatus, FreedTime, Offer, OfferStatus, WaitlistEntry

GONE = "offer_gone"
CLAIM_WORDS = ("YES", "Y", "SI", "SÍ")


class OfferGone(Conflict):
    code = GONE
    title = "The time is gone"


def _gone(detail: str = "") -> OfferGone:
    """Said to the patient, in the active language (the page and the API choose it)."""
    return OfferGone(detail or _("Sorry, this time has already been taken. You are still on the waitlist."))


def claim(
    *, offer_id: int, actor=None, channel: str = BookingChannel.ONLINE, now: dt.datetime | None = None
) -> Appointment:
    """Book (or move to) the offered time for the offer's patient. Idempotent: the same offer
    claimed twice returns its visit."""
    gone = None
    with transaction.atomic():
        freed_id = Offer.objects.filter(pk=offer_id).values_list("freed_id", flat=True).first()
        if freed_id is None:
            raise _gone(_("This offer no longer exists."))
        freed = FreedTime.objects.select_for_update().get(pk=freed_id)
        offer = (
            Offer.objects.select_for_update(of=("self",))
            .select_related("entry__patient", "service", "location")
            .get(pk=offer_id)
        )
        now = now or timezone.now()
        if offer.status == OfferStatus.CLAIMED and offer.appointment_id:
            return Appointment.objects.select_related("patient", "service", "location").get(pk=offer.appointment_id)
        if offer.status != OfferStatus.SENT or freed.status == FreedTime.Status.REFILLED:
            raise _gone()
        if offer.expires_at <= now:
            # Recorded (this transaction commits), then refused: correctness needs no periodic job.
            _close(offer, OfferStatus.EXPIRED, now)
            gone = _gone(
                _(
                    "Sorry, this offer has closed and the time may have gone to someone else. "
                    "You are still on the waitlist."
                )
            )
        else:
            appointment = _claim_live(offer, freed, actor=actor, channel=channel, now=now)
            if isinstance(appointment, OfferGone):
                gone = appointment
    if gone is not None:
        raise gone
    return appointment


def _claim_live(offer: Offer, freed: FreedTime, *, actor, channel: str, now: dt.datetime) -> Appointment | OfferGone:
    entry = WaitlistEntry.objects.select_for_update(of=("self",)).select_related("move_up").get(pk=offer.entry_id)
    try:
        with transaction.atomic():  # a refusal undoes any part of the booking, and only that
            appointment = _book(offer, entry, actor=actor, channel=channel, now=now)
    except DomainError as exc:
        if exc.code in ("slot_taken", "hold_expired", "hold_not_live", "patient_busy"):
            _close(offer, OfferStatus.TAKEN, now)
            return _gone()
        raise
    offer.status, offer.appointment, offer.closed_at = OfferStatus.CLAIMED, appointment, now
    offer.save(update_fields=["status", "appointment", "closed_at"])
    entry.status, entry.booked_appointment, entry.closed_at = EntryStatus.BOOKED, appointment, now
    entry.save(update_fields=["status", "booked_appointment", "closed_at"])
    freed.status, freed.refilled_at, freed.refilled_by = FreedTime.Status.REFILLED, now, appointment
    freed.save(update_fields=["status", "refilled_at", "refilled_by"])
    for other in freed.offers.select_for_update().filter(status=OfferStatus.SENT).exclude(pk=offer.pk):
        _close(other, OfferStatus.TAKEN, now)
    return appointment


def _book(offer: Offer, entry: WaitlistEntry, *, actor, channel: str, now: dt.datetime) -> Appointment:
    patient = offer.entry.patient
    hold = Appointment.objects.filter(pk=offer.hold_id).first() if offer.hold_id else None
    if entry.move_up_id is not None:
        if hold is not None and hold.status == S.HELD:
            # The hold kept the time for this very move: give it back inside the move's transaction.
            cancel_appointment(appointment=hold, actor=None, reason="Claimed from the waitlist as a move.", now=now)
        visit = Appointment.objects.select_related("patient", "service", "location").get(pk=entry.move_up_id)
        return reschedule_appointment(
            appointment=visit,
            start=offer.start,
            location=offer.location,
            actor=actor,
            staff=offer.staff,
            reason="Moved earlier from the waitlist.",
            now=now,
        )
    if hold is not None:
        return convert_hold(hold=hold, patient=patient, actor=actor, channel=channel, now=now)
    return book_appointment(
        patient=patient,
        service=offer.service,
        location=offer.location,
        start=offer.start,
        actor=actor,
        staff=offer.staff,
        channel=channel,
        now=now,
    )


def _close(offer: Offer, status: str, now: dt.datetime) -> None:
    """Close an offer that did not become a booking; its entry waits again for the next time."""
    offer.status, offer.closed_at = status, now
    offer.save(update_fields=["status", "closed_at"])
    WaitlistEntry.objects.filter(pk=offer.entry_id, status=EntryStatus.OFFERED).exclude(
        offers__status=OfferStatus.SENT, offers__expires_at__gt=now
    ).update(status=EntryStatus.WAITING)


def decline(*, offer_id: int, now: dt.datetime | None = None) -> None:
    """The patient says no: the offer closes, its hold is released, the next candidate is asked."""
    from waitlist.freed import match_on_commit

    now = now or timezone.now()
    with transaction.atomic():
        offer = Offer.objects.select_for_update().get(pk=offer_id)
        if offer.status != OfferStatus.SENT:
            return
        _close(offer, OfferStatus.DECLINED, now)
        _release_hold(offer, now)
        match_on_commit(offer.freed_id)


def _release_hold(offer: Offer, now: dt.datetime) -> None:
    if offer.hold_id and Appointment.objects.filter(pk=offer.hold_id, status=S.HELD).exists():
        cancel_appointment(
            appointment=Appointment(pk=offer.hold_id), actor=None, reason="The waitlist offer closed.", now=now
        )


def close_lapsed(*, offer_id: int, now: dt.datetime | None = None) -> bool:
    """Mark a lapsed offer expired and ask the next candidate. Only tidies and moves on: a claim
    already refuses a lapsed offer, and the engine already treats its lapsed hold as free."""
    from waitlist.freed import match_on_commit

    now = now or timezone.now()
    with transaction.atomic():
        offer = Offer.objects.select_for_update().filter(pk=offer_id).first()
        if offer is None or offer.status != OfferStatus.SENT or offer.expires_at > now:
            return False
        _close(offer, OfferStatus.EXPIRED, now)
        match_on_commit(offer.freed_id)
        return True


def claim_by_reply(*, inbound, reading, patients, now: dt.datetime) -> bool:
    """notifications.inbound's reply handler: YES or SI from a patient with a live offer claims
    the newest one, and the answer is the booking's usual confirmation; a late YES is told the
    time is gone. False leaves the text to the usual handling."""
    from notifications.phrases import Meaning
    from notifications.planning import plan_reply

    # The words the offer asks for; C or CONFIRM stay the visit's confirmation.
    word = (inbound.body or "").strip().strip(".!¡").upper()
    if not patients or word not in CLAIM_WORDS:
        return False
    recent = (
        Offer.objects.filter(entry__patient__in=patients, created_at__gte=now - dt.timedelta(days=1))
        .select_related("entry__patient")
        .order_by("-created_at", "-id")
    )
    offer = next((o for o in recent if o.status == OfferStatus.SENT), None)
    if offer is None:
        offer = recent.filter(status__in=(OfferStatus.TAKEN, OfferStatus.EXPIRED)).first()
        if offer is None or reading.meaning == Meaning.CONFIRM and _has_upcoming_visit(patients, now):
            return False  # a YES about a visit, not about an offer
    patient = offer.entry.patient
    try:
        appointment = claim(offer_id=offer.pk, actor=None, channel=BookingChannel.SMS, now=now)
    except OfferGone:
        plan_reply(
            patient=patient,
            phone=inbound.from_number,
            template="waitlist_gone",
            now=now,
            language=reading.language or patient.language,
        )
        inbound.action = inbound.Action.OTHER
        return True
    inbound.action, inbound.patient, inbound.appointment = inbound.Action.CONFIRM, patient, appointment
    return True


def _has_upcoming_visit(patients, now: dt.datetime) -> bool:
    return Appointment.objects.filter(patient__in=patients, status=S.BOOKED, start__gt=now).exists()
