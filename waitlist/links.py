"""An offer's claim link, `/w/<token>`: an HMAC of the offer's random nonce under the server's
secret (22 URL-safe characters), so it fits a one-segment text and cannot be made from the
database alone; only its SHA-256 is stored. Every refusal (malformed, unknown) looks the same;
an expired or taken offer still opens, to say so plainly."""

from __future__ import annotations

from django.urls import reverse

from notifications.link_tokens import (  # new_nonce and TOKEN_LENGTH: for this link's callers
    hash_token,
    LinkTokens,
    new_nonce as new_nonce,
    TOKEN_LENGTH as TOKEN_LENGTH,
    well_formed,
)
from notifications.rendering import public_url

TOKENS = LinkTokens("waitlist.offer.v1")
token_from_nonce = TOKENS.from_nonce


def token_for(offer) -> str:
    return token_from_nonce(offer.link_nonce)


def claim_url(offer) -> str:
    return public_url(reverse("waitlist:claim", args=[token_for(offer)]))


def resolve(token: str):
    """The offer this token opens, or None."""
    from waitlist.models import Offer

    if not well_formed(token):
        return None
    offer = (
        Offer.objects.select_related("entry__patient", "service", "location")
        .filter(token_hash=hash_token(token))
        .first()
    )
    if offer is None or not TOKENS.matches(offer.link_nonce, token):
        return None
    return offer
