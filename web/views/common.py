"""What every page view shares: who may open it (checked on the server), turning a service's
refusal into words on the page, and the per-address limits on sign-in codes."""

from __future__ import annotations

import datetime as dt
from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from phonenumber_field.phonenumber import PhoneNumber

from accounts.models import Role
from config.throttles import seconds_to_wait, SignInCodeRequestThrottle, SignInVerifyThrottle
from core.errors import NotFound
from notifications.models import MessagingPolicy
from scheduling.models import Patient
from web import formatting
from web.selectors import offers
from web.selectors.offers import Offer, slot_value

DESK_ROLES = (Role.FRONT_DESK, Role.ADMIN)
STAFF_ROLES = (Role.FRONT_DESK, Role.CLINICIAN, Role.ADMIN)


def staff_page(*roles: str):
    """Staff pages: a visitor who is not signed in goes to the staff sign-in; a signed-in user
    without one of `roles` (a patient, a clinician on a desk action) gets a 403 page."""
    allowed = roles or STAFF_ROLES

    def decorate(view):
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            user = request.user
            if not user.is_authenticated:
                return redirect_to_login(request.get_full_path(), reverse("web:desk-login"))
            if not user.has_role(*allowed):
                raise PermissionDenied
            try:
                return view(request, *args, **kwargs)
            except NotFound as exc:
                raise Http404(exc.detail) from None
        return wrapper
    return decorate


def signed_in_patient(request) -> Patient | None:
    user = request.user
    if not (user.is_authenticated and user.has_role(Role.PATIENT)):
        return None
    return Patient.objects.filter(user=user).first()


def patient_page(view):
    """Pages for a signed-in patient about their own record; others are sent to sign in."""
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        patient = signed_in_patient(request)
        if patient is None:
            if request.user.is_authenticated and request.user.is_clinic_staff:
                raise PermissionDenied
            return redirect(f"{reverse('web:sign-in')}?next={request.get_full_path()}")
        request.patient = patient
        return view(request, *args, **kwargs)
    return wrapper


def address_limit_error(request, *, verifying: bool = False) -> str:
    """Words for a visitor whose address asked for (or tried) too many codes, else "". The counters
    are the API's own (config.throttles), so pages and API share one budget."""
    wait = seconds_to_wait(request, SignInVerifyThrottle() if verifying else SignInCodeRequestThrottle())
    if wait is None:
        return ""
    words = _("Too many tries from this connection. Please try again in %(minutes)d minutes.") if verifying else \
        _("Too many codes were asked for from this connection. Please try again in %(minutes)d minutes.")
    return words % {"minutes": -(-wait // 60)}


def too_many_requests_page(request, wait: int):
    """The 429 page for a page request over a rate limit (config.throttles), with Retry-After."""
    response = render(request, "429.html", status=429)
    response["Retry-After"] = str(wait)
    return response


def safe_next(request, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return fallback


def parse_day(raw: str | None) -> dt.date | None:
    """The day a page was asked for (?day=YYYY-MM-DD), or None when absent or not a date."""
    try:
        return dt.date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def time_buttons(slots, zone_name: str, *, pin_staff: bool = False, with_abbreviation: bool | None = None) -> list[dict]:
    """A button per time. Each carries the zone's abbreviation when the times shown straddle a
    change of clock (or are in a fall-back day's repeated hour), so no two buttons read alike."""
    if with_abbreviation is None:
        with_abbreviation = len(formatting.abbreviations([s.start for s in slots], zone_name)) > 1
    return [{"value": slot_value(s, pin_staff=pin_staff),
             "label": formatting.time_label(s.start, zone_name, with_abbreviation=with_abbreviation),
             "day": formatting.day_label(formatting.local(s.start, zone_name).date())} for s in slots]


def offer_context(offer: Offer, *, pin_staff: bool) -> dict:
    """The time buttons and the day picker of an offer, in words, on the clock in force on the days shown."""
    zone = offer.zone_name
    shown = [s.start for s in (*offer.earliest, *offer.day_slots)]
    mixed = len(formatting.abbreviations(shown, zone)) > 1
    return {"offer": offer, "zone_label": formatting.zone_label_for(zone, shown, day=offer.day),
            "earliest": time_buttons(offer.earliest, zone, pin_staff=pin_staff, with_abbreviation=mixed),
            "day_slots": time_buttons(offer.day_slots, zone, pin_staff=pin_staff, with_abbreviation=mixed),
            "day_label": formatting.day_label(offer.day, with_year=True) if offer.day else "",
            "days": [{"date": d.date, "label": formatting.short_day_label(d.date), "count": d.count,
                      "chosen": d.date == offer.day} for d in offer.days]}


def move_offer_context(request, appointment, zone_name: str) -> dict:
    """The times a booked visit may move to (its own time counts as free), on the day asked for."""
    offer = offers.offer(service=appointment.service, location=appointment.location, zone_name=zone_name,
                         day=parse_day(request.GET.get("day")), patient=appointment.patient,
                         exclude_appointment_ids=(appointment.pk,))
    return offer_context(offer, pin_staff=False)


def clinic_phone() -> str:
    phone = MessagingPolicy.current().phone
    return PhoneNumber.from_string(str(phone)).as_national if phone else ""


def clinic_phone_uri() -> str:
    """The clinic's number as a tel: link, for a tap-to-call button."""
    phone = MessagingPolicy.current().phone
    return PhoneNumber.from_string(str(phone)).as_rfc3966 if phone else ""


def too_many_codes_text(exc) -> str:
    minutes = -(-int(exc.extra.get("retry_after") or 60) // 60)
    return _("Too many codes were sent to this number. Please try again in %(minutes)d minutes.") % {"minutes": minutes}
