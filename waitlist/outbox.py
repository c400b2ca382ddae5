"""What the outbox asks of the waitlist when it sends an offer (registered in apps.py): the
words' values and link, and whether the offer is still open at send time."""

from __future__ import annotations

import datetime as dt

from notifications.rendering import format_when
from notifications.send_checks import Drop

OFFER_TEMPLATE = "waitlist_offer"
OFFER_KIND = "waitlist_offer"


def _zone(offer) -> str:
    return offer.location.time_zone if offer.location_id else offer.entry.patient.time_zone


def offer_context(message) -> dict:
    from waitlist.links import claim_url

    offer = message.waitlist_offers.select_related("entry__patient", "location").first()
    if offer is None:
        return {}
    language = message.language if message.language in ("en", "es") else "en"
    video = offer.location_id is None
    return {
        "when": format_when(offer.start, time_zone=_zone(offer), language=language, with_zone=video),
        "until": format_when(offer.expires_at, time_zone=_zone(offer), language=language, with_zone=True),
        "video": video,
        "location_name": offer.location.name if offer.location_id else "",
        "claim_url": claim_url(offer),
    }


def offer_send_check(message, *, now: dt.datetime) -> Drop | None:
    """An offer that was claimed, declined or has lapsed must not reach the patient."""
    offer = message.waitlist_offers.first()
    if offer is None:
        return Drop("The offer no longer exists.")
    if not offer.is_live(now):
        return Drop(
            f"The offer is {offer.get_status_display().lower()}{'' if offer.expires_at > now else ' and has lapsed'}."
        )
    return None


def longest_links(base_url: str) -> dict:
    from django.urls import reverse

    from waitlist.links import TOKEN_LENGTH

    return {"claim_url": base_url + reverse("waitlist:claim", args=["W" * TOKEN_LENGTH])}
