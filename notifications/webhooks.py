"""Twilio's webhooks without their HTTP layer (api/views/webhooks.py): whether a request is
Twilio's. A patient's text and a delivery receipt are handled by `inbound.receive_sms` and
`delivery_status.apply_status_callback`.

Both are signed: X-Twilio-Signature is an HMAC-SHA1, keyed with the auth token, of the URL
Twilio called plus the POST parameters. Behind a proxy the URL this process sees (http, an
internal host) is not the one Twilio signed, so the URL is rebuilt from PUBLIC_BASE_URL, the
address Twilio is configured with.
"""

from __future__ import annotations

from django.conf import settings
from twilio.request_validator import RequestValidator


def signed_by_twilio(*, full_path: str, params, signature: str) -> bool:
    """Whether `signature` is Twilio's for this path and query (as the request saw them) and these
    POST parameters."""
    token = settings.TWILIO_AUTH_TOKEN
    if not signature or not token:
        return False
    url = settings.PUBLIC_BASE_URL.rstrip("/") + full_path
    return RequestValidator(token).validate(url, params, signature)
