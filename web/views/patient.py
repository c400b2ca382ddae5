"""A patient's own pages: the confirmation, "My appointments" (signed in with a one-time code,
no password), cancelling and moving a visit within the clinic's policy, and the link in every
message (/manage/<token>), which opens a sign-in for that visit's patient (and, like check-in
and join links, refuses another signed-in patient)."""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login, logout
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts import services as sign_in
from accounts.destinations import Destination
from accounts.models import OneTimeCode, Role
from care.eligibility import evaluation_service
from care.models import Escort
from care.services import record_escort
from checkins import links as checkin_links, selectors as checkin_selectors
from core.errors import DomainError
from notifications.models import AppointmentLink
from scheduling.models import AppointmentStatus as S
from scheduling.services.booking import reschedule_appointment
from scheduling.services.transitions import cancel_appointment, cancellation_deadline
from web import calendar_links, formatting, wording
from web.forms.booking import CodeForm, EscortForm, SignInForm
from web.selectors import offers
from web.selectors.patients import own_visit, own_visits, visit_zone
from web.views import patient_waitlist
from web.views.common import (
    address_limit_error,
    clinic_phone,
    clinic_phone_uri,
    move_offer_context,
    patient_page,
    safe_next,
    signed_in_patient,
    too_many_codes_text,
)


def _visit_context(appointment, *, language: str) -> dict:
    service = appointment.service
    zone_name = visit_zone(appointment)
    deadline = cancellation_deadline(appointment)
    video = appointment.location_id is None
    needs_escort = wording.needs_escort(service, in_person=not video)
    return {"calendar": calendar_links.links(appointment, language=language),
            "ics_url": reverse("web:visit-calendar", args=[appointment.pk]),
            "escort_on_file": Escort.objects.filter(appointment=appointment).first() if needs_escort else None,
            "appointment": appointment, "name": wording.service_name(service), "location": appointment.location,
            "video": video, "when": formatting.when_label(appointment.start, zone_name),
            "ends": formatting.time_label(appointment.end, zone_name),
            "prep": wording.prep_instructions(service, language),
            "escort": needs_escort, "change_until": formatting.when_label(deadline, zone_name),
            "too_late": timezone.now() >= deadline,
            "window_hours": service.cancellation_window_hours, "phone": clinic_phone(),
            "join_opens_minutes": settings.TELEHEALTH_JOIN_OPENS_MINUTES,
            "state_name": wording.STATE_NAMES.get(appointment.patient.state, appointment.patient.state)}


@patient_page
def booked(request, appointment_id: int):
    appointment = own_visit(patient=request.patient, appointment_id=appointment_id)
    if appointment is None or appointment.status not in (S.BOOKED, S.CHECKED_IN):
        raise Http404
    return render(request, "web/patient/booked.html",
                  _visit_context(appointment, language=request.LANGUAGE_CODE[:2]))


@patient_page
def my_appointments(request):
    now = timezone.now()
    upcoming, past = own_visits(patient=request.patient, now=now)

    def card(visit):
        context = _visit_context(visit.appointment, language=request.LANGUAGE_CODE[:2])
        context.update({"visit": visit, "join_opens": formatting.time_label(visit.join_opens_at, visit.zone_name)
                        if visit.join_opens_at else ""})
        return context

    checkins = [{"url": checkin_links.answer_path(c),
                 "visit_day": formatting.day_label(formatting.local(c.appointment.start, visit_zone(c.appointment)).date()),
                 "until": formatting.when_label(c.expires_at, request.patient.time_zone)}
                for c in checkin_selectors.answerable_for_patient(patient_id=request.patient.pk, now=now)
                .select_related("appointment__location", "appointment__patient")]
    return render(request, "web/patient/appointments.html", {
        "patient": request.patient, "upcoming": [card(v) for v in upcoming], "past": [card(v) for v in past[:20]],
        "phone": clinic_phone(), "checkins": checkins, "waitlist": patient_waitlist.entries(request.patient)})


@require_http_methods(["GET", "POST"])
def sign_in_start(request):
    if signed_in_patient(request) is not None:
        return redirect(safe_next(request, reverse("web:my-appointments")))
    form = SignInForm(request.POST or None)
    error = ""
    if request.method == "POST" and form.is_valid() and not (error := address_limit_error(request)):
        return _request_code(request, form.cleaned_data["destination"], next_url=safe_next(request, ""))
    return render(request, "web/patient/sign_in.html", {"form": form, "error": error,
                                                        "next": safe_next(request, ""),
                                                        "evaluation": evaluation_service()})


def _request_code(request, destination: Destination, *, next_url: str):
    """The same answer whether or not the phone or email is a patient's (accounts.services)."""
    request.session["sign_in"] = {"channel": destination.channel, "address": destination.address, "next": next_url}
    try:
        sign_in.sign_in_code_request(destination=destination)
    except sign_in.TooManyCodes as exc:
        request.session["code_error"] = too_many_codes_text(exc)
    return redirect("web:sign-in-code")


def _masked(destination: dict) -> str:
    address = destination["address"]
    if destination["channel"] == OneTimeCode.Channel.SMS:
        return _("the mobile number ending in %(digits)s") % {"digits": address[-4:]}
    name, _at, domain = address.partition("@")
    return f"{name[:1]}•••@{domain}"


@require_http_methods(["GET", "POST"])
def sign_in_code(request):
    pending = request.session.get("sign_in")
    if not pending:
        return redirect("web:sign-in")
    form = CodeForm(request.POST or None)
    error = request.session.pop("code_error", "")
    if request.method == "POST" and form.is_valid() and not (error := address_limit_error(request, verifying=True)):
        destination = Destination(pending["channel"], pending["address"])
        try:
            user = sign_in.sign_in_code_verify(destination=destination, code=form.cleaned_data["code"])
        except sign_in.CodeLocked:
            error = _("Too many wrong codes were tried. Ask for a new code and try again.")
        except sign_in.InvalidCode:
            error = _("That code is not valid or has expired. Check it, or ask for a new code.")
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            request.session.pop("sign_in", None)
            return redirect(pending.get("next") or reverse("web:my-appointments"))
    return render(request, "web/patient/sign_in_code.html", {
        "form": form, "error": error, "sent_to": _masked(pending),
        "minutes": settings.OTP_TTL_SECONDS // 60})


@require_POST
def sign_in_resend(request):
    pending = request.session.get("sign_in")
    if not pending:
        return redirect("web:sign-in")
    if error := address_limit_error(request):
        request.session["code_error"] = error
        return redirect("web:sign-in-code")
    return _request_code(request, Destination(pending["channel"], pending["address"]), next_url=pending.get("next", ""))


@require_POST
def sign_out(request):
    logout(request)
    return redirect("web:home")


def _changeable(request, appointment_id: int):
    appointment = own_visit(patient=request.patient, appointment_id=appointment_id)
    if appointment is None or appointment.status != S.BOOKED or appointment.end <= timezone.now():
        raise Http404
    return appointment


@patient_page
@require_http_methods(["GET", "POST"])
def cancel(request, appointment_id: int):
    appointment = _changeable(request, appointment_id)
    context = _visit_context(appointment, language=request.LANGUAGE_CODE[:2])
    if request.method == "POST" and not context["too_late"]:
        try:
            cancel_appointment(appointment=appointment, actor=request.user,
                               reason=(request.POST.get("reason") or "").strip()[:300] or "Cancelled online")
        except DomainError as exc:
            context["error"] = exc.detail
        else:
            messages.success(request, _("Your visit on %(when)s is cancelled.") % {"when": context["when"]})
            return redirect("web:my-appointments")
    return render(request, "web/patient/cancel.html", context)


@patient_page
@require_http_methods(["GET", "POST"])
def reschedule(request, appointment_id: int):
    appointment = _changeable(request, appointment_id)
    context = _visit_context(appointment, language=request.LANGUAGE_CODE[:2])
    zone_name = visit_zone(appointment)
    if request.method == "POST" and not context["too_late"]:
        parsed = offers.parse_slot_value(request.POST.get("slot", ""))
        if parsed is not None:
            try:
                moved = reschedule_appointment(appointment=appointment, start=parsed[0], actor=request.user,
                                               reason="Moved online by the patient")
            except DomainError as exc:
                context["error"] = exc.detail
            else:
                return redirect("web:booked", appointment_id=moved.pk)
    if not context["too_late"]:
        context.update(move_offer_context(request, appointment, zone_name))
    return render(request, "web/patient/reschedule.html", context)


@patient_page
@require_http_methods(["GET", "POST"])
def escort(request, appointment_id: int):
    """Who takes the patient home from an in-person dosing visit: added or changed until it starts."""
    appointment = own_visit(patient=request.patient, appointment_id=appointment_id)
    if (appointment is None or appointment.status not in (S.BOOKED, S.CHECKED_IN) or appointment.end <= timezone.now()
            or not wording.needs_escort(appointment.service, in_person=appointment.location_id is not None)):
        raise Http404
    context = _visit_context(appointment, language=request.LANGUAGE_CODE[:2])
    on_file = context["escort_on_file"]
    initial = {"name": on_file.name, "phone": on_file.phone.as_national} if on_file else None
    form = EscortForm(request.POST if request.method == "POST" else None, initial=initial, required=True)
    if request.method == "POST" and form.is_valid():
        try:
            record_escort(appointment=appointment, name=form.cleaned_data["name"].strip(),
                          phone=form.cleaned_data["phone"], confirmed_adult=True, actor=request.user)
        except DomainError as exc:
            context["error"] = exc.detail
        else:
            messages.success(request, _("Thank you: %(name)s will take you home.") % {
                "name": form.cleaned_data["name"].strip()})
            return redirect(f"{reverse('web:my-appointments')}#visit-{appointment.pk}")
    context["form"] = form
    return render(request, "web/patient/escort.html", context)


@require_http_methods(["GET", "POST"])
def manage(request, token: str):
    """The link in every message. It shows no more than the text did (when and where) and lets the
    patient sign in with a code sent to the number or email on their record."""
    link = AppointmentLink.objects.select_related("appointment__patient", "appointment__location",
                                                  "appointment__service").filter(token=token).first()
    expired = link is not None and (
        timezone.now() >= link.appointment.end + dt.timedelta(hours=settings.MANAGE_LINK_EXPIRES_HOURS))
    if link is None or expired:
        raise Http404  # a link in an old text stops saying when and where the visit was
    appointment = link.appointment
    if request.user.is_authenticated and request.user.has_role(Role.PATIENT):
        # As with check-in and join links: a forwarded or shoulder-surfed link does not show a
        # signed-in patient someone else's visit; they get the page an unknown link gets.
        patient = signed_in_patient(request)
        if patient is None or patient.pk != appointment.patient_id:
            raise Http404
        return redirect(f"{reverse('web:my-appointments')}#visit-{appointment.pk}")
    record = appointment.patient
    # A code goes only where it can arrive: a mobile still taking texts, or an email. A patient who
    # texted STOP and has no email is offered the clinic's phone instead of a code going nowhere.
    can_send = bool((record.phone and not record.sms_opted_out) or record.email)
    if request.method == "POST" and can_send:
        if error := address_limit_error(request):
            return render(request, "web/patient/problem.html", {"message": error, "phone": clinic_phone()}, status=429)
        channel = OneTimeCode.Channel.SMS if record.phone and not record.sms_opted_out else OneTimeCode.Channel.EMAIL
        address = str(record.phone) if channel == OneTimeCode.Channel.SMS else record.email.lower()
        return _request_code(request, Destination(channel, address),
                             next_url=f"{reverse('web:my-appointments')}#visit-{appointment.pk}")
    zone_name = visit_zone(appointment)
    return render(request, "web/patient/manage.html", {
        "when": formatting.when_label(appointment.start, zone_name), "location": appointment.location,
        "status": appointment.status, "can_send": can_send, "texts_off": record.sms_opted_out,
        "phone": clinic_phone(), "phone_uri": clinic_phone_uri()})
