"""Booking for a caller and moving a visit, from the front desk. The times offered are the
engine's (the same as the patient sees, staff-only services included); a time it does not offer
can be booked with a reason (short notice, past the horizon), never over a conflict."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from accounts.models import Role
from audit.services import Action, record, record_read
from core.errors import DomainError, Unprocessable
from scheduling import timeutils
from scheduling.models import BookingChannel, Location, Patient, Service
from scheduling.selectors.appointments import desk_location_ids, desk_may_book_at, get_appointment, get_patient
from scheduling.services.booking import book_appointment, reschedule_appointment
from web import formatting
from web.forms.desk import BookForm, FindTimeForm, NewPatientForm, OverrideForm, place_choices
from web.selectors import offers
from web.selectors.calendar import desk_locations
from web.selectors.patients import search_patients, visit_zone
from web.services.patients import create_patient
from web.views.common import DESK_ROLES, move_offer_context, offer_context, staff_page


@staff_page(*DESK_ROLES)
@require_http_methods(["GET", "POST"])
def find_patient(request):
    """Step one: find the caller on record, or add them."""
    query = request.GET.get("q", "")
    results = list(search_patients(query=query, user=request.user)) if query else []
    if results:
        record_read(kind="scheduling.patient", patients=results, summary=f"patient search, {len(results)} found")
    form = NewPatientForm(request.POST or None, initial={"time_zone": "America/Phoenix", "language": "en"})
    error = ""
    if request.method == "POST" and form.is_valid():
        try:
            patient = create_patient(details=form.details(), consent_source=Patient.ConsentSource.FRONT_DESK,
                                     actor=request.user)
        except DomainError as exc:
            error = exc.detail
        else:
            messages.success(request, f"{patient.display_name} is on record.")
            return redirect("web:desk-book", patient_id=patient.pk)
    return render(request, "web/desk/find_patient.html", {
        "query": query, "results": results, "form": form, "error": error})


def _places(user) -> tuple[list[Location], bool]:
    locations = desk_locations(user=user)
    _, covers_video = desk_location_ids(user)
    return locations, covers_video or user.role == Role.ADMIN


def _target(form: FindTimeForm) -> tuple[Service, Location | None]:
    where = form.cleaned_data["where"]
    location = None if where == "video" else Location.objects.get(pk=int(where))
    return form.cleaned_data["service"], location


@staff_page(*DESK_ROLES)
@require_http_methods(["GET", "POST"])
def book_for_patient(request, patient_id: int):
    """Step two: service, place and day; then pick a time (or override the rules with a reason)."""
    patient = get_patient(user=request.user, patient_id=patient_id)  # another site's patient: 404
    record(action=Action.READ, target=patient, summary="desk booking page")
    locations, video = _places(request.user)
    find = FindTimeForm(request.GET or None, places=place_choices(locations, video=video))
    context = {"patient": patient, "find": find, "book": BookForm(), "override": OverrideForm()}
    if not find.is_bound or not find.is_valid():
        return render(request, "web/desk/book.html", context)
    service, location = _target(find)
    if not desk_may_book_at(user=request.user, location=location):
        raise PermissionDenied
    zone_name = location.time_zone if location else patient.time_zone
    keep = request.GET.copy()
    keep.pop("day", None)
    context.update({"service": service, "location": location, "zone_name": zone_name,
                    "day_query": keep.urlencode() + "&"})
    if request.method == "POST":
        start, override_reason, form = _requested_start(request, zone_name)
        context[form[0]] = form[1]
        if start is not None:
            try:
                appointment = book_appointment(
                    patient=patient, service=service, location=location, start=start, actor=request.user,
                    channel=request.POST.get("channel") if request.POST.get("channel") in BookingChannel.values
                    else BookingChannel.PHONE, staff_notes=request.POST.get("staff_notes", "")[:500],
                    override_reason=override_reason)
            except DomainError as exc:
                context.update(_refusal(exc, start=start, zone_name=zone_name))
            else:
                messages.success(request, f"Booked {service.name} for {patient.display_name}, "
                                          f"{formatting.when_label(appointment.start, zone_name)}.")
                return redirect("web:desk-appointment", appointment_id=appointment.pk)
    offer = offers.offer(service=service, location=location, zone_name=zone_name, day=find.cleaned_data.get("day"),
                         patient=patient)
    context.update(offer_context(offer, pin_staff=False))
    return render(request, "web/desk/book.html", context)


# The booking rules a desk override sets aside (the engine skips them; never a conflict or hours).
OVERRIDABLE_RULES = frozenset({"min_notice", "horizon", "staff_only", "off_grid"})
# Who can clear a gate the desk may not override, by gate.
WHO_CLEARS = {
    "clearance": "A prescriber, who records or renews the clearance after the evaluation.",
    "rems_site": "Nobody at the desk: the Spravato REMS allows only certified sites. Book a certified site.",
    "rems_enrolment": "A prescriber or a clinic admin, who records the patient's REMS enrolment.",
    "video_licensure": "The desk, by recording the patient's state of residence; a clinician licensed there "
                       "then takes the visit.",
    "controlled_substance_telemedicine": "A prescriber, after an in-person evaluation.",
    "escort": "The desk, by recording the escort on the visit.",
}


def _refusal(exc: DomainError, *, start: dt.datetime | None, zone_name: str) -> dict:
    """The service's words; whether an override reason could let the time through (then the
    override form comes filled in with that time); and for each gate the desk may not override,
    what clears it and who can."""
    if exc.code == "gate_failed":
        gates = exc.extra.get("gates") or [exc.extra]
        overridable = all(gate.get("overridable") for gate in gates)
        blocked = [{"detail": gate.get("detail", exc.detail), "how": gate.get("how_to_satisfy", ""),
                    "who": WHO_CLEARS.get(gate.get("gate"), "A clinician or a clinic admin.")}
                   for gate in gates if not gate.get("overridable")]
    else:
        overridable, blocked = isinstance(exc, Unprocessable) and exc.code in OVERRIDABLE_RULES, []
    context = {"error": exc.detail, "overridable": overridable, "blocked_gates": blocked}
    if overridable and start is not None:
        local = start.astimezone(timeutils.zone(zone_name))
        context.update(override=OverrideForm(initial={"day": local.date(), "time": local.time()}), override_open=True)
    return context


def _requested_start(request, zone_name: str) -> tuple[dt.datetime | None, str, tuple[str, object]]:
    """The start the desk asked for: a time the engine offered, or a time with an override reason."""
    if "override_reason" in request.POST:
        form = OverrideForm(request.POST)
        if not form.is_valid():
            return None, "", ("override", form)
        start = timeutils.wall_to_utc(form.cleaned_data["day"], form.cleaned_data["time"], timeutils.zone(zone_name))
        return start, form.cleaned_data["override_reason"], ("override", form)
    form = BookForm(request.POST)
    parsed = offers.parse_slot_value(request.POST.get("slot", ""))
    return (parsed[0] if parsed else None), "", ("book", form)


@staff_page(*DESK_ROLES)
@require_http_methods(["GET", "POST"])
def move(request, appointment_id: int):
    """Move a visit to another time at the same place; the old time is freed in the same step,
    and its pending reminders move with it (the booking service replans them)."""
    appointment = get_appointment(user=request.user, appointment_id=appointment_id)
    if request.method == "GET":
        record(action=Action.READ, target=appointment, summary="move page: the visit and the times it may move to")
    zone_name = visit_zone(appointment)
    context = {"appointment": appointment, "patient": appointment.patient,
               "when": formatting.when_label(appointment.start, zone_name), "override": OverrideForm(),
               "zone_name": zone_name}
    if request.method == "POST":
        start, override_reason, form = _requested_start(request, zone_name)
        context[form[0]] = form[1]
        if start is not None:
            try:
                moved = reschedule_appointment(appointment=appointment, start=start, actor=request.user,
                                               # As the API: an override's reason is the move's reason.
                                               reason=request.POST.get("reason", "")[:300]
                                               or ("" if override_reason else "Moved by the front desk"),
                                               override_reason=override_reason)
            except DomainError as exc:
                context.update(_refusal(exc, start=start, zone_name=zone_name))
            else:
                messages.success(request, f"Moved to {formatting.when_label(moved.start, zone_name)}.")
                return redirect("web:desk-appointment", appointment_id=moved.pk)
    context.update(move_offer_context(request, appointment, zone_name))
    return render(request, "web/desk/move.html", context)
