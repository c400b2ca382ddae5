"""The patient's check-in link and the staff link in an on-call alert.

A check-in link is `/c/<token>`: the token is an HMAC of the check-in's random nonce under the
server's secret (22 URL-safe characters, 132 bits), so it can be derived again whenever a message
is rendered, fits in a one-segment text, and cannot be made from the database alone. Only its
SHA-256 is stored, to find the check-in. It opens exactly one check-in of one patient and stops
working at the check-in's `expires_at`. Every refusal (malformed, unknown, expired) looks the same.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import re
import secrets

from django.urls import reverse
from django.utils import timezone
from django.utils.crypto import salted_hmac

from notifications.rendering import public_url

LINK_SALT = "checkins.link.v1"
TOKEN_LENGTH = 22
_TOKEN_RE = re.compile(rf"[A-Za-z0-9_-]{{{TOKEN_LENGTH}}}")


def new_nonce() -> str:
    return secrets.token_urlsafe(24)


def token_from_nonce(nonce: str) -> str:
    digest = salted_hmac(LINK_SALT, nonce, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).decode()[:TOKEN_LENGTH]


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_for(checkin) -> str:
    return token_from_nonce(checkin.link_nonce)


def answer_path(checkin) -> str:
    """The page's path, for a page of ours that links to the patient's own pending check-in."""
    return reverse("checkins:answer", args=[token_for(checkin)])


def checkin_url(checkin) -> str:
    return public_url(answer_path(checkin))


def resolve(token: str, *, now: dt.datetime | None = None):
    """The check-in this token opens, or None (malformed, unknown or expired: callers show one
    and the same refusal)."""
    from checkins.models import CheckIn

    if not isinstance(token, str) or not _TOKEN_RE.fullmatch(token):
        return None
    checkin = (CheckIn.objects.select_related("patient", "appointment__service", "appointment__location")
               .filter(token_hash=hash_token(token)).first())
    if checkin is None or checkin.expires_at <= (now or timezone.now()):
        return None
    if not secrets.compare_digest(token_for(checkin), token):
        return None
    return checkin


def alert_url(alert) -> str:
    return public_url(reverse("checkins:staff-alert", args=[alert.pk]))
