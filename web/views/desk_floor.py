"""The floor board (refreshing itself with htmx), the inbox of texts that need a person, and
blocking time with a preview of the visits a block would collide with."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods, require_POST

from audit.services import Action, record, record_read
from core.errors import DomainError
from notifications import selectors as message_selectors
from notifications.inbound import mark_handled
from scheduling.selectors.appointments import visible_appointments
from web import formatting
from web.forms.desk import BlockForm
from web.selectors.blocks import collisions
from web.selectors.calendar import desk_locations
from web.selectors.floor import floor_board
from web.selectors.patients import visit_zone
from web.services.blocks import block_time
from web.views.common import DESK_ROLES, staff_page
from web.views.desk import chosen_location

FLOOR_REFRESH_SECONDS = 30


@staff_page()
def floor(request):
    locations = [loc for loc in desk_locations(user=request.user) if not loc.is_virtual]
    location = chosen_location(request, locations)
    if location is None:
        return render(request, "web/desk/no_location.html", status=403)
    now = timezone.now()
    if not request.htmx:  # its 30-second refreshes re-show the board this entry records as opened
        record_read(kind="scheduling.appointment", summary=f"floor board, location={location.pk}")
    bays = floor_board(location=location, now=now)
    # Link only to the visits this viewer may open (a clinician opens their own), never to a 404.
    openable = set(visible_appointments(user=request.user).filter(
        pk__in=[bay.appointment.pk for bay in bays if bay.appointment]).values_list("pk", flat=True))
    context = {"locations": locations, "location": location, "bays": bays, "openable": openable,
               "updated": formatting.time_label(now, location.time_zone), "refresh": FLOOR_REFRESH_SECONDS}
    template = "web/desk/_floor_board.html" if request.htmx else "web/desk/floor.html"
    return render(request, template, context)


@staff_page()
def inbox(request):
    show_handled = request.GET.get("handled") == "1"
    items = message_selectors.inbox(user=request.user, handled=show_handled).select_related(
        "appointment__location", "appointment__patient")[:100]
    record(action=Action.READ, kind="notifications.inboundmessage", summary=f"inbox page, handled={show_handled}")
    locations = desk_locations(user=request.user)
    desk_zone = locations[0].time_zone if locations else "UTC"
    return render(request, "web/desk/inbox.html", {
        "items": [{"row": m, "at": formatting.when_label(m.received_at, desk_zone),
                   "visit": formatting.when_label(m.appointment.start, visit_zone(m.appointment))
                   if m.appointment_id else ""}
                  for m in items],
        "show_handled": show_handled})


@require_POST
@staff_page()
def inbox_handled(request, message_id: int):
    if not message_selectors.inbox_items(user=request.user).filter(pk=message_id).exists():
        raise Http404
    mark_handled(inbound_id=message_id, user=request.user)
    if request.htmx:
        return render(request, "web/desk/_inbox_done.html", {})
    messages.success(request, "Marked as handled.")
    return redirect("web:desk-inbox")


@staff_page(*DESK_ROLES)
@require_http_methods(["GET", "POST"])
def block(request):
    """GET: the form. POST "preview": the visits in the way. POST "save": the block is saved."""
    locations = [loc for loc in desk_locations(user=request.user) if not loc.is_virtual]
    location = chosen_location(request, locations)
    if location is None:
        raise PermissionDenied
    form = BlockForm(request.POST or None, location=location, initial={"day": request.GET.get("date")})
    context = {"form": form, "locations": locations, "location": location}
    if request.method == "POST" and form.is_valid():
        resource, staff = form.holder()
        data = form.cleaned_data
        found = collisions(day=data["day"], start_time=data["start_time"], end_time=data["end_time"],
                           resource=resource, staff=staff, location=location)
        context["collisions"] = [{"appointment": a, "when": formatting.when_label(a.start, visit_zone(a))} for a in found]
        if found:
            record_read(kind="scheduling.appointment", summary=f"block preview: visits in the way, {data['day']}")
        context["previewed"] = True
        if request.POST.get("action") == "save":
            try:
                block_time(day=data["day"], resource=resource, staff=staff, start_time=data["start_time"],
                           end_time=data["end_time"], reason=data["reason"], actor=request.user)
            except DomainError as exc:
                context["error"] = exc.detail
            else:
                held = f" {len(found)} booked visit(s) are inside it: move them from the calendar." if found else ""
                messages.success(request, f"Blocked.{held}")
                return redirect(_day_url(location, data["day"]))
        if request.htmx:
            return render(request, "web/desk/_block_preview.html", context)
    return render(request, "web/desk/block.html", context)


def _day_url(location, day) -> str:
    return f"{reverse('web:desk-day')}?location={location.pk}&date={day.isoformat()}"
