"""The demo's showcase day, as texts left it (a seeder run after the visits, scheduling.demo): a
reminder delivered, a confirmation by reply, a patient who replied STOP and a reminder that
failed, so the desk's day view shows each."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from scheduling.models import Appointment

from .models import Channel, ConsentEvent, InboundMessage, MessageStatus, OutboundMessage


def _reminder(visit: Appointment, status: str, now: dt.datetime, **fields) -> OutboundMessage:
    due = min(visit.start - dt.timedelta(hours=24), now)
    return OutboundMessage.objects.create(
        patient=visit.patient,
        appointment=visit,
        kind="reminder_24h",
        template="reminder",
        channel=Channel.SMS,
        status=status,
        planned_for_start=visit.start,
        due_at=due,
        next_attempt_at=due,
        sent_at=due,
        language=visit.patient.language,
        to_address=str(visit.patient.phone),
        **fields,
    )


def seed_showcase_texts(*, clinic: dict, today: dt.date) -> None:
    showcase = clinic.get("showcase")
    if not showcase:
        return
    now = timezone.now()
    visits = {role: Appointment.objects.select_related("patient").get(pk=pk) for role, pk in showcase["visits"].items()}
    if "reminded" in visits:
        _reminder(visits["reminded"], MessageStatus.DELIVERED, now, delivered_at=now)
    if "confirmed" in visits:
        visit = visits["confirmed"]
        _reminder(visit, MessageStatus.DELIVERED, now, delivered_at=now)
        InboundMessage.objects.create(
            provider_id=f"demo-confirm-{visit.pk}",
            from_number=str(visit.patient.phone),
            body="C",
            received_at=now,
            patient=visit.patient,
            appointment=visit,
            action=InboundMessage.Action.CONFIRM,
        )
    if "stop" in visits:
        patient = visits["stop"].patient
        patient.sms_opted_out = True
        patient.save(update_fields=["sms_opted_out"])
        reply = InboundMessage.objects.create(
            provider_id=f"demo-stop-{patient.pk}",
            from_number=str(patient.phone),
            body="STOP",
            received_at=now,
            patient=patient,
            action=InboundMessage.Action.STOP,
        )
        ConsentEvent.objects.create(
            patient=patient,
            phone=str(patient.phone),
            action=ConsentEvent.Action.REVOKED,
            source="sms_keyword",
            detail="STOP",
            inbound=reply,
        )
    if "failed" in visits:
        _reminder(
            visits["failed"],
            MessageStatus.FAILED,
            now,
            provider_status="undelivered",
            provider_error_code="30003",
            last_error="Unreachable handset",
        )
