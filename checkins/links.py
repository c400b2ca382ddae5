"""The patient's check-in link and the staff link in an on-call alert.

A check-in link is `/c/<token>`: the token is an HMAC of the check-in's random nonce under the
server's secret (22 URL-safe characters, 132 bits), so it can be derived again whenever a message
is rendered, fits in a one-segment text, and cannot be made from the database alone. Only its
SHA-256 is stored, to find the check-in. It opens exactly one check-in of one patient and stops
working at the check-in's `expires_at`. Every refusal (malformed, unknown, expired) looks the same.
"""

from __future__ import annotations

import datetime as dt

from django.urls import reverse
from django.utils import timezone

from notifications.link_tokens import (  # new_nonce and TOKEN_LENGTH: for this link's callers
    hash_token,
    LinkTokens,
    new_nonce as new_nonce,
    TOKEN_LENGTH as TOKEN_LENGTH,
    well_formed,
)
from notifications.rendering import public_url

TOKENS = LinkTokens("checkins.link.v1")
token_from_nonce = TOKENS.from_nonce


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

    if not well_formed(token):
        return None
    checkin = (CheckIn.objects.select_related("patient", "appointment__service", "appointment__location")
               .filter(token_hash=hash_token(token)).first())
    if checkin is None or checkin.expires_at <= (now or timezone.now()):
        return None
    if not TOKENS.matches(checkin.link_nonce, token):
        return None
    return checkin


def alert_url(alert) -> str:
    return public_url(reverse("checkins:staff-alert", args=[alert.pk]))
