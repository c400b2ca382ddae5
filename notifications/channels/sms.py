"""Sending an SMS: one small interface, chosen by the SMS_BACKEND setting."""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SmsResult:
    provider_id: str
    status: str  # the provider's first status, e.g. "queued"


class SmsError(Exception):
    """A send failed. `temporary` says whether trying again later may work."""

    def __init__(self, message: str, *, temporary: bool, provider_code: str = ""):
        super().__init__(message)
        self.temporary = temporary
        self.provider_code = provider_code


class SmsBackend:
    def send(self, *, to: str, body: str, status_callback: str | None = None) -> SmsResult:
        raise NotImplementedError


class ConsoleSmsBackend(SmsBackend):
    """Writes messages to the log (the `make run` console) instead of a provider."""

    def send(self, *, to: str, body: str, status_callback: str | None = None) -> SmsResult:
        logger.info("SMS to %s: %s", to, body)
        return SmsResult(provider_id=f"console-{uuid.uuid4().hex}", status="sent")


class LocmemSmsBackend(SmsBackend):
    """Keeps messages in `outbox` for tests, like Django's locmem email backend."""

    outbox: list[dict] = []

    def send(self, *, to: str, body: str, status_callback: str | None = None) -> SmsResult:
        LocmemSmsBackend.outbox.append({"to": to, "body": body, "status_callback": status_callback})
        return SmsResult(provider_id=f"locmem-{uuid.uuid4().hex}", status="sent")


def get_sms_backend() -> SmsBackend:
    return import_string(settings.SMS_BACKEND)()
