"""The claim link's page, /w/<token>: the offered time, one button to take it and one to let it
go. The link is the patient's key, as a check-in's is; every refused link looks the same. A late
claimer is told plainly that the time is gone."""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from core.errors import DomainError
from notifications.models import MessagingPolicy
from notifications.rendering import format_when, national_number
from scheduling.models import BookingChannel
from waitlist import claiming, links
from waitlist.models import OfferStatus


def _page(request, *, offer, language: str, status: int = 200, **context) -> HttpResponse:
    policy = MessagingPolicy.current()
    phone = national_number(str(policy.phone)) if policy.phone else ""
    with translation.override(language):
        values = {
            "lang": language,
            "brand": policy.brand_name,
            "phone": phone,
            "call_text": _("Questions? Call %(phone)s.") % {"phone": phone},
            **context,
        }
        if offer is not None:
            zone = offer.location.time_zone if offer.location_id else offer.entry.patient.time_zone
            values["when"] = format_when(offer.start, time_zone=zone, language=language, with_zone=True)
            values["place"] = offer.location.name if offer.location_id else _("Video visit")
        values = {key: str(value) if hasattr(value, "_proxy____cast") else value for key, value in values.items()}
        response = render(request, "waitlist/claim.html", values, status=status)
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


@never_cache
@require_http_methods(["GET", "POST"])
def claim(request, token: str) -> HttpResponse:
    offer = links.resolve(token)
    if offer is None:
        language = (translation.get_language() or "en")[:2]
        with translation.override(language if language in ("en", "es") else "en"):
            return _page(
                request,
                offer=None,
                language="en",
                status=404,
                heading=_("This link does not work"),
                message=_("Please call the clinic."),
            )
    language = offer.entry.patient.language if offer.entry.patient.language in ("en", "es") else "en"
    with translation.override(language):
        now = timezone.now()
        if request.method == "POST" and request.POST.get("answer") == "no":
            claiming.decline(offer_id=offer.pk, now=now)
            return _page(
                request,
                offer=offer,
                language=language,
                heading=_("Thank you"),
                message=_("You let this time go. You are still on the waitlist."),
            )
        if request.method == "POST":
            try:
                claiming.claim(offer_id=offer.pk, actor=None, channel=BookingChannel.ONLINE, now=now)
            except DomainError as exc:
                return _page(
                    request,
                    offer=offer,
                    language=language,
                    status=409,
                    heading=_("This time is gone"),
                    message=exc.detail,
                )
            return _page(
                request,
                offer=offer,
                language=language,
                heading=_("You are booked"),
                message=_("Your visit is booked. A confirmation is on its way."),
            )
        if offer.status == OfferStatus.CLAIMED:
            return _page(
                request,
                offer=offer,
                language=language,
                heading=_("You are booked"),
                message=_("Your visit is booked. A confirmation is on its way."),
            )
        if not offer.is_live(now):
            return _page(
                request,
                offer=offer,
                language=language,
                heading=_("This time is gone"),
                message=_("Sorry, this time has already been taken. You are still on the waitlist."),
            )
        zone = offer.location.time_zone if offer.location_id else offer.entry.patient.time_zone
        until = format_when(offer.expires_at, time_zone=zone, language=language, with_zone=True)
        return _page(
            request,
            offer=offer,
            language=language,
            heading=_("A time opened for you"),
            can_claim=True,
            until_text=_("This offer is open until %(until)s.") % {"until": until},
            yes_label=_("Take this time"),
            no_label=_("No, thank you"),
        )
