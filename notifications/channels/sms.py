"""Sending an SMS: one small interface, chosen by the SMS_BACKEND setting."""

from __future__ import annotations

import datetime as dt
import logging
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SmsResult:
    provider_id: str
    status: str  # the provider's first status, e.g. "queued"


class SmsError(Exception):
    """A send failed. `temporary` says whether trying again later may work; `uncertain` says the
    provider may have accepted the message anyway (the request went out, no answer came back),
    so trying again could send it twice."""

    def __init__(self, message: str, *, temporary: bool, provider_code: str = "", uncertain: bool = False):
        super().__init__(message)
        self.temporary = temporary
        self.provider_code = provider_code
        self.uncertain = uncertain


class SmsBackend:
    # Whether `find_sent` can tell if a message reached the provider after a crash.
    can_look_up = False

    def send(self, *, to: str, body: str, status_callback: str | None = None) -> SmsResult:
        raise NotImplementedError

    def find_sent(self, *, to: str, body: str, since: dt.datetime, exclude_ids: frozenset[str] = frozenset()
                  ) -> SmsResult | None:
        """The provider's record of this message sent at or after `since`, or None."""
        raise NotImplementedError


class ConsoleSmsBackend(SmsBackend):
    """Writes messages to the log (the `make run` console) instead of a provider."""

    def send(self, *, to: str, body: str, status_callback: str | None = None) -> SmsResult:
        logger.info("SMS to %s: %s", to, body)
        return SmsResult(provider_id=f"console-{uuid.uuid4().hex}", status="sent")


class LocmemSmsBackend(SmsBackend):
    """Keeps messages in `outbox` for tests, like Django's locmem email backend."""

    outbox: list[dict] = []
    can_look_up = True

    def send(self, *, to: str, body: str, status_callback: str | None = None) -> SmsResult:
        provider_id = f"locmem-{uuid.uuid4().hex}"
        LocmemSmsBackend.outbox.append({"to": to, "body": body, "status_callback": status_callback,
                                        "provider_id": provider_id, "at": timezone.now()})
        return SmsResult(provider_id=provider_id, status="sent")

    def find_sent(self, *, to: str, body: str, since: dt.datetime, exclude_ids: frozenset[str] = frozenset()
                  ) -> SmsResult | None:
        for sent in reversed(LocmemSmsBackend.outbox):
            if (sent["to"] == to and sent["body"] == body and sent["at"] >= since
                    and sent["provider_id"] not in exclude_ids):
                return SmsResult(provider_id=sent["provider_id"], status="sent")
        return None


def get_sms_backend() -> SmsBackend:
    return import_string(settings.SMS_BACKEND)()
