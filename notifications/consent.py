"""SMS consent: the current state lives on Patient (sms_consent, sms_opted_out), every change is
also written to ConsentEvent so the clinic can show who agreed or revoked, when and how."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.utils import timezone

from audit.services import Action, record
from notifications.models import ConsentEvent
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


@transaction.atomic
def record_unknown_number_revocation(*, phone: str, detail: str, inbound=None) -> None:
    """A STOP from a number no patient has: kept so the history shows it was honoured."""
    _consent_event(patient=None, phone=phone, action=ConsentEvent.Action.REVOKED,
                                source="sms_keyword", detail=detail[:300], inbound=inbound)


def _consent_event(**fields) -> ConsentEvent:
    """Every consent change is a ConsentEvent and an audit entry, in the change's transaction."""
    event = ConsentEvent.objects.create(**fields)
    record(action=Action.CHANGE, target=event, summary=f"SMS consent {event.action} ({event.source})")
    return event
