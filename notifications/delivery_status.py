"""Delivery receipts from the SMS provider.

Twilio posts queued -> sent -> delivered | undelivered | failed, possibly late, twice or out of
order, and never promises the last one. A status is applied only if it is further along than
the one we have, so "delivered" never goes back to "sent" and a retried callback changes
nothing. A callback also settles a row whose worker crashed mid-send: our status-callback URL
carries the row id, so the provider's word that the text exists is recorded before the
dispatcher's reconciliation would look it up.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from notifications.channels.twilio import UNSUBSCRIBED_CODE
from notifications.models import Channel, MessageStatus as M, OutboundMessage

RANK = {
    "accepted": 0, "scheduled": 0, "queued": 0, "sending": 1, "sent": 2,
    "delivered": 3, "undelivered": 3, "failed": 3, "canceled": 3, "read": 4,
}
FAILED_STATUSES = frozenset({"undelivered", "failed", "canceled"})


def apply_status_callback(*, provider_id: str, status: str, error_code: str = "", message_id_hint: str = "",
                          now: dt.datetime | None = None) -> OutboundMessage | None:
    status = (status or "").lower()
    if status not in RANK or not provider_id:
        return None
    now = now or timezone.now()
    with transaction.atomic():
        message = OutboundMessage.objects.select_for_update().filter(provider_id=provider_id).first()
        if message is None and message_id_hint.isdigit():
            candidate = (OutboundMessage.objects.select_for_update()
                         .filter(pk=int(message_id_hint), channel=Channel.SMS, provider_id="").first())
            if candidate is not None and candidate.handed_off_at is not None:
                message = candidate
        if message is None:
            return None
        if RANK[status] <= RANK.get(message.provider_status, -1):
            return message
        message.provider_id = provider_id
        message.provider_status = status
        if status == "delivered" or status == "read":
            message.status, message.delivered_at = M.DELIVERED, message.delivered_at or now
            message.status_reason = ""  # whatever held or worried it is over: it reached the phone
        elif status in FAILED_STATUSES:
            message.status = M.FAILED
            message.provider_error_code = (error_code or "")[:20]
            message.last_error = f"The carrier reports the text {status}" + (f" (error {error_code})." if error_code else ".")
        elif message.status in (M.SENDING, M.SUPERSEDED, M.FAILED):
            message.status = M.SENT
        if message.sent_at is None and status != "queued":
            message.sent_at = now
        message.save()
    if error_code == UNSUBSCRIBED_CODE and message.patient_id:
        from notifications.consent import revoke_sms

        revoke_sms(patients=[message.patient], source="provider",
                   detail="The provider reports the number unsubscribed (error 21610).")
    return message
