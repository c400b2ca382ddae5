"""What a patient's text means, and what we do about it.

Keywords are matched on the whole message, accents and punctuation ignored ("Sí." is SI,
"opt-out" is OPT OUT). The FCC's 2025 revocation words all opt out at once, CANCEL included:
that one also goes to the front desk, since the patient may have meant the visit. Anything
that is not a keyword waits in the front-desk inbox for a person.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from django.db import transaction
from django.utils import timezone

from audit import services as audit
from notifications.consent import record_unknown_number_revocation, resubscribe_sms, revoke_sms
from notifications.models import InboundMessage
from notifications.planning import plan_reply
from scheduling.models import Appointment, AppointmentStatus as S, Patient
from scheduling.services.events import record_event

Action = InboundMessage.Action

KEYWORDS: dict[str, str] = {
    **dict.fromkeys(("STOP", "STOPALL", "UNSUBSCRIBE", "CANCEL", "END", "QUIT", "REVOKE", "OPTOUT", "OPT OUT"),
                    Action.STOP),
    **dict.fromkeys(("START", "UNSTOP"), Action.START),
    **dict.fromkeys(("HELP", "AYUDA", "INFO"), Action.HELP),
    **dict.fromkeys(("C", "CONFIRM", "SI", "CONFIRMAR"), Action.CONFIRM),
    **dict.fromkeys(("R", "RESCHEDULE", "CAMBIAR"), Action.RESCHEDULE),
}
# Asking for help in Spanish gets the answer in Spanish; other keywords answer in the patient's language.
SPANISH_HELP = "AYUDA"


def normalize(body: str) -> str:
    folded = "".join(ch for ch in unicodedata.normalize("NFKD", body) if not unicodedata.combining(ch))
    words = re.sub(r"[^A-Za-z0-9]+", " ", folded).upper().split()
    return " ".join(words)


def classify(body: str) -> tuple[str, str]:
    """(action, the keyword as normalized) for a message body."""
    word = normalize(body)
    return KEYWORDS.get(word, Action.OTHER), word


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
        existing = InboundMessage.objects.filter(provider_id=provider_id).first()
        if existing is not None:
            return existing
        patients = list(Patient.objects.filter(phone=from_number).order_by("pk"))
        appointment = _next_appointment(patients, now)
        patient = appointment.patient if appointment is not None else (patients[0] if patients else None)
        action, word = classify(body)
        inbound = InboundMessage.objects.create(
            provider_id=provider_id, from_number=from_number, to_number=to_number, body=body[:1600],
            received_at=now, patient=patient, appointment=appointment, action=action)
        language = "es" if word == SPANISH_HELP else None
        _act(inbound, action=action, word=word, patients=patients, patient=patient, appointment=appointment,
             language=language, now=now)
        inbound.save()
        return inbound


def _reply(inbound, template: str, *, patient, appointment=None, language=None, now) -> None:
    plan_reply(patient=patient, phone=inbound.from_number, template=template, appointment=appointment, now=now,
               language=language)


def _needs_person(inbound, reason: str) -> None:
    inbound.needs_attention = True
    inbound.attention_reason = reason[:200]


def _act(inbound, *, action, word, patients, patient, appointment, language, now) -> None:
    if action == Action.STOP:
        changed = revoke_sms(patients=patients, source="sms_keyword", detail=word, phone=inbound.from_number,
                             inbound=inbound)
        if not patients:
            record_unknown_number_revocation(phone=inbound.from_number, detail=word, inbound=inbound)
        if changed or not patients:
            _reply(inbound, "stop", patient=patient, language=language, now=now)
        if word == "CANCEL" and appointment is not None:
            _needs_person(inbound, "Texted CANCEL: opted out of texts, and may also want to cancel the visit.")
    elif action == Action.START:
        resubscribe_sms(patients=patients, source="sms_keyword", detail=word, inbound=inbound)
        _reply(inbound, "start", patient=patient, language=language, now=now)
    elif action == Action.HELP:
        _reply(inbound, "help", patient=patient, language=language, now=now)
    elif action == Action.CONFIRM:
        if appointment is None:
            _needs_person(inbound, "Texted a confirmation but has no upcoming visit.")
            return
        record_event(appointment=appointment, action="confirmed_by_patient", actor_kind="sms",
                     reason="Replied to a text", data={"inbound_message_id": inbound.pk, "keyword": word})
        _reply(inbound, "confirmed", patient=patient, appointment=appointment, language=language, now=now)
    elif action == Action.RESCHEDULE:
        _needs_person(inbound, "Asked to reschedule: please call the patient.")
        if appointment is not None:
            record_event(appointment=appointment, action="reschedule_requested", actor_kind="sms",
                         reason="Replied to a text", data={"inbound_message_id": inbound.pk, "keyword": word})
            _reply(inbound, "reschedule", patient=patient, appointment=appointment, language=language, now=now)
    else:
        _needs_person(inbound, "A reply that is not a keyword." if patient else "A text from a number we do not know.")


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
