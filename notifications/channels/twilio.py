"""SMS through Twilio with the official SDK.

TWILIO_API_BASE_URL points the SDK at another host (the local fake server in tests and
`make run`): the SDK builds every Messages URL from its Api domain's `base_url`, so replacing
that one attribute redirects sends and look-ups alike, auth and parameters unchanged.
"""

from __future__ import annotations

import datetime as dt
import threading

import requests
from django.conf import settings
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client
from urllib3.exceptions import NewConnectionError

from notifications.channels.sms import SmsBackend, SmsError, SmsResult

# Seconds; a worker holds the message's row lock while it waits, so keep it short.
REQUEST_TIMEOUT = 10.0
# How far back a crash look-up reads the recipient's messages.
LOOKUP_LIMIT = 20
# Twilio's "recipient has opted out" (they replied STOP to the number itself).
UNSUBSCRIBED_CODE = "21610"

_clients: dict[tuple, Client] = {}
_clients_lock = threading.Lock()


def _client() -> Client:
    key = (settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN, settings.TWILIO_API_BASE_URL)
    with _clients_lock:
        client = _clients.get(key)
        if client is None:
            client = Client(settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN,
                            http_client=TwilioHttpClient(timeout=REQUEST_TIMEOUT))
            if settings.TWILIO_API_BASE_URL:
                client.api.base_url = settings.TWILIO_API_BASE_URL.rstrip("/")
            _clients[key] = client
        return client


def _connection_never_opened(exc: requests.exceptions.ConnectionError) -> bool:
    reason = getattr(exc.args[0], "reason", None) if exc.args else None
    return isinstance(reason, NewConnectionError) or isinstance(exc, requests.exceptions.ConnectTimeout)


class TwilioSmsBackend(SmsBackend):
    can_look_up = True

    def __init__(self):
        if not (settings.TWILIO_ACCOUNT_SID and settings.TWILIO_AUTH_TOKEN and settings.TWILIO_FROM_NUMBER):
            raise SmsError("Twilio is not configured: set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and "
                           "TWILIO_FROM_NUMBER.", temporary=False)
        self.client = _client()

    def send(self, *, to: str, body: str, status_callback: str | None = None) -> SmsResult:
        params = {"to": to, "from_": settings.TWILIO_FROM_NUMBER, "body": body}
        if status_callback:
            params["status_callback"] = status_callback
        try:
            message = self.client.messages.create(**params)
        except TwilioRestException as exc:
            temporary = exc.status >= 500 or exc.status == 429
            raise SmsError(f"Twilio answered {exc.status}: {exc.msg}"[:300], temporary=temporary,
                           provider_code=str(exc.code or "")) from exc
        except requests.exceptions.ConnectionError as exc:
            if _connection_never_opened(exc):
                raise SmsError(f"Twilio unreachable: {exc.__class__.__name__}", temporary=True) from exc
            raise SmsError(f"No answer from Twilio ({exc.__class__.__name__}); it may have accepted the message.",
                           temporary=True, uncertain=True) from exc
        except requests.exceptions.Timeout as exc:
            raise SmsError("Twilio did not answer in time; it may have accepted the message.",
                           temporary=True, uncertain=True) from exc
        except TwilioException as exc:
            raise SmsError(f"Twilio error: {exc}"[:300], temporary=True, uncertain=True) from exc
        return SmsResult(provider_id=message.sid, status=message.status or "queued")

    def find_sent(self, *, to: str, body: str, since: dt.datetime, exclude_ids: frozenset[str] = frozenset()
                  ) -> SmsResult | None:
        """Ask Twilio for recent messages to `to` (newest first) and match the body."""
        try:
            recent = self.client.messages.list(to=to, limit=LOOKUP_LIMIT)
        except (TwilioException, requests.exceptions.RequestException) as exc:
            raise SmsError(f"Could not list messages at Twilio: {exc.__class__.__name__}", temporary=True) from exc
        for message in recent:
            created = message.date_created
            if (message.body == body and message.sid not in exclude_ids
                    and (created is None or created >= since)):
                return SmsResult(provider_id=message.sid, status=message.status or "queued")
        return None
