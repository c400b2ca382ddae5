"""The visit page, /visit/<token>, for the patient and the clinician of one video visit.

Every refused token (malformed, tampered, unknown, expired, another clinician's) gets the same
404 page or JSON, so a response says nothing about which it was. The page records presence only
from its poll (or `?here=1` on the no-JavaScript refresh), so an SMS app fetching a link preview
never puts a patient in the waiting room. Entering the room is a POST that answers with a
redirect to the backend URL, minted at that moment with the person's own room token.
"""

from __future__ import annotations

from django import forms
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.csp import allows_posting_to_the_video_room
from notifications.models import MessagingPolicy
from scheduling import timeutils

from . import services, wording
from .models import JoinPass, Participant
from .passes import resolve
from .selectors import dial_in_for, identity_confirmed_at, visit_view, VisitView

POLL_SECONDS = 10


def _private(response: HttpResponse) -> HttpResponse:
    # same-origin, not no-referrer: the link's token never leaves in a Referer (the Jitsi room is
    # another origin), and the browser still sends the Origin that the forms' CSRF check needs.
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _refused(request, *, as_json: bool = False) -> HttpResponse:
    """The one refusal. It knows no patient, so it speaks the language the patient pages would
    (web/middleware.py: the language switch, a signed-in patient's preference, the browser's)."""
    if as_json:
        return _private(JsonResponse({"state": "invalid"}, status=404))
    lang = (translation.get_language() or "en")[:2]
    lang = lang if lang in ("en", "es") else "en"
    page = render_to_string("telehealth/refused.html", {
        "lang": lang, "title": wording.say("invalid_title", lang), "text": wording.say("invalid", lang)}, request=request)
    return _private(HttpResponse(page, status=404))


def _pass_for(request, token: str, *, now) -> JoinPass | None:
    """The pass, unless a patient signed in here opens someone else's link (as with check-in
    links): a forwarded or shoulder-surfed link does not open another patient's visit."""
    join_pass = resolve(token, now=now)
    user = request.user
    if join_pass is not None and user.is_authenticated and user.is_patient and (
            join_pass.participant != Participant.PATIENT or join_pass.appointment.patient.user_id != user.pk):
        return None
    return join_pass


class IdentityForm(forms.Form):
    first_name = forms.CharField(max_length=80)
    last_name = forms.CharField(max_length=80)
    date_of_birth = forms.DateField()


def _version(view: VisitView) -> str:
    """Changes whenever the page would look different: the poll reloads the page on a change."""
    presence = view.patient_presence
    return f"{view.state}:{presence.state}:{presence.since}" if presence else view.state


def _context(view: VisitView, *, token: str, error: str = "", typed: dict | None = None) -> dict:
    join_pass = view.join_pass
    appointment = join_pass.appointment
    patient = appointment.patient
    if view.is_patient:
        lang, zone_name = patient.language, patient.time_zone
    else:
        lang, zone_name = "en", join_pass.staff.time_zone
    dial_in = dial_in_for(appointment) if view.is_patient and view.state in ("waiting", "ready") else None

    def clock(instant):
        return wording.clock(instant, zone_name=zone_name, language=lang) if instant else ""

    presence = view.patient_presence
    return {
        "lang": lang, "view": view, "state": view.state, "version": _version(view), "error": error,
        "typed": typed or {},
        "t": {key: wording.say(key, lang) for key in wording.TEXT if "{" not in wording.TEXT[key]["en"]},
        "when_text": wording.say("when" if view.is_patient else "clinician_when", lang, when=wording.when(appointment.start, zone_name=zone_name,
                                                                 language=lang)),
        "before_text": wording.say("before", lang, opens=clock(view.window.opens_at)),
        "after_text": wording.say("after", lang, end=clock(appointment.end)),
        "dial_in": dial_in,
        "dial_in_text": wording.say("dial_in", lang, number=dial_in.number.as_national) if dial_in else "",
        "dial_in_code": wording.say("dial_in_code", lang, code=dial_in.access_code) if dial_in and
        dial_in.access_code else "",
        "video_only": view.is_patient and view.state in ("waiting", "ready") and dial_in is None,
        "patient": patient,
        "clinic": MessagingPolicy.current(),
        "presence": presence,
        "presence_since": clock(presence.since) if presence else "",
        "identity_confirmed_at": None if view.is_patient else identity_confirmed_at(patient),
        "interpreter": getattr(appointment, "interpreter_need", None) if not view.is_patient else None,
        "zone_label": timeutils.to_local(appointment.start, timeutils.zone(zone_name)).tzname(),
        "status_url": reverse("telehealth:status", kwargs={"token": token}),
        "join_action": reverse("telehealth:join", kwargs={"token": token}),
        "poll_seconds": POLL_SECONDS,
    }


@never_cache
@allows_posting_to_the_video_room
@require_http_methods(["GET", "POST"])
def visit_page(request, token: str):
    now = timezone.now()
    join_pass = _pass_for(request, token, now=now)
    if join_pass is None:
        return _refused(request)
    error, typed = "", {}
    if request.method == "POST":
        view = visit_view(join_pass, now=now)
        if view.state != "identity":
            return _private(HttpResponseRedirect(request.path, status=303))
        form = IdentityForm(request.POST)
        outcome = "mismatch"
        if form.is_valid():
            outcome = services.confirm_identity(join_pass=join_pass, now=now, **form.cleaned_data)
        if outcome == "confirmed":
            services.note_presence(join_pass=join_pass, now=now)
            return _private(HttpResponseRedirect(request.path, status=303))
        error = "identity_mismatch" if outcome == "mismatch" else ""
        # A failed check keeps what was typed, so one wrong letter is one fix, not three fields again.
        typed = {name: request.POST.get(name, "")[:80] for name in IdentityForm.base_fields}
    view = visit_view(join_pass, now=now)
    if request.GET.get("here") and view.state in ("waiting", "ready", "open"):
        services.note_presence(join_pass=join_pass, now=now)
    return _private(render(request, "telehealth/visit.html", _context(view, token=token, error=error, typed=typed)))


@never_cache
@require_GET
def visit_status(request, token: str):
    """The page's poll: records that the person is still here and says whether to reload."""
    now = timezone.now()
    join_pass = _pass_for(request, token, now=now)
    if join_pass is None:
        return _refused(request, as_json=True)
    view = visit_view(join_pass, now=now)
    if view.state in ("waiting", "ready", "open"):
        services.note_presence(join_pass=join_pass, now=now)
    return _private(JsonResponse({"state": view.state, "version": _version(view), "poll_seconds": POLL_SECONDS}))


@never_cache
@require_POST
def enter_room(request, token: str):
    now = timezone.now()
    join_pass = _pass_for(request, token, now=now)
    if join_pass is None:
        return _refused(request)
    page = reverse("telehealth:visit", kwargs={"token": token})
    try:
        url = services.enter_room(join_pass=join_pass, now=now)
    except services.NotAdmitted:
        return _private(HttpResponseRedirect(page, status=303))
    return _private(HttpResponseRedirect(url, status=303))
