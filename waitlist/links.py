"""An offer's claim link, `/w/<token>`: an HMAC of the offer's random nonce under the server's
secret (22 URL-safe characters), so it fits a one-segment text and cannot be made from the
database alone; only its SHA-256 is stored. Every refusal (malformed, unknown) looks the same;
an expired or taken offer still opens, to say so plainly."""

from __future__ import annotations

import base64
import hashlib
import re
import secrets

from django.urls import reverse
from django.utils.crypto import salted_hmac

from notifications.rendering import public_url

LINK_SALT = "waitlist.offer.v1"
TOKEN_LENGTH = 22
_TOKEN_RE = re.compile(rf"[A-Za-z0-9_-]{{{TOKEN_LENGTH}}}")


def new_nonce() -> str:
    return secrets.token_urlsafe(24)


def token_from_nonce(nonce: str) -> str:
    digest = salted_hmac(LINK_SALT, nonce, algorithm="sha256").digest()
    return base64.urlsafe_b64encode(digest).decode()[:TOKEN_LENGTH]


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_for(offer) -> str:
    return token_from_nonce(offer.link_nonce)


def claim_url(offer) -> str:
    return public_url(reverse("waitlist:claim", args=[token_for(offer)]))


def resolve(token: str):
    """The offer this token opens, or None."""
    from waitlist.models import Offer

    if not isinstance(token, str) or not _TOKEN_RE.fullmatch(token):
        return None
    offer = (
        Offer.objects.select_related("entry__patient", "service", "location")
        .filter(token_hash=hash_token(token))
        .first()
    )
    if offer is None or not secrets.compare_digest(token_for(offer), token):
        return None
    return offer
