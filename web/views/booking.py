"""Booking online, for anyone: service -> in person (which clinic) or video -> a time -> details
-> the code from the text -> booked. A signed-in patient skips the details and the code.

What the visitor chose lives in the session ("booking"); a new patient's draft record, hold
and typed details in "registration" (web.services.patients explains the draft). Every time
offered, held and booked goes through the same engine and services as the API.
"""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import login
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts import services as sign_in
from accounts.destinations import Destination
from accounts.models import OneTimeCode
from care.eligibility import BOOK_EVALUATION, CALL_CLINIC, Eligibility, eligibility_for
from config.throttles import AvailabilityThrottle, BookingThrottle, seconds_to_wait
from core.errors import DomainError
from notifications.models import MessagingPolicy
from notifications.texting_window import video_times_outside
from scheduling.models import Appointment, Location, Patient, Service, StaffMember
from scheduling.services.holds import hold_slot
from scheduling.services.transitions import cancellation_deadline
from web import formatting, wording
from web.forms.booking import CodeForm, DetailsForm, EscortForm, sms_consent_label, ZoneForm
from web.selectors import next_step, offers
from web.selectors.offers import slot_value
from web.services import patients as registration
from web.views.common import (
    address_limit_error,
    clinic_phone,
    clinic_phone_uri,
    offer_context,
    parse_day,
    patient_page,
    signed_in_patient,
    time_buttons,
    too_many_codes_text,
    too_many_requests_page,
)

# Where a time from "earliest anywhere" (or the evaluation offered instead of a treatment) is
# picked: its button carries the place with the time ("<where>@<start>").
ANYWHERE = "any"


def services(request):
    """The list follows the patient's next step (web.selectors.next_step)."""
    patient = signed_in_patient(request)
    language = request.LANGUAGE_CODE[:2]
    items = [{"service": c.service, "name": wording.service_name(c.service),
              "expect": wording.what_to_expect(c.service, language),
              "minutes": c.minutes, "prep": wording.prep_line(c.service, language), "next_step": c.next_step,
              "can_book": c.eligibility.can_book, "reason": c.eligibility.reason,
              "next": _placed_label(c.next_time, patient) if c.next_time else None}
             for c in next_step.service_choices(patient=patient)]
    return render(request, "web/patient/services.html", {"items": items, "patient": patient})


def _placed_zone(location: Location | None, patient: Patient | None) -> str:
    return location.time_zone if location is not None else next_step.video_zone(patient)


def _placed_label(placed, patient: Patient | None) -> dict:
    """A time anywhere in words: the day and time on the place's clock, and the place."""
    zone_name = _placed_zone(placed.location, patient)
    local = formatting.local(placed.start, zone_name)
    return {"day": formatting.short_day_label(local.date()),
            "time": f"{formatting.time_label(placed.start, zone_name)} {local.tzname()}",
            "place": placed.location.name if placed.location is not None else _("by video"),
            "value": f"{placed.location.pk if placed.location is not None else 'video'}@{slot_value(placed.slot)}"}


def _next_step_context(request, answer: Eligibility, patient: Patient | None) -> dict:
    """Why the patient cannot book the service now and what to do instead: the evaluation (with
    its earliest time, ready to pick), or a call to the clinic."""
    context = {"answer": answer, "phone": clinic_phone(), "phone_uri": clinic_phone_uri(), "evaluation": None,
               "sign_in_url": f"{reverse('web:sign-in')}?{urlencode({'next': request.get_full_path()})}"}
    evaluation = answer.next_service if answer.next_step == BOOK_EVALUATION else None
    if evaluation is not None:
        soonest = next_step.earliest_for(service=evaluation, patient=patient,
                                         answer=eligibility_for(patient=patient, service=evaluation), limit=1)
        context.update({"evaluation": evaluation, "evaluation_name": wording.service_name(evaluation),
                        "evaluation_time": _placed_label(soonest[0], patient) if soonest else None})
    context["call"] = answer.next_step == CALL_CLINIC
    return context


def book_entry(request):
    """/book/?service=<code>[&staff=<id>]: links from elsewhere (a check-in's "book integration
    therapy" answer) land on the service's first step, keeping the clinician they suggest."""
    service = offers.online_service(request.GET.get("service", ""))
    if service is None:
        return redirect("web:home")
    url = reverse("web:place", args=[service.code])
    staff = _chosen_staff(service, request.GET.get("staff"))
    return redirect(f"{url}?{urlencode({'staff': staff.pk})}" if staff else url)


def _chosen_staff(service, raw: str | None) -> StaffMember | None:
    """A clinician the patient may pick for this service (it lets patients choose), else None."""
    if not raw or not str(raw).isdigit() or not service.patient_chooses_staff:
        return None
    member = StaffMember.objects.filter(pk=int(raw), active=True).first()
    roles = {p.staff_role for p in service.phases.all() if p.staff_role}
    return member if member is not None and roles & set(member.roles) else None


def _service_or_404(code: str):
    service = offers.online_service(code)
    if service is None:
        raise Http404(code)
    return service


def place(request, code: str):
    """Before any time: whether this patient may book the service, and where (care.eligibility)."""
    service = _service_or_404(code)
    staff = _chosen_staff(service, request.GET.get("staff"))
    patient = signed_in_patient(request)
    answer = eligibility_for(patient=patient, service=service)
    context = {"service": service, "name": wording.service_name(service),
               "expect": wording.what_to_expect(service, request.LANGUAGE_CODE[:2]),
               "patient": patient, "staff": staff, "answer": answer,
               "staff_query": f"?{urlencode({'staff': staff.pk})}" if staff else ""}
    if answer.can_book:
        places = [p for p in answer.places if p is not None]
        context.update({"places": places, "video": answer.video, "anywhere": len(answer.places) > 1,
                        "until": formatting.day_label(answer.bookable_until) if answer.bookable_until else "",
                        "from": formatting.day_label(answer.bookable_from) if answer.bookable_from else ""})
    else:
        context.update(_next_step_context(request, answer, patient))
    return render(request, "web/patient/place.html", context)


def _may_book_here(answer: Eligibility, location: Location | None) -> bool:
    return answer.can_book and any((p.pk if p else None) == (location.pk if location else None) for p in answer.places)


def times_anywhere(request, service, patient: Patient | None, answer: Eligibility):
    """The earliest times across every place the patient may use, each with its place."""
    slots = next_step.earliest_for(service=service, patient=patient, answer=answer, limit=offers.EARLIEST_COUNT * 2)
    request.session["booking"] = {"service": service.code, "where": ANYWHERE}
    return render(request, "web/patient/times_anywhere.html", {
        "service": service, "name": wording.service_name(service), "patient": patient,
        "slots": [_placed_label(placed, patient) for placed in slots]})


def _where(service, where: str) -> Location | None:
    valid, location = offers.place_for(service, where)
    if not valid:
        raise Http404(where)
    return location


def _video_choice(request, patient: Patient | None) -> tuple[ZoneForm, str, str, bool]:
    """(form, state, zone, Spanish only) for a video visit: from the form, else the signed-in
    patient's record. The state decides which clinicians may see the patient (licensure)."""
    data = request.GET if "state" in request.GET else None
    form = ZoneForm(data, initial={"state": patient.state if patient else "", "tz": "",
                                   "spanish": request.LANGUAGE_CODE == "es"})
    if data is not None and form.is_valid():
        state = form.cleaned_data["state"]
        zone_name = form.cleaned_data["tz"] or wording.STATE_ZONES.get(state, "America/Phoenix")
        return form, state, zone_name, form.cleaned_data["spanish"]
    if data is None and patient is not None and patient.state:
        return form, patient.state, patient.time_zone, False
    return form, "", "", False


def times(request, code: str, where: str):
    if (wait := seconds_to_wait(request, AvailabilityThrottle())) is not None:
        return too_many_requests_page(request, wait)
    service = _service_or_404(code)
    patient = signed_in_patient(request)
    answer = eligibility_for(patient=patient, service=service)
    if where == ANYWHERE:
        if not answer.can_book:
            return redirect("web:place", code=code)
        return times_anywhere(request, service, patient, answer)
    location = _where(service, where)
    if not _may_book_here(answer, location):
        return redirect("web:place", code=code)
    context = {"service": service, "name": wording.service_name(service), "location": location, "where": where,
               "patient": patient}
    state = ""
    spanish = False
    if location is None:
        form, state, zone_name, spanish = _video_choice(request, patient)
        context["zone_form"] = form
        if not state:
            return render(request, "web/patient/times.html", context)
    else:
        zone_name = location.time_zone
    staff = _chosen_staff(service, request.GET.get("staff"))
    day = parse_day(request.GET.get("day"))
    # For video, the state decides which clinicians may see the patient: a stand-in record says so.
    asker = patient
    if location is None and (patient is None or state != patient.state):
        asker = Patient(state=state, time_zone=zone_name)
    offer = offers.offer(service=service, location=location, zone_name=zone_name, day=day, patient=asker,
                         language="es" if spanish else None, staff=staff, allows_day=answer.allows_day)
    request.session["booking"] = {"service": service.code, "where": where, "tz": zone_name, "state": state,
                                  "spanish": spanish}
    context.update(offer_context(offer, pin_staff=spanish or staff is not None))
    if location is None:
        _mark_outside_texting_window(context, offer, asker)
    keep = [(name, request.GET[name]) for name in ("state", "tz", "spanish", "staff") if name in request.GET]
    context.update({"state": state, "spanish": spanish, "keep_fields": keep, "keep": urlencode(keep), "staff": staff})
    return render(request, "web/patient/times.html", context)


def _mark_outside_texting_window(context: dict, offer, patient) -> None:
    """Video times at which no text (not even the join link) could reach the patient get a note;
    they may still be booked."""
    policy = MessagingPolicy.current()
    for key, slots in (("earliest", offer.earliest), ("day_slots", offer.day_slots)):
        flags = video_times_outside(patient=patient, policy=policy, times=[(s.start, s.end) for s in slots])
        for button, flag in zip(context[key], flags, strict=True):
            button["outside_texts"] = flag
    context["outside_texts"] = any(b["outside_texts"] for key in ("earliest", "day_slots") for b in context[key])


@require_POST
def pick(request, code: str, where: str):
    """A time was chosen: a signed-in patient's hold is made now; a visitor gives details first."""
    if (wait := seconds_to_wait(request, BookingThrottle())) is not None:
        return too_many_requests_page(request, wait)
    service = _service_or_404(code)
    raw = request.POST.get("slot", "")
    if where == ANYWHERE:
        where, _at, raw = raw.partition("@")
        if not offers.place_for(service, where)[0]:
            return redirect("web:times", code=code, where=ANYWHERE)
        request.session["booking"] = _anywhere_choice(service, _where(service, where), where,
                                                      signed_in_patient(request))
    location = _where(service, where)
    parsed = offers.parse_slot_value(raw)
    booking = request.session.get("booking") or {}
    if parsed is None or booking.get("service") != service.code or booking.get("where") != where:
        return redirect("web:times", code=code, where=where)
    start, staff_id = parsed
    booking.update({"start": start.isoformat(), "staff": staff_id})
    request.session["booking"] = booking
    patient = signed_in_patient(request)
    if patient is None:
        if registration.needs_sign_in_for(service):
            return redirect(f"{reverse('web:sign-in')}?next={reverse('web:book-continue')}")
        return redirect("web:details")
    return _hold_for_signed_in(request, patient, service, location)


def _anywhere_choice(service, location: Location | None, where: str, patient: Patient | None) -> dict:
    """What the times page would have remembered, for a time picked from a list across places."""
    zone_name = _placed_zone(location, patient)
    return {"service": service.code, "where": where, "tz": zone_name,
            "state": patient.state if patient is not None and location is None else "", "spanish": False}


def _chosen(request) -> tuple[dict, Service | None]:
    """What this visitor chose (see the module docstring), and its service; no service until a time is picked."""
    booking = request.session.get("booking") or {}
    service = offers.online_service(booking.get("service", "")) if "start" in booking else None
    return booking, service


@patient_page
def continue_booking(request):
    """Back from signing in with a time already chosen."""
    booking, service = _chosen(request)
    if service is None:
        return redirect("web:home")
    return _hold_for_signed_in(request, request.patient, service, _where(service, booking["where"]))


def _hold_for_signed_in(request, patient: Patient, service, location):
    _release_session_hold(request)
    try:
        hold = _hold_chosen_time(request, patient=patient, service=service, location=location, actor=request.user)
    except DomainError as exc:
        return _lost(request, exc)
    request.session["hold"] = hold.pk
    return redirect("web:review")


def _hold_chosen_time(request, *, patient: Patient, service, location, actor) -> Appointment:
    booking = request.session["booking"]
    staff = StaffMember.objects.filter(pk=booking["staff"], active=True).first() if booking.get("staff") else None
    return hold_slot(patient=patient, service=service, location=location,
                     start=dt.datetime.fromisoformat(booking["start"]), staff=staff, actor=actor)


def _release_session_hold(request) -> None:
    """Give back a time this visitor held earlier in the session (they picked another one)."""
    ids = [request.session.pop("hold", None), (request.session.get("registration") or {}).get("hold")]
    for hold in Appointment.objects.filter(pk__in=[pk for pk in ids if pk]).select_related("patient__user"):
        registration.release_hold(hold=hold, actor=hold.patient.user)


def _lost(request, exc: DomainError):
    """A clinical rule's refusal is not a lost race: it gets its own page, words and no times."""
    if exc.code == "gate_failed":
        request.session["refused"] = {"gate": exc.extra.get("gate", ""), "detail": exc.detail}
        return redirect("web:refused")
    request.session["lost"] = exc.detail
    request.session["lost_code"] = exc.code
    return redirect("web:lost")


def refused(request):
    """A clinical rule refused the visit (care.gates): why, in plain words, and what to do next.
    No times are offered: the same rule would refuse them too."""
    booking, service = _chosen(request)
    state = request.session.get("refused")
    if service is None or not state:
        return redirect("web:home")
    patient = signed_in_patient(request)
    answer = eligibility_for(patient=patient, service=service)
    context = {"service": service, "name": wording.service_name(service), "patient": patient,
               "rule": "" if not answer.can_book else wording.gate_words(state.get("gate", ""))}
    context.update(_next_step_context(request, answer, patient))
    return render(request, "web/patient/refused.html", context)


def lost(request):
    """The chosen time could not be had: say why, and offer the next times."""
    booking, service = _chosen(request)
    if service is None or booking.get("where") == ANYWHERE:
        return redirect("web:home")
    location = _where(service, booking["where"])
    patient = signed_in_patient(request)
    zone_name = booking["tz"]
    asker = patient or (Patient(state=booking.get("state", ""), time_zone=zone_name) if location is None else None)
    slots = offers.alternatives(service=service, location=location, near=dt.datetime.fromisoformat(booking["start"]),
                                zone_name=zone_name, patient=asker)
    return render(request, "web/patient/lost.html", {
        "reason": request.session.get("lost", ""), "busy": request.session.get("lost_code") == "patient_busy",
        "service": service, "name": wording.service_name(service),
        "where": booking["where"], "zone_label": formatting.zone_label_for(zone_name, [s.start for s in slots]),
        "slots": time_buttons(slots, zone_name)})


def _summary(booking: dict, service, location) -> dict:
    start = dt.datetime.fromisoformat(booking["start"])
    return {"service": service, "name": wording.service_name(service), "location": location,
            "when": formatting.when_label(start, booking["tz"])}


@require_http_methods(["GET", "POST"])
def details(request):
    booking, service = _chosen(request)
    if service is None:
        return redirect("web:home")
    if signed_in_patient(request) is not None:
        return redirect("web:book-continue")
    location = _where(service, booking["where"])
    policy = MessagingPolicy.current()
    form = DetailsForm(request.POST or None, daily_cap=policy.consented_daily_cap,
                       initial={"state": booking.get("state", ""), "language": request.LANGUAGE_CODE[:2]})
    error = ""
    if request.method == "POST" and form.is_valid() and not (error := address_limit_error(request)):
        zone_name = booking["tz"] if location is None else location.time_zone
        if location is None and not booking.get("state"):
            # A video time picked from a list across places: the state typed here gives the clock.
            zone_name = wording.STATE_ZONES.get(form.cleaned_data["state"], zone_name)
        return _register(request, form.details(time_zone=zone_name), service, location)
    context = {"form": form, "error": error, **_summary(booking, service, location),
               "hold_minutes": settings.HOLD_MINUTES}
    return render(request, "web/patient/details.html", context)


def _register(request, details: registration.PatientDetails, service, location):
    previous = request.session.get("registration") or {}
    _release_session_hold(request)
    try:
        draft = registration.save_draft(details=details, draft_id=previous.get("draft"))
        hold = _hold_chosen_time(request, patient=draft, service=service, location=location, actor=draft.user)
    except DomainError as exc:
        return _lost(request, exc)
    request.session["registration"] = {"draft": draft.pk, "hold": hold.pk, "details": details.as_session()}
    return _send_code(request, details.phone)


def _send_code(request, phone: str):
    try:
        sign_in.sign_in_code_request(destination=Destination(OneTimeCode.Channel.SMS, phone))
    except sign_in.TooManyCodes as exc:
        request.session["code_error"] = too_many_codes_text(exc)
    return redirect("web:verify")


@require_http_methods(["GET", "POST"])
def verify(request):
    state = request.session.get("registration") or {}
    if not state:
        return redirect("web:home")
    details = registration.PatientDetails.from_session(state["details"])
    hold = Appointment.objects.select_related("service", "location", "patient__user").filter(pk=state["hold"]).first()
    draft = Patient.objects.select_related("user").filter(pk=state["draft"]).first()
    if hold is None or draft is None:
        return redirect("web:home")
    form = CodeForm(request.POST or None)
    error = request.session.pop("code_error", "")
    if request.method == "POST" and form.is_valid() and not (error := address_limit_error(request, verifying=True)):
        outcome = _finish(request, form.cleaned_data["code"], details=details, hold=hold, draft=draft)
        if not isinstance(outcome, str):
            return outcome
        error = outcome
    zone_name = hold.location.time_zone if hold.location_id else details.time_zone
    return render(request, "web/patient/verify.html", {
        "form": form, "error": error, "phone_end": details.phone[-4:], "minutes": settings.OTP_TTL_SECONDS // 60,
        "when": formatting.when_label(hold.start, zone_name), "name": wording.service_name(hold.service),
        "location": hold.location, "held_until": formatting.time_label(hold.hold_expires_at, zone_name)
        if hold.hold_expires_at else ""})


def _finish(request, code: str, *, details, hold, draft):
    """Check the code; on success book and sign in. Returns the words for the page on failure."""
    record, unclaimed = registration.record_for_code(phone=details.phone)
    try:
        user = sign_in.sign_in_code_verify(destination=Destination(OneTimeCode.Channel.SMS, details.phone), code=code)
    except (sign_in.InvalidCode, sign_in.CodeLocked) as exc:
        return _("That code is not valid or has expired. Check it, or ask for a new code.") \
            if isinstance(exc, sign_in.InvalidCode) else \
            _("Too many wrong codes were tried. Ask for a new code and try again.")
    verified = Patient.objects.select_related("user").get(user=user)
    try:
        appointment = registration.finish_online_booking(
            draft=draft, hold=hold, verified=verified, verified_was_unclaimed=unclaimed and record == verified,
            details=details)
    except registration.PhoneOnFile:
        request.session.pop("registration", None)
        return render(request, "web/patient/problem.html", {"phone": clinic_phone(), "message": _(
            "This mobile number is on file for another patient, so we could not book online. "
            "Please call the clinic and we will book you.")})
    except DomainError as exc:
        request.session.pop("registration", None)
        return _lost(request, exc)
    login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    request.session.pop("registration", None)
    return redirect("web:booked", appointment_id=appointment.pk)


@require_POST
def resend(request):
    state = request.session.get("registration") or {}
    if not state:
        return redirect("web:home")
    if error := address_limit_error(request):
        request.session["code_error"] = error
        return redirect("web:verify")
    return _send_code(request, state["details"]["phone"])


@require_POST
def start_over(request):
    _release_session_hold(request)
    for key in ("booking", "registration", "lost", "lost_code", "refused"):
        request.session.pop(key, None)
    return redirect("web:home")


@patient_page
@require_http_methods(["GET", "POST"])
def review(request):
    """A signed-in patient confirms the time they hold, having read the preparation and the
    cancellation policy (and a warning when the time is already inside its window)."""
    hold = Appointment.objects.select_related("service", "location").filter(
        pk=request.session.get("hold"), patient=request.patient).first()
    if hold is None:
        return redirect("web:home")
    patient = request.patient
    in_person = hold.location_id is not None
    escort_form = EscortForm(request.POST if request.method == "POST" else None) if wording.needs_escort(hold.service, in_person=in_person) else None
    if request.method == "POST" and (escort_form is None or escort_form.is_valid()):
        escort = (escort_form.cleaned_data["name"].strip(), escort_form.cleaned_data["phone"]) \
            if escort_form is not None and escort_form.given() else None
        try:
            appointment = registration.confirm_hold(hold=hold, patient=patient, escort=escort,
                                                    sms_consent=bool(request.POST.get("sms_consent")))
        except DomainError as exc:
            request.session.pop("hold", None)
            return _lost(request, exc)
        request.session.pop("hold", None)
        return redirect("web:booked", appointment_id=appointment.pk)
    zone_name = hold.location.time_zone if in_person else patient.time_zone
    deadline = cancellation_deadline(hold)
    return render(request, "web/patient/review.html", {
        "hold": hold, "patient": patient, "name": wording.service_name(hold.service), "location": hold.location,
        "when": formatting.when_label(hold.start, zone_name),
        "held_until": formatting.time_label(hold.hold_expires_at, zone_name),
        "consent_label": sms_consent_label(MessagingPolicy.current().consented_daily_cap),
        "ask_consent": not patient.sms_consent and bool(patient.phone),
        "prep": wording.prep_instructions(hold.service, request.LANGUAGE_CODE[:2]), "video": not in_person,
        "escort": escort_form is not None, "escort_form": escort_form,
        "join_opens_minutes": settings.TELEHEALTH_JOIN_OPENS_MINUTES,
        "state_name": wording.STATE_NAMES.get(patient.state, patient.state),
        "window_hours": hold.service.cancellation_window_hours, "change_until": formatting.when_label(deadline, zone_name),
        "too_late": timezone.now() >= deadline, "phone": clinic_phone()})
