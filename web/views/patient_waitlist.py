"""The patient's waitlist: joining when no time suits (from the times page, for that service and
place), "I'd take an earlier time" for a booked visit (a move-up), and leaving the list. The
pages are thin: waitlist.joining decides who may join and refuses with the reason."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from core.errors import DomainError
from scheduling import timeutils
from scheduling.models import AppointmentStatus as S
from waitlist import joining, selectors as waitlist_selectors
from waitlist.models import EntryStatus, OPEN_STATUSES, Place, WaitlistEntry
from web import formatting, wording
from web.forms.waitlist import WaitlistForm
from web.selectors import offers
from web.selectors.patients import own_visit, visit_zone
from web.views.common import clinic_phone, patient_page

ANYWHERE = "any"


def status_words() -> dict[str, str]:
    return {
        EntryStatus.WAITING: _("Waiting for a time"),
        EntryStatus.OFFERED: _("A time was offered to you"),
        EntryStatus.BOOKED: _("Booked"),
        EntryStatus.WITHDRAWN: _("You left the waitlist"),
        EntryStatus.EXPIRED: _("Ended"),
    }


def place_words(place: str, location) -> str:
    if place == Place.LOCATION and location is not None:
        return _("in person in %(place)s") % {"place": location.name}
    return _("by video") if place == Place.VIDEO else _("any place")


def entries(patient) -> list[dict]:
    """My appointments' waitlist section: each entry in words, open ones first."""
    found = []
    for entry in waitlist_selectors.own_entries(patient=patient):
        move_up = entry.move_up
        found.append(
            {
                "entry": entry,
                "name": wording.service_name(entry.service),
                "place": place_words(entry.place, entry.location),
                "status": status_words()[entry.status],
                "open": entry.status in OPEN_STATUSES,
                "first": formatting.day_label(entry.earliest_date),
                "last": formatting.day_label(entry.latest_date),
                "earlier_than": formatting.when_label(move_up.start, visit_zone(move_up)) if move_up else "",
            }
        )
    return found


def _today(patient) -> dt.date:
    return timeutils.local_date(timezone.now(), timeutils.zone(patient.time_zone))


def _join(request, *, form: WaitlistForm, service, place: str, location, move_up=None):
    """(entry, created) or None after putting the refusal on the form."""
    try:
        return joining.join(
            patient=request.patient,
            service=service,
            place=place,
            location=location,
            earliest_date=form.cleaned_data["earliest_date"],
            latest_date=form.cleaned_data["latest_date"],
            weekdays=form.weekday_numbers(),
            time_ranges=form.time_ranges(),
            move_up=move_up,
            actor=request.user,
        )
    except joining.NotEligible as exc:
        form.add_error(None, _refusal(exc))
    except DomainError as exc:
        form.add_error(None, _("We could not add you to the waitlist: %(why)s") % {"why": exc.detail})
    return None


def _refusal(exc: DomainError) -> str:
    """The eligibility's reason (already in the patient's words), and what to do."""
    reason = exc.detail
    if exc.extra.get("eligibility") == "no_video":
        reason = _(
            "Video visits of this service are not available to you (the clinicians are not licensed "
            "where you live, or it is not offered by video)."
        )
    elif exc.extra.get("eligibility") == "no_place":
        reason = _("This service cannot be booked for you at this place.")
    return _("You cannot join this waitlist: %(why)s Please call us at %(phone)s.") % {
        "why": reason,
        "phone": clinic_phone(),
    }


def _joined(request, entry, created: bool):
    if created:
        messages.success(request, _("You are on the waitlist. We will text or email you when a time frees up."))
    else:
        messages.info(request, _("You are already on the waitlist for this service."))
    return redirect("web:my-appointments")


@patient_page
@require_http_methods(["GET", "POST"])
def join(request, code: str, where: str):
    """/me/waitlist/join/<service>/<where>: where is a site's id, "video" or "any"."""
    service = offers.online_service(code)
    if service is None:
        raise Http404(code)
    if where == ANYWHERE:
        place, location = Place.ANY, None
    else:
        valid, location = offers.place_for(service, where)
        if not valid:
            raise Http404(where)
        place = Place.LOCATION if location is not None else Place.VIDEO
    today = _today(request.patient)
    form = WaitlistForm(request.POST or None, today=today, last_day=today + dt.timedelta(days=joining.DEFAULT_DAYS))
    if request.method == "POST" and form.is_valid():
        joined = _join(request, form=form, service=service, place=place, location=location)
        if joined is not None:
            return _joined(request, *joined)
    return _join_page(request, form, service=service, place=place, location=location, visit_when="",
                      back=reverse("web:times", args=[service.code, where]))


@patient_page
@require_http_methods(["GET", "POST"])
def earlier(request, appointment_id: int):
    """I'd take an earlier time: a waitlist entry for the visit's service and place, until its day."""
    visit = own_visit(patient=request.patient, appointment_id=appointment_id)
    if visit is None or visit.status != S.BOOKED or visit.start <= timezone.now():
        raise Http404
    today = _today(request.patient)
    visit_day = timeutils.local_date(visit.start, timeutils.zone(request.patient.time_zone))
    form = WaitlistForm(request.POST or None, today=today, last_day=visit_day, max_day=visit_day)
    place = Place.LOCATION if visit.location_id else Place.VIDEO
    if request.method == "POST" and form.is_valid():
        joined = _join(request, form=form, service=visit.service, place=place, location=visit.location, move_up=visit)
        if joined is not None:
            return _joined(request, *joined)
    return _join_page(request, form, service=visit.service, place=place, location=visit.location,
                      visit_when=formatting.when_label(visit.start, visit_zone(visit)),
                      back=reverse("web:my-appointments"))


def _join_page(request, form, *, service, place, location, visit_when: str, back: str):
    """The joining form: for a service and place from the times page, or (with `visit_when`) to
    move a booked visit earlier."""
    return render(request, "web/patient/waitlist_join.html", {
        "form": form, "service": service, "name": wording.service_name(service),
        "place": place_words(place, location), "patient": request.patient, "visit_when": visit_when, "back": back,
    })


@patient_page
@require_POST
def withdraw(request, entry_id: int):
    entry = WaitlistEntry.objects.filter(pk=entry_id, patient=request.patient).first()
    if entry is None:
        raise Http404
    try:
        joining.withdraw(entry_id=entry.pk, actor=request.user)
    except DomainError:
        messages.info(request, _("This waitlist entry has already ended."))
    else:
        messages.success(
            request, _("You left the waitlist for %(service)s.") % {"service": wording.service_name(entry.service)}
        )
    return redirect("web:my-appointments")
