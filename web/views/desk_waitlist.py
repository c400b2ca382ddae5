"""The desk's waitlist: per site and service, the entries in the order they are offered time, the
offers in flight and what became of the recent ones; add a caller, withdraw, raise priority,
offer a time by hand. And the weekly report, as a plot and a table."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from audit.services import record_read
from core.errors import DomainError
from scheduling import catalog, timeutils
from scheduling.selectors.appointments import get_patient
from waitlist import chart, joining, matching, selectors
from waitlist.models import OfferStatus
from web import formatting
from web.selectors.calendar import desk_locations
from web.views.common import DESK_ROLES, staff_page, STAFF_ROLES
from web.views.desk import chosen_location


def _service(request, location):
    services = sorted(
        (
            s
            for s in catalog.current().services.values()
            if s.active and any(loc.pk == location.pk for loc in s.locations.all())
        ),
        key=lambda s: s.name,
    )
    wanted = request.GET.get("service") or request.POST.get("service")
    chosen = next((s for s in services if str(s.pk) == str(wanted)), None)
    return services, chosen


def _when(instant, location) -> str:
    return formatting.when_label(instant, location.time_zone, with_zone=False)


PAGE_ROWS = 500  # the page lists the first 500 in offer order; the API pages through all


@staff_page(*STAFF_ROLES)
def waitlist(request):
    locations = desk_locations(user=request.user)
    location = chosen_location(request, locations)
    if location is None:
        return render(request, "web/desk/no_location.html", status=403)
    services, service = _service(request, location)
    now = timezone.now()
    entries = list(selectors.entries_for(user=request.user, location=location, service=service)[:PAGE_ROWS])
    offers = selectors.offers_for(
        user=request.user, location=location, service=service, since=now - dt.timedelta(days=7)
    )
    record_read(
        kind="waitlist.waitlistentry",
        patients=[e.patient_id for e in entries] + [o.entry.patient_id for o in offers],
        summary=f"waitlist, location={location.pk}",
    )
    in_flight = [o for o in offers if o.is_live(now)]
    outcomes = [o for o in offers if not o.is_live(now)]
    for offer in offers:
        offer.when_label = _when(offer.start, location)
        offer.until_label = _when(offer.expires_at, location)
        offer.outcome_label = (
            OfferStatus.EXPIRED.label if offer.status == OfferStatus.SENT else offer.get_status_display()
        )
    return render(
        request,
        "web/desk/waitlist.html",
        {
            "locations": locations,
            "location": location,
            "services": services,
            "service": service,
            "entries": entries,
            "in_flight": in_flight,
            "outcomes": outcomes,
            "zone_label": formatting.zone_label(location.time_zone, at=now),
            "query": f"?location={location.pk}" + (f"&service={service.pk}" if service else ""),
        },
    )


def _back(request) -> str:
    location, service = request.POST.get("location", ""), request.POST.get("service", "")
    return f"{reverse('web:desk-waitlist')}?location={location}" + (f"&service={service}" if service else "")


@require_POST
@staff_page(*DESK_ROLES)
def add(request):
    locations = desk_locations(user=request.user)
    location = next((loc for loc in locations if str(loc.pk) == request.POST.get("location")), None)
    services, service = _service(request, location) if location else ([], None)
    try:
        if location is None or service is None or not request.POST.get("patient", "").isdigit():
            raise DomainError("Choose the site, the service and the patient's record number.")
        patient = get_patient(user=request.user, patient_id=int(request.POST["patient"]))
        entry, created = joining.join(
            patient=patient,
            service=service,
            place="location",
            location=location,
            priority=int(request.POST.get("priority") or 0),
            actor=request.user,
            by_staff=True,
        )
        messages.success(
            request,
            f"{patient.display_name} is on the waitlist."
            if created
            else f"{patient.display_name} was already on the waitlist.",
        )
    except DomainError as exc:
        messages.error(request, exc.detail)
    return redirect(_back(request))


def _entry(request, entry_id: int):
    entry = selectors.visible_entries(user=request.user).filter(pk=entry_id).first()
    if entry is None:
        raise DomainError("There is no such waitlist entry that you can see.")
    return entry


@require_POST
@staff_page(*DESK_ROLES)
def withdraw(request, entry_id: int):
    try:
        entry = _entry(request, entry_id)
        joining.withdraw(entry_id=entry.pk, actor=request.user)
        messages.success(request, f"{entry.patient.display_name} is off the waitlist.")
    except DomainError as exc:
        messages.error(request, exc.detail)
    return redirect(_back(request))


@require_POST
@staff_page(*STAFF_ROLES)
def priority(request, entry_id: int):
    try:
        entry = _entry(request, entry_id)
        raw = request.POST.get("priority", "")
        if not raw.isdigit() or int(raw) > 100:
            raise DomainError("Priority is a number from 0 to 100.")
        joining.set_priority(entry_id=entry.pk, priority=int(raw), actor=request.user)
        messages.success(request, f"{entry.patient.display_name}'s priority is now {raw}.")
    except DomainError as exc:
        messages.error(request, exc.detail)
    return redirect(_back(request))


@require_POST
@staff_page(*DESK_ROLES)
def offer(request, entry_id: int):
    locations = desk_locations(user=request.user)
    location = next((loc for loc in locations if str(loc.pk) == request.POST.get("location")), None)
    try:
        entry = _entry(request, entry_id)
        if location is None:
            raise DomainError("Choose the site.")
        try:
            local = dt.datetime.fromisoformat(request.POST.get("start", ""))
        except ValueError:
            raise DomainError("Give the day and time to offer.") from None
        start = timeutils.wall_to_utc(local.date(), local.time(), timeutils.zone(location.time_zone))
        made = matching.offer_by_hand(entry_id=entry.pk, location=location, start=start, by=request.user)
        messages.success(request, f"Offered {_when(made.start, location)} to {entry.patient.display_name}.")
    except DomainError as exc:
        messages.error(request, exc.detail)
    return redirect(_back(request))


@staff_page(*STAFF_ROLES)
def report(request):
    locations = desk_locations(user=request.user)
    location = chosen_location(request, locations)
    if location is None:
        return render(request, "web/desk/no_location.html", status=403)
    services, service = _service(request, location)
    today = timeutils.local_date(timezone.now(), timeutils.zone(location.time_zone))
    weeks = selectors.weekly_report(
        user=request.user, weeks=8, today=today, time_zone=location.time_zone, location=location, service=service
    )
    return render(
        request,
        "web/desk/waitlist_report.html",
        {
            "locations": locations,
            "location": location,
            "services": services,
            "service": service,
            "weeks": weeks,
            "plot": chart.weekly_svg(weeks),
            "query": f"?location={location.pk}" + (f"&service={service.pk}" if service else ""),
        },
    )
