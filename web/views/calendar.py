"""A visit as an .ics file for the patient's own calendar: from "My appointments" (signed in) and
from the link in every message (the same rules as the manage page: it expires with the visit,
and another signed-in patient gets the page an unknown link gets)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.http import Http404, HttpResponse
from django.utils import timezone
from django.views.decorators.http import require_GET

from accounts.models import Role
from calendars import ics
from notifications.models import AppointmentLink
from web.selectors.patients import own_visit
from web.views.common import patient_page, signed_in_patient


def _ics_response(appointment, *, language: str) -> HttpResponse:
    if appointment.status in ics.NOT_A_VISIT:
        raise Http404
    body = ics.appointment_calendar(appointment, language=language)
    response = HttpResponse(body, content_type=ics.CONTENT_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{ics.filename(appointment)}"'
    response["Cache-Control"] = "private, no-store"
    return response


@patient_page
@require_GET
def visit_calendar(request, appointment_id: int):
    appointment = own_visit(patient=request.patient, appointment_id=appointment_id)
    if appointment is None:
        raise Http404
    return _ics_response(appointment, language=request.LANGUAGE_CODE[:2])


@require_GET
def manage_calendar(request, token: str):
    link = (
        AppointmentLink.objects.select_related("appointment__patient", "appointment__location", "appointment__service")
        .filter(token=token)
        .first()
    )
    if link is None or timezone.now() >= link.appointment.end + dt.timedelta(hours=settings.MANAGE_LINK_EXPIRES_HOURS):
        raise Http404
    if request.user.is_authenticated and request.user.has_role(Role.PATIENT):
        patient = signed_in_patient(request)
        if patient is None or patient.pk != link.appointment.patient_id:
            raise Http404
    return _ics_response(link.appointment, language=request.LANGUAGE_CODE[:2])
