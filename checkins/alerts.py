"""Risk alerts: raised inside the patient's request, paged to the on-call clinician at once, open
until a clinician acknowledges them with a note.

The page is an ordinary outbox row per channel (SMS to the on-call number, email to their
address) with no patient and a `staff_` kind, so it skips the patient's quiet hours and limits
and carries no clinical detail ("Urgent: a patient check-in needs review. <link>"). It is handed
to a worker when the transaction commits (Celery) and is due at once for the beat-driven
dispatcher too, so a lost task delays it by one beat at most; failures are retried with the
outbox's backoff and show on the alert.
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import transaction
from django.utils import timezone

from audit.services import Action, record
from checkins.models import AlertCall, AlertStatus, CheckIn, OnCallClinician, RiskAlert
from checkins.risk import Reason
from core.errors import Conflict, NotFound, Unprocessable
from notifications.models import Channel, MessageStatus as M, OutboundMessage
from notifications.planning import nudge_on_commit
from notifications.plans import STAFF_PREFIX

logger = logging.getLogger(__name__)

ALERT_KIND = f"{STAFF_PREFIX}risk_alert"
ALERT_TEMPLATE = "staff_alert"
# Above every patient message, should a person ever sort the outbox by priority.
ALERT_PRIORITY = 100


def on_call_for(location_id: int | None) -> OnCallClinician | None:
    """The location's own on-call clinician, else the clinic-wide one."""
    rows = OnCallClinician.objects.select_related("staff__user")
    own = rows.filter(location_id=location_id).first() if location_id else None
    return own or rows.filter(location__isnull=True).first()


def raise_alert(*, checkin: CheckIn, reasons: list[Reason], now: dt.datetime | None = None) -> RiskAlert:
    """Record the alert and page the on-call clinician, in the caller's transaction."""
    now = now or timezone.now()
    on_call = on_call_for(checkin.location_id)
    addresses = []
    if on_call is None:
        where = checkin.location.name if checkin.location_id else "video visits"
        problem = (f"No on-call clinician is set for {where} or for the whole clinic; nobody was paged. "
                   "Set one in the admin (Check-ins and risk > On-call clinicians).")
    else:
        addresses = [(channel, address) for channel, address in ((Channel.SMS, str(on_call.sms_number or "")),
                                                                 (Channel.EMAIL, on_call.email_address)) if address]
        problem = "" if addresses else (f"{on_call.staff} is on call but has no mobile number or email; "
                                        "nobody was paged.")
    alert = RiskAlert.objects.create(
        patient_id=checkin.patient_id, checkin=checkin, location_id=checkin.location_id, created_at=now,
        reasons=[reason.as_dict() for reason in reasons], on_call=on_call.staff if on_call else None,
        delivery_problem=problem)
    pages = [OutboundMessage.objects.create(
        kind=ALERT_KIND, template=ALERT_TEMPLATE, channel=channel, priority=ALERT_PRIORITY, status=M.PLANNED,
        due_at=now, next_attempt_at=now, language="en", to_address=address) for channel, address in addresses]
    if pages:
        alert.messages.set(pages)
        nudge_on_commit([page.pk for page in pages])
    if problem:
        logger.error("Risk alert %s: %s", alert.pk, problem)
    return alert


def acknowledge(*, alert_id: int, user, note: str, now: dt.datetime | None = None) -> RiskAlert:
    """Close an open alert with the clinician's note. Acknowledging twice is a conflict that names
    who did it first: an alert has one acknowledgement."""
    note = (note or "").strip()
    if not note:
        raise Unprocessable("Write a note saying what was done (for example: called the patient, reviewed the "
                            "safety plan).", code="note_required")
    with transaction.atomic():
        alert = RiskAlert.objects.select_for_update().filter(pk=alert_id).first()
        if alert is None:
            raise NotFound(f"There is no risk alert {alert_id}.", code="risk_alert_not_found")
        if alert.status != AlertStatus.OPEN:
            who = alert.acknowledged_by.get_full_name() or alert.acknowledged_by.get_username()
            raise Conflict(f"This alert was already acknowledged by {who} at {alert.acknowledged_at:%Y-%m-%d %H:%M}Z.",
                           code="risk_alert_already_acknowledged")
        alert.status = AlertStatus.ACKNOWLEDGED
        alert.acknowledged_by = user
        alert.acknowledged_at = now or timezone.now()
        alert.note = note
        alert.save(update_fields=["status", "acknowledged_by", "acknowledged_at", "note"])
        record(action=Action.CHANGE, target=alert, actor=user, summary="risk alert acknowledged")
    return alert


def record_call(*, alert_id: int, user, outcome: str, note: str = "", now: dt.datetime | None = None) -> AlertCall:
    """Keep one call to the patient about an alert and how it went (open or acknowledged: a
    clinician may call again after acknowledging). Every call is a new row."""
    if outcome not in AlertCall.Outcome.values:
        raise Unprocessable("Choose how the call went.", code="call_outcome_required")
    note = (note or "").strip()
    if len(note) > 1000:
        raise Unprocessable("Keep the note under 1000 characters.", code="call_note_too_long")
    with transaction.atomic():
        alert = RiskAlert.objects.filter(pk=alert_id).first()
        if alert is None:
            raise NotFound(f"There is no risk alert {alert_id}.", code="risk_alert_not_found")
        call = AlertCall.objects.create(alert=alert, outcome=outcome, note=note, called_by=user,
                                        at=now or timezone.now())
        record(action=Action.CHANGE, target=alert, actor=user, summary=f"risk alert call recorded: {outcome}")
    return call
