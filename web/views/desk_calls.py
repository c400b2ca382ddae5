"""The day-before call list: tomorrow's visits at one location that need a call, with tap-to-call,
the calls already made (kept as history), a "called, outcome" form and the escort form."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from audit.services import record_read
from care.models import VisitCall
from care.services import record_call, record_escort
from core.errors import DomainError
from scheduling import timeutils
from scheduling.selectors.appointments import get_appointment
from web import formatting
from web.forms.desk import EscortForm
from web.selectors.calendar import desk_locations
from web.selectors.call_list import call_list
from web.views.common import DESK_ROLES, staff_page
from web.views.desk import chosen_location


class CallForm(forms.Form):
    outcome = forms.ChoiceField(label="Outcome", choices=VisitCall.Outcome.choices)
    note = forms.CharField(label="Note (optional)", max_length=300, required=False)


@staff_page(*DESK_ROLES)
def calls(request):
    locations = desk_locations(user=request.user)
    location = chosen_location(request, locations)
    if location is None:
        return render(request, "web/desk/no_location.html", status=403)
    today = timeutils.local_date(timezone.now(), timeutils.zone(location.time_zone))
    try:
        day = dt.date.fromisoformat(request.GET["date"])
    except (KeyError, ValueError):
        day = today + dt.timedelta(days=1)
    rows = call_list(user=request.user, location=location, day=day, today=today)
    record_read(
        kind="scheduling.appointment",
        patients=[row.appointment.patient_id for row in rows],
        summary=f"call list, location={location.pk}, {day}",
    )
    return render(
        request,
        "web/desk/calls.html",
        {
            "rows": rows,
            "locations": locations,
            "location": location,
            "day": day,
            "day_label": formatting.day_label(day, with_year=True),
            "call_form": CallForm(),
            "escort_form": EscortForm(),
            "zone_label": formatting.zone_label(
                location.time_zone, at=timeutils.day_bounds(day, timeutils.zone(location.time_zone))[0]
            ),
        },
    )


def _back(request, appointment) -> str:
    return (
        f"{reverse('web:desk-calls')}?location={request.POST.get('location', '')}"
        f"&date={request.POST.get('date', '')}#visit-{appointment.pk}"
    )


@require_POST
@staff_page(*DESK_ROLES)
def record_visit_call(request, appointment_id: int):
    appointment = get_appointment(user=request.user, appointment_id=appointment_id)
    form = CallForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Choose how the call went.")
        return redirect(_back(request, appointment))
    try:
        record_call(appointment=appointment, actor=request.user, **form.cleaned_data)
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(
            request,
            f"Call to {appointment.patient.display_name} recorded: "
            f"{VisitCall.Outcome(form.cleaned_data['outcome']).label.lower()}.",
        )
    return redirect(_back(request, appointment))


@require_POST
@staff_page(*DESK_ROLES)
def call_escort(request, appointment_id: int):
    appointment = get_appointment(user=request.user, appointment_id=appointment_id)
    form = EscortForm(request.POST)
    if not form.is_valid():
        errors = "; ".join(f"{form.fields[name].label}: {' '.join(errs)}" for name, errs in form.errors.items())
        messages.error(request, f"The escort was not recorded. {errors}")
        return redirect(_back(request, appointment))
    try:
        record_escort(appointment=appointment, actor=request.user, **form.cleaned_data)
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, f"Escort recorded for {appointment.patient.display_name}.")
    return redirect(_back(request, appointment))
