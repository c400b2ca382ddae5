"""The front desk's calendar and one appointment's page with its actions: check in, no-show,
complete, cancel with a reason, the escort, and everything sent to and received from the
patient about the visit. Every action calls the same service as the API and shows its refusal
in its own words ("This appointment is checked in; it cannot change from checked in to ...")."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils import timezone
from django.views.decorators.http import require_POST

from audit.services import Action, record
from care.services import record_escort
from checkins import selectors as checkin_selectors
from checkins.models import AlertStatus
from core.errors import DomainError
from notifications import selectors as message_selectors
from scheduling import timeutils
from scheduling.models import AppointmentEvent, AppointmentStatus as S, Location, StaffMember
from scheduling.selectors.appointments import get_appointment
from scheduling.selectors.catalog import CLINICAL_ROLES, clinical_staff
from scheduling.services import transitions
from web import formatting
from web.forms.desk import CancelForm, CheckInForm, CompleteForm, EscortForm, ReasonForm, StaffLoginForm
from web.selectors.calendar import day_grid, desk_locations, week_grid
from web.selectors.day_marks import LEGEND as MARK_LEGEND
from web.selectors.patients import visit_zone
from web.views.care_team import home_url
from web.views.common import DESK_ROLES, staff_page


class StaffLoginView(auth_views.LoginView):
    template_name = "web/desk/login.html"
    authentication_form = StaffLoginForm
    redirect_authenticated_user = True
    next_page = reverse_lazy("web:desk-day")

    def get_default_redirect_url(self) -> str:
        """A clinician lands on their own day, the desk and admins on their site's."""
        return home_url(self.request.user)


def chosen_location(request, locations: list[Location]) -> Location | None:
    wanted = request.GET.get("location") or request.session.get("desk_location")
    chosen = next((loc for loc in locations if str(loc.pk) == str(wanted)), None) or (locations[0] if locations else None)
    if chosen is not None:
        request.session["desk_location"] = chosen.pk
    return chosen


def _chosen_day(request, zone_name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(request.GET["date"])
    except (KeyError, ValueError):
        return timeutils.local_date(timezone.now(), timeutils.zone(zone_name))


@staff_page()
def day_view(request):
    locations = desk_locations(user=request.user)
    location = chosen_location(request, locations)
    if location is None:
        return render(request, "web/desk/no_location.html", status=403)
    day = _chosen_day(request, location.time_zone)
    grid = day_grid(user=request.user, location=location, day=day)
    record(action=Action.READ, kind="scheduling.appointment", summary=f"day calendar, location={location.pk}, {day}")
    return render(request, "web/desk/day.html", {
        "grid": grid, "locations": locations, "location": location, "day": day,
        "previous": day - dt.timedelta(days=1), "next": day + dt.timedelta(days=1),
        "staff": clinical_staff(location=location), "mark_legend": MARK_LEGEND})


@staff_page()
def week_view(request):
    locations = desk_locations(user=request.user)
    location = chosen_location(request, locations)
    members = [m for m in StaffMember.objects.filter(active=True, locations__in=locations).distinct()
               .order_by("display_name") if CLINICAL_ROLES & set(m.roles)]
    member = next((m for m in members if str(m.pk) == request.GET.get("staff")), members[0] if members else None)
    if member is None:
        return render(request, "web/desk/no_location.html", status=403)
    day = _chosen_day(request, member.time_zone)
    monday = day - dt.timedelta(days=day.weekday())
    record(action=Action.READ, kind="scheduling.appointment", summary=f"week calendar, staff={member.pk}, {monday}")
    return render(request, "web/desk/week.html", {
        "grid": week_grid(user=request.user, member=member, monday=monday), "members": members, "member": member,
        "location": location, "monday": monday, "previous": monday - dt.timedelta(days=7),
        "next": monday + dt.timedelta(days=7)})


@staff_page()
def appointment_detail(request, appointment_id: int):
    appointment = get_appointment(user=request.user, appointment_id=appointment_id)
    record(action=Action.READ, target=appointment, summary="visit page: messages, replies, events, open alerts")
    return render(request, "web/desk/appointment.html", _detail_context(request, appointment))


def _detail_context(request, appointment, **forms) -> dict:
    zone_name = visit_zone(appointment)
    now = timezone.now()
    patient = appointment.patient
    allocations = list(appointment.allocations.all())
    return {
        "appointment": appointment, "patient": patient, "zone_name": zone_name,
        "when": formatting.when_label(appointment.start, zone_name),
        "ends": formatting.time_label(appointment.end, zone_name),
        "allocations": [{"phase": a.phase.name, "holder": a.staff.display_name if a.staff_id else a.resource.name,
                         "time": f"{formatting.time_label(a.start, zone_name)}–{formatting.time_label(a.end, zone_name)}",
                         "watching": not a.exclusive} for a in allocations],
        "outbound": [{"row": m, "due": formatting.when_label(m.due_at, patient.time_zone, with_zone=False),
                      "sent": formatting.when_label(m.sent_at, patient.time_zone, with_zone=False) if m.sent_at else ""}
                     for m in message_selectors.messages_for_appointment(appointment=appointment)],
        "replies": [{"row": r, "at": formatting.when_label(r.received_at, patient.time_zone, with_zone=False)}
                    for r in message_selectors.replies_for_appointment(appointment=appointment)],
        "events": AppointmentEvent.objects.filter(appointment=appointment).select_related("actor").order_by("at", "id"),
        "is_desk": request.user.has_role(*DESK_ROLES),
        "can_no_show": appointment.status == S.BOOKED and now >= appointment.start,
        "needs_escort": appointment.service.is_dosing and appointment.location_id is not None
        and appointment.status in (S.BOOKED, S.CHECKED_IN),
        "escort": getattr(appointment, "escort", None) if appointment.service.is_dosing else None,
        "cancel_form": forms.get("cancel_form") or CancelForm(),
        "check_in_form": forms.get("check_in_form") or CheckInForm(),
        "complete_form": CompleteForm(),
        "no_show_form": ReasonForm(), "escort_form": forms.get("escort_form") or EscortForm(),
        "zone_label": formatting.zone_label(zone_name, at=appointment.start),
        "risk_alerts": [{"alert": a, "raised": formatting.when_label(a.created_at, zone_name)}
                        for a in checkin_selectors.visible_alerts(user=request.user)
                        .filter(patient=patient, status=AlertStatus.OPEN).order_by("created_at")],
    }


def _action(request, appointment_id: int, act):
    """Run one action; a refusal is shown on the appointment page, in the service's words."""
    appointment = get_appointment(user=request.user, appointment_id=appointment_id)
    try:
        result = act(appointment)
    except DomainError as exc:
        messages.error(request, exc.detail)
        return redirect("web:desk-appointment", appointment_id=appointment.pk)
    if isinstance(result, str):
        messages.success(request, result)
    return redirect("web:desk-appointment", appointment_id=appointment.pk)


@require_POST
@staff_page(*DESK_ROLES)
def check_in(request, appointment_id: int):
    form = CheckInForm(request.POST)
    reason = form.data.get("override_reason", "").strip()[:300]

    def act(appointment):
        transitions.check_in(appointment=appointment, actor=request.user, override_reason=reason)
        return f"{appointment.patient.display_name} is checked in."
    return _action(request, appointment_id, act)


@require_POST
@staff_page(*DESK_ROLES)
def no_show(request, appointment_id: int):
    reason = request.POST.get("reason", "").strip()[:300]

    def act(appointment):
        transitions.mark_no_show(appointment=appointment, actor=request.user, reason=reason)
        return "Marked as a no-show; the rest of its time is free."
    return _action(request, appointment_id, act)


@require_POST
@staff_page(*DESK_ROLES)
def complete(request, appointment_id: int):
    reason = CompleteForm(request.POST).data.get("override_reason", "").strip()[:300]

    def act(appointment):
        transitions.complete(appointment=appointment, actor=request.user, override_reason=reason)
        return "Marked as completed."
    return _action(request, appointment_id, act)


@require_POST
@staff_page(*DESK_ROLES)
def cancel(request, appointment_id: int):
    form = CancelForm(request.POST)
    if not form.is_valid():
        appointment = get_appointment(user=request.user, appointment_id=appointment_id)
        return render(request, "web/desk/appointment.html", _detail_context(request, appointment, cancel_form=form),
                      status=400)

    def act(appointment):
        done = transitions.cancel_appointment(appointment=appointment, actor=request.user,
                                              reason=form.cleaned_data["reason"],
                                              cancelled_by=form.cleaned_data["cancelled_by"])
        late = " It counts as a late cancellation." if done.late_cancellation else ""
        return f"Cancelled.{late}"
    return _action(request, appointment_id, act)


@require_POST
@staff_page(*DESK_ROLES)
def escort(request, appointment_id: int):
    form = EscortForm(request.POST)
    appointment = get_appointment(user=request.user, appointment_id=appointment_id)
    if not form.is_valid():
        return render(request, "web/desk/appointment.html", _detail_context(request, appointment, escort_form=form),
                      status=400)

    def act(appointment):
        record_escort(appointment=appointment, actor=request.user, **form.cleaned_data)
        return "Escort recorded."
    return _action(request, appointment_id, act)
