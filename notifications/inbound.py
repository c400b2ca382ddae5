"""What we do about a patient's text. What it means is `notifications.phrases` (the list of
keywords and plain-language phrases, in English and Spanish); anything it cannot read waits in
the front-desk inbox for a person.

Texts from one number are handled one at a time (`consent.lock_number`), so a STOP delivered
twice, or two STOPs at once, give one consent event and one confirmation.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from audit import services as audit
from notifications import consent
from notifications.models import InboundMessage
from notifications.phrases import KEYWORDS, Meaning, read, Reading
from notifications.planning import plan_reply
from scheduling.models import Appointment, AppointmentStatus as S, Patient
from scheduling.services.events import record_event

Action = InboundMessage.Action

# A cancel request opts out too (CANCEL is a carrier opt-out word); the inbox says the rest.
_ACTIONS = {Meaning.STOP: Action.STOP, Meaning.CANCEL: Action.STOP, Meaning.START: Action.START,
            Meaning.HELP: Action.HELP, Meaning.CONFIRM: Action.CONFIRM, Meaning.RESCHEDULE: Action.RESCHEDULE,
            Meaning.OTHER: Action.OTHER}
# The answer to a cancel request while the patient still had a visit coming.
CANCEL_REQUEST_TEMPLATE = "cancel_request"
CANCEL_REQUEST_REASON = ("Asked by text to cancel the visit, and is now opted out of texts: please call, "
                         "they may want to cancel the visit.")


# Apps above notifications that read some replies themselves (a YES to a waitlist offer) register,
# when they load, handler(inbound=, reading=, patients=, now=) -> True when the text was theirs.
_REPLY_HANDLERS: list = []


def register_reply_handler(handler) -> None:
    if handler not in _REPLY_HANDLERS:
        _REPLY_HANDLERS.append(handler)


def _next_appointment(patients: list[Patient], now: dt.datetime) -> Appointment | None:
    """The visit a reply is about: the patient's next one that has not ended."""
    if not patients:
        return None
    return (Appointment.objects.filter(patient__in=patients, status__in=(S.BOOKED, S.CHECKED_IN), end__gt=now)
            .select_related("service", "location", "patient").order_by("start").first())


def receive_sms(*, provider_id: str, from_number: str, to_number: str, body: str,
                now: dt.datetime | None = None) -> InboundMessage:
    """Record a text and act on it. Idempotent on the provider's id: a retried webhook is a no-op."""
    now = now or timezone.now()
    with transaction.atomic():
        consent.lock_number(from_number)
        existing = InboundMessage.objects.filter(provider_id=provider_id).first()
        if existing is not None:
            return existing
        patients = list(Patient.objects.filter(phone=from_number).order_by("pk"))
        appointment = _next_appointment(patients, now)
        patient = appointment.patient if appointment is not None else (patients[0] if patients else None)
        reading = read(body)
        inbound = InboundMessage.objects.create(
            provider_id=provider_id, from_number=from_number, to_number=to_number, body=body[:1600],
            received_at=now, patient=patient, appointment=appointment, action=_ACTIONS[reading.meaning])
        if not any(handler(inbound=inbound, reading=reading, patients=patients, now=now)
                   for handler in _REPLY_HANDLERS):
            _act(inbound, reading=reading, patients=patients, patient=patient, appointment=appointment, now=now)
        inbound.save()
        return inbound


def _reply(inbound, template: str, *, patient, appointment=None, language=None, now) -> None:
    plan_reply(patient=patient, phone=inbound.from_number, template=template, appointment=appointment, now=now,
               language=language)


def _needs_person(inbound, reason: str) -> None:
    inbound.needs_attention = True
    inbound.attention_reason = reason[:200]


def _opt_out(inbound, reading: Reading, patients: list[Patient]) -> bool:
    """Opt the number out; True only for the text that changed something (the one confirmation)."""
    source = "sms_keyword" if reading.phrase in KEYWORDS else "sms_phrase"
    phone, detail = inbound.from_number, reading.phrase
    if patients:
        return bool(consent.revoke_sms(patients=patients, source=source, detail=detail, phone=phone, inbound=inbound))
    return consent.record_unknown_number_revocation(phone=phone, detail=detail, inbound=inbound, source=source)


def _act(inbound, *, reading: Reading, patients, patient, appointment, now) -> None:
    meaning, word, language = reading.meaning, reading.phrase, reading.language
    if meaning in (Meaning.STOP, Meaning.CANCEL):
        confirm = _opt_out(inbound, reading, patients)
        about_visit = meaning == Meaning.CANCEL and appointment is not None
        if about_visit:
            # Texts about the visit stop with the opt-out; a person calls about the visit itself.
            _needs_person(inbound, CANCEL_REQUEST_REASON)
            record_event(appointment=appointment, action="cancel_requested", actor_kind="sms",
                         reason="Replied to a text", data={"inbound_message_id": inbound.pk, "keyword": word})
        if confirm:
            template = CANCEL_REQUEST_TEMPLATE if about_visit else "stop"
            _reply(inbound, template, patient=patient, appointment=appointment if about_visit else None,
                   language=language, now=now)
    elif meaning == Meaning.START:
        if patients:
            consent.resubscribe_sms(patients=patients, source="sms_keyword", detail=word, inbound=inbound)
        else:
            consent.record_unknown_number_resubscription(phone=inbound.from_number, detail=word, inbound=inbound)
        _reply(inbound, "start", patient=patient, language=language, now=now)
    elif meaning == Meaning.HELP:
        _reply(inbound, "help", patient=patient, language=language, now=now)
    elif meaning == Meaning.CONFIRM:
        if appointment is None:
            _needs_person(inbound, "Texted a confirmation but has no upcoming visit.")
            return
        record_event(appointment=appointment, action="confirmed_by_patient", actor_kind="sms",
                     reason="Replied to a text", data={"inbound_message_id": inbound.pk, "keyword": word})
        _reply(inbound, "confirmed", patient=patient, appointment=appointment, language=language, now=now)
    elif meaning == Meaning.RESCHEDULE:
        _needs_person(inbound, "Asked to reschedule: please call the patient.")
        if appointment is not None:
            record_event(appointment=appointment, action="reschedule_requested", actor_kind="sms",
                         reason="Replied to a text", data={"inbound_message_id": inbound.pk, "keyword": word})
            _reply(inbound, "reschedule", patient=patient, appointment=appointment, language=language, now=now)
    else:
        _needs_person(inbound, "A reply that is not a keyword." if patient else "A text from a number we do not know.")


def cancel_request_context(message) -> dict:
    """The answer to a cancel request offers the visit's link only when the patient can use it:
    with texts stopped, the link's sign-in code can only go to an email address on record."""
    patient = message.patient
    return {"link_works": bool(patient is not None and patient.email)}


def mark_handled(*, inbound_id: int, user, now: dt.datetime | None = None) -> InboundMessage:
    """A person dealt with this reply. Idempotent: the first handler and time are kept."""
    with transaction.atomic():
        inbound = InboundMessage.objects.select_for_update().get(pk=inbound_id)
        if inbound.handled_at is None:
            inbound.handled_at = now or timezone.now()
            inbound.handled_by = user
            inbound.save(update_fields=["handled_at", "handled_by"])
            audit.record(action=audit.Action.CHANGE, target=inbound, actor=user, summary="reply marked handled")
        return inbound
