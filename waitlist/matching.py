"""Matching freed time to waiting patients, and making the offers.

For one freed span, under its row lock (two matchers of the same span queue up, so nobody is
offered it twice): the open entries for its service and place, highest priority first, then
earliest joined; for each, the clinic's own rules decide whether it may have the time at all:

- eligibility (care.eligibility: clearance, REMS, the places every gate allows, licensure for
  video) and the booking gates at the exact start (through the booking service's checks);
- the availability engine for the entry's clinician and language, within the freed span;
- the entry's days, weekdays and times of day, on the patient's clock (windows.py);
- a patient who can only be texted, whose texting window reopens after the time starts, is
  passed over for the next candidate.

One at a time: the first candidate gets the time held for them (the hold service, so the
booking path's locks and exclusion constraint apply) for the clinic's minutes. First K: up to K
candidates are offered the same time without a hold; the first to claim wins (claiming.py).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from care.eligibility import eligibility_for
from core.errors import Conflict, DomainError, Unprocessable
from notifications import quiet_hours
from notifications.models import Channel, MessageStatus as M, MessagingPolicy, OutboundMessage
from notifications.planning import channels_for, nudge_on_commit
from scheduling import timeutils
from scheduling.availability import find_slots
from scheduling.models import BookingChannel
from scheduling.services.booking import check_request
from scheduling.services.holds import hold_slot
from waitlist.links import hash_token, new_nonce, token_from_nonce
from waitlist.models import EntryStatus, FreedTime, Offer, OfferMode, OfferStatus, WaitlistEntry, WaitlistSettings
from waitlist.outbox import OFFER_KIND, OFFER_TEMPLATE
from waitlist.windows import fits

# An offer outranks every reminder when a frequency limit chooses.
OFFER_PRIORITY = 70


def match(freed_id: int, *, now: dt.datetime | None = None) -> list[Offer]:
    """Offer the freed span to as many candidates as the mode allows beside the live offers.
    Idempotent: an entry is offered a span once (a unique constraint says so too)."""
    now = now or timezone.now()
    with transaction.atomic():
        freed = (
            FreedTime.objects.select_for_update(of=("self",))
            .select_related("service", "location")
            .filter(pk=freed_id)
            .first()
        )
        if freed is None or freed.status in (FreedTime.Status.REFILLED, FreedTime.Status.UNFILLED):
            return []
        if freed.start <= now:
            freed.status, freed.matched_at = FreedTime.Status.UNFILLED, now
            freed.save(update_fields=["status", "matched_at"])
            return []
        settings = WaitlistSettings.current()
        live = freed.offers.filter(status=OfferStatus.SENT, expires_at__gt=now).count()
        room = (1 if settings.mode == OfferMode.ONE_AT_A_TIME else settings.first_k) - live
        made: list[Offer] = []
        if room > 0:
            policy = MessagingPolicy.current()
            for entry in candidates(freed, now=now):
                offer = _try(entry, freed=freed, settings=settings, policy=policy, now=now)
                if offer is not None:
                    made.append(offer)
                    if len(made) >= room:
                        break
        freed.status = FreedTime.Status.OFFERED if (made or live) else FreedTime.Status.OPEN
        freed.matched_at = now
        freed.save(update_fields=["status", "matched_at"])
        return made


def candidates(freed: FreedTime, *, now: dt.datetime) -> list[WaitlistEntry]:
    """Waiting entries that could want this span, priority first, then by when they joined. An
    entry with a live offer elsewhere waits for that one's outcome; one offered this span before
    is never offered it again."""
    place = (
        Q(place="video") | Q(place="any")
        if freed.location_id is None
        else (Q(place="any") | Q(place="location", location_id=freed.location_id))
    )
    day = freed.start.date()
    return list(
        WaitlistEntry.objects.filter(
            place,
            service_id=freed.service_id,
            status=EntryStatus.WAITING,
            earliest_date__lte=day + dt.timedelta(days=1),
            latest_date__gte=day - dt.timedelta(days=1),
            expires_on__gte=day - dt.timedelta(days=1),
        )
        .exclude(offers__freed_id=freed.pk)
        .select_related("patient", "service", "staff", "move_up")
        .order_by("-priority", "created_at", "id")
    )


def _try(
    entry: WaitlistEntry, *, freed: FreedTime, settings: WaitlistSettings, policy, now: dt.datetime, by=None
) -> Offer | None:
    patient, service, location = entry.patient, freed.service, freed.location
    if entry.move_up_id is not None and (entry.move_up.status != "booked" or entry.move_up.start <= freed.start):
        return None
    eligibility = eligibility_for(patient=patient, service=service, now=now, by_staff=True)
    if not eligibility.can_book or freed.location_id not in [p.pk if p else None for p in eligibility.places]:
        return None
    channels = channels_for(patient)
    if not channels:
        return None
    texts_from = now
    if Channel.SMS in channels:
        texts_from = quiet_hours.next_allowed(now, quiet_hours.window_for(patient=patient, policy=policy))
    # The offer opens when the patient can first hear of it: now by email, else when texts may go.
    opens = now if Channel.EMAIL in channels else texts_from
    language = patient.language if patient.language != "en" else None
    slots = find_slots(
        service=service,
        location=location,
        start=freed.start,
        end=freed.end,
        staff=entry.staff,
        language=language,
        patient=patient,
        now=now,
        exclude_appointment_ids=(entry.move_up_id,) if entry.move_up_id else (),
    ).slots
    for slot in slots:
        if slot.end > freed.end or not fits(entry, start=slot.start, end=slot.end):
            continue
        if opens >= slot.start or not eligibility.allows_day(_visit_day(slot.start, location, patient)):
            continue  # the patient could not hear of it in time: the next candidate's
        expires_at = min(opens + dt.timedelta(minutes=settings.hold_minutes), slot.start)
        # A text that could only go once the time has started is not sent at all.
        usable = [c for c in channels if c == Channel.EMAIL or texts_from < slot.start]
        try:
            with transaction.atomic():  # a refusal leaves nothing behind
                return _offer(
                    entry,
                    freed=freed,
                    slot=slot,
                    settings=settings,
                    channels=usable,
                    expires_at=expires_at,
                    texts_from=texts_from,
                    now=now,
                    by=by,
                )
        except DomainError:
            continue  # a gate, the patient's own visit at that time, or the time just went
    return None


def _visit_day(start: dt.datetime, location, patient) -> dt.date:
    return timeutils.local_date(start, timeutils.zone(location.time_zone if location else patient.time_zone))


def _offer(entry, *, freed, slot, settings, channels, expires_at, texts_from, now, by=None) -> Offer:
    patient, service, location = entry.patient, freed.service, freed.location
    hold = None
    if settings.mode == OfferMode.ONE_AT_A_TIME:
        hold = hold_slot(
            patient=patient,
            service=service,
            location=location,
            start=slot.start,
            actor=None,
            staff=entry.staff,
            channel=BookingChannel.SMS,
            minutes=max(1, math.ceil((expires_at - now).total_seconds() / 60)),
            now=now,
        )
        expires_at = hold.hold_expires_at
    else:
        check_request(
            patient=patient, service=service, location=location, start=slot.start, actor=None, override_reason=""
        )
    nonce = new_nonce()
    offer = Offer.objects.create(
        entry=entry,
        freed=freed,
        service=service,
        location=location,
        staff=entry.staff,
        start=slot.start,
        end=slot.end,
        mode=settings.mode,
        hold=hold,
        created_at=now,
        expires_at=expires_at,
        by=by,
        link_nonce=nonce,
        token_hash=hash_token(token_from_nonce(nonce)),
    )
    rows = OutboundMessage.objects.bulk_create(
        [
            OutboundMessage(
                patient=patient,
                kind=OFFER_KIND,
                template=OFFER_TEMPLATE,
                channel=channel,
                priority=OFFER_PRIORITY,
                status=M.PLANNED,
                due_at=texts_from if channel == Channel.SMS else now,
                next_attempt_at=texts_from if channel == Channel.SMS else now,
                language=patient.language,
                created_at=now,
                updated_at=now,
            )
            for channel in channels
        ]
    )
    offer.messages.add(*rows)
    entry.status = EntryStatus.OFFERED
    entry.save(update_fields=["status"])
    nudge_on_commit([row.pk for row in rows if row.next_attempt_at <= now])
    _expire_on_commit(offer)
    return offer


def _expire_on_commit(offer: Offer) -> None:
    """The offer lapses by itself (claims check `expires_at`); this only moves on to the next
    candidate promptly when it does."""
    offer_id, eta = offer.pk, offer.expires_at

    def schedule() -> None:
        from waitlist.tasks import close_lapsed_offer

        with contextlib.suppress(Exception):  # the broker being down: the sweep closes it
            close_lapsed_offer.apply_async((offer_id,), eta=eta)

    transaction.on_commit(schedule)


def offer_by_hand(*, entry_id: int, location, start: dt.datetime, by, now: dt.datetime | None = None) -> Offer:
    """The desk offers one entry a time it chose (a gap it sees on the day view): the same
    checks as the matcher's (eligibility, gates, the engine, the entry's windows, the texting
    window) and the clinic's mode of holding; a refusal says why in words."""
    now = now or timezone.now()
    with transaction.atomic():
        entry = (
            WaitlistEntry.objects.select_for_update(of=("self",))
            .select_related("patient", "service", "staff", "move_up")
            .get(pk=entry_id)
        )
        if entry.status != EntryStatus.WAITING:
            raise Conflict(
                f"This entry is {entry.get_status_display().lower()}: it has an offer in flight or is closed.",
                code="waitlist_entry_busy",
            )
        slots = find_slots(
            service=entry.service,
            location=location,
            start=start,
            end=start + dt.timedelta(minutes=1),
            staff=entry.staff,
            patient=entry.patient,
            now=now,
            enforce_booking_rules=False,
        ).slots
        if not slots:
            raise Unprocessable("That time is not free for this service there.", code="waitlist_time_not_free")
        freed = FreedTime.objects.create(
            service=entry.service,
            location=location,
            start=slots[0].start,
            end=slots[0].end,
            reason="desk",
            freed_at=now,
            matched_at=now,
            status=FreedTime.Status.OFFERED,
        )
        offer = _try(
            entry, freed=freed, settings=WaitlistSettings.current(), policy=MessagingPolicy.current(), now=now, by=by
        )
        if offer is None:
            raise Unprocessable(
                "This patient cannot be offered that time: it is outside what they accept, a "
                "clinical rule refuses it, or they could not hear of it before it starts.",
                code="waitlist_offer_refused",
            )
        return offer
