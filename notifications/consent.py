"""SMS consent: the current state lives on Patient (sms_consent, sms_opted_out), every change is
also written to ConsentEvent so the clinic can show who agreed or revoked, when and how."""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.db import connection, transaction
from django.utils import timezone

from audit.services import Action, record
from notifications.models import Channel, ConsentEvent
from scheduling.models import Patient


@transaction.atomic
def revoke_sms(*, patients: Iterable[Patient], source: str, detail: str = "", phone: str = "",
               inbound=None) -> list[Patient]:
    """Opt these patients out of all texts at once. Returns the ones that were opted in (only
    they get the one confirmation text the FCC allows)."""
    changed = []
    for patient in patients:
        if patient.sms_opted_out:
            continue
        patient.sms_opted_out = True
        patient.save(update_fields=["sms_opted_out"])
        changed.append(patient)
        _consent_event(patient=patient, phone=str(patient.phone or phone), action=ConsentEvent.Action.REVOKED,
                                    source=source, detail=detail[:300], inbound=inbound)
    return changed


@transaction.atomic
def resubscribe_sms(*, patients: Iterable[Patient], source: str, detail: str = "", inbound=None) -> list[Patient]:
    changed = []
    for patient in patients:
        if not patient.sms_opted_out:
            continue
        patient.sms_opted_out = False
        patient.save(update_fields=["sms_opted_out"])
        changed.append(patient)
        _consent_event(patient=patient, phone=str(patient.phone), action=ConsentEvent.Action.RESUBSCRIBED,
                                    source=source, detail=detail[:300], inbound=inbound)
    return changed


@transaction.atomic
def grant_sms_consent(*, patient: Patient, source: str, detail: str = "") -> None:
    """Explicit consent to texts (the clinic's caps then apply instead of the exemption's)."""
    patient.sms_consent = True
    patient.sms_consent_at = timezone.now()
    patient.sms_consent_source = source
    patient.save(update_fields=["sms_consent", "sms_consent_at", "sms_consent_source"])
    _consent_event(patient=patient, phone=str(patient.phone), action=ConsentEvent.Action.GRANTED,
                                source=source, detail=detail[:300])


_NUMBER_NAMESPACE = 0x534D534E  # "SMSN": the first key of a phone number's advisory lock
_INT4 = 2_147_483_647


def lock_number(phone: str) -> None:
    """Take the number's lock for the rest of the transaction, so that the texts of one number
    (two STOPs delivered at once, or one delivered twice) are handled one after the other: the
    second then sees what the first decided. A transaction-scoped advisory lock on PostgreSQL (a
    number we do not know has no row to lock); on SQLite the IMMEDIATE transaction already
    serialises every writer. Keys that collide only make two numbers share a lock."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("A number's lock only means something inside transaction.atomic().")
    if connection.vendor != "postgresql":
        return
    key = int(re.sub(r"\D", "", phone) or 0) % _INT4
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_NUMBER_NAMESPACE, key])


def unknown_number_opted_out(phone: str) -> bool:
    """Whether a number no patient has last said STOP (rather than START)."""
    last = (ConsentEvent.objects.filter(patient=None, phone=phone, channel=Channel.SMS)
            .order_by("-at", "-id").values_list("action", flat=True).first())
    return last == ConsentEvent.Action.REVOKED


@transaction.atomic
def record_unknown_number_revocation(*, phone: str, detail: str, inbound=None, source: str = "sms_keyword") -> bool:
    """A STOP from a number no patient has: kept so the history shows it was honoured. Returns
    False when the number had already opted out (nothing recorded, nothing to confirm)."""
    if unknown_number_opted_out(phone):
        return False
    _consent_event(patient=None, phone=phone, action=ConsentEvent.Action.REVOKED,
                   source=source, detail=detail[:300], inbound=inbound)
    return True


@transaction.atomic
def record_unknown_number_resubscription(*, phone: str, detail: str, inbound=None) -> bool:
    """A START from a number no patient has, after its STOP: its next STOP counts again."""
    if not unknown_number_opted_out(phone):
        return False
    _consent_event(patient=None, phone=phone, action=ConsentEvent.Action.RESUBSCRIBED,
                   source="sms_keyword", detail=detail[:300], inbound=inbound)
    return True


def _consent_event(**fields) -> ConsentEvent:
    """Every consent change is a ConsentEvent and an audit entry, in the change's transaction."""
    event = ConsentEvent.objects.create(**fields)
    record(action=Action.CHANGE, target=event, summary=f"SMS consent {event.action} ({event.source})")
    return event
