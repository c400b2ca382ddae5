"""The patient's pages: the check-in form at /c/<token> and the crisis page.

The link is the patient's key; before the check-in is due it only says when it opens. Every
refused link (malformed, unknown, expired, or opened by a signed-in patient whose record it is
not) gets the same 404 page that names nobody. A risk answer gets the crisis page in the
response to the very request that submitted it, after the alert and the page to the on-call
clinician have committed. Nothing here needs JavaScript.
"""

from __future__ import annotations

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from accounts.models import Role
from checkins import links, questionnaires as q, selectors, services, wording
from checkins.forms import CheckInForm, FIRST
from checkins.models import RiskAlert
from core.errors import DomainError
from notifications.models import MessagingPolicy
from notifications.rendering import display_zone, format_when


def _private(response: HttpResponse) -> HttpResponse:
    # same-origin, not no-referrer: the token never leaves in a Referer (the 988 chat link), and
    # the browser still sends the Origin that the form's CSRF check needs (no-referrer makes it null).
    response["Referrer-Policy"] = "same-origin"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _base_context(request, language: str, *, location=None) -> dict:
    phone = selectors.clinic_phone(location)
    other = "es" if language == "en" else "en"
    return {"lang": language, "t": wording.texts(language), "phone": phone,
            "brand": MessagingPolicy.current().brand_name,
            "switch_url": f"?lang={other}", "switch_lang": other,
            "questions_call": wording.say("questions_call", language, phone=phone["text"])}


def _page_language(request) -> str:
    """The language of a page that knows no patient (the crisis page, a refused link): the page's own
    switch (?lang=), else what the patient pages use (web/middleware.py: the site's language switch,
    a signed-in patient's stored preference, the browser's Accept-Language)."""
    return wording.pick_language(request.GET.get("lang"), (translation.get_language() or "en")[:2])


def _refused(request) -> HttpResponse:
    language = _page_language(request)
    context = _base_context(request, language)
    context["refused_text"] = wording.say("refused", language, phone=context["phone"]["text"])
    return _private(render(request, "checkins/refused.html", context, status=404))


def _crisis(request, language: str, *, location=None, alerted: bool) -> HttpResponse:
    context = _base_context(request, language, location=location)
    context["alerted"] = alerted
    context["team_alerted"] = wording.say("team_alerted", language, phone=context["phone"]["text"])
    context["clinic_line"] = wording.say("clinic_line", language, phone=context["phone"]["text"])
    return _private(render(request, "checkins/crisis.html", context))


def _not_theirs(request, checkin) -> bool:
    user = request.user
    return bool(user.is_authenticated and user.role == Role.PATIENT and checkin.patient.user_id != user.pk)


def _not_open(request, checkin, language: str) -> HttpResponse:
    """A good link opened before its check-in is due: when it opens, and nothing else."""
    context = _base_context(request, language, location=checkin.location)
    when = format_when(checkin.due_at, time_zone=display_zone(checkin.appointment), language=language,
                       with_zone=True)
    context["not_open_text"] = wording.say("not_open", language, when=when)
    return _private(render(request, "checkins/not_open.html", context))


def _thanks(request, checkin, language: str, *, just_now: bool) -> HttpResponse:
    alert = RiskAlert.objects.filter(checkin=checkin).first()
    if alert is not None:
        # Coming back to a check-in that signalled risk shows the crisis resources again.
        return _crisis(request, language, location=checkin.location, alerted=True)
    context = _base_context(request, language, location=checkin.location)
    context["just_now"] = just_now
    answers = getattr(checkin, "answers", None)
    offer = selectors.integration_offer(checkin) if answers is not None and answers.wants_integration else None
    context["booking_url"] = offer.booking_url if offer is not None and offer.booked is None else ""
    return _private(render(request, "checkins/thanks.html", context))


@never_cache
@require_http_methods(["GET", "POST"])
def answer(request, token: str):
    checkin = links.resolve(token)
    if checkin is None or _not_theirs(request, checkin):
        return _refused(request)
    language = wording.pick_language(request.POST.get("lang") or request.GET.get("lang"), checkin.language)
    try:
        services.ensure_open(checkin)
    except DomainError:
        return _not_open(request, checkin, language)
    page = services.page_for(checkin)
    if page is None:
        return _thanks(request, checkin, language, just_now=False)
    offer = selectors.integration_offer(checkin) if page == FIRST else None
    form_kwargs = {"checkin": checkin, "page": page, "language": language,
                   "offer_integration": offer is not None and offer.booked is None}
    if request.method == "POST":
        form = CheckInForm(request.POST, **form_kwargs)
        if form.is_valid():
            outcome = services.submit(checkin_id=checkin.pk, page=page, answers=services.PageAnswers(**form.answers()))
            if outcome.state == "closed":
                return _refused(request)
            if outcome.state == "crisis":
                return _crisis(request, language, location=checkin.location, alerted=True)
            if outcome.state in ("answered", "already_answered"):
                checkin.refresh_from_db()
                return _thanks(request, checkin, language, just_now=outcome.state == "answered")
            # continue (the rest of the PHQ-9) or a page that changed meanwhile: show the next page
            return redirect(f"{request.path}?lang={language}")
    else:
        form = CheckInForm(**form_kwargs)
    appointment = checkin.appointment
    when = format_when(appointment.start, time_zone=display_zone(appointment), language=language)
    context = _base_context(request, language, location=checkin.location)
    context.update({
        "form": form, "page": page, "first": page == FIRST,
        "intro": wording.say("intro", language, when=when),
        "booked_text": (wording.say("integration_booked", language, when=format_when(
            offer.booked.start, time_zone=display_zone(offer.booked), language=language))
            if offer is not None and offer.booked is not None else ""),
        "phq_stem": q.PHQ9_STEM[language], "gad_stem": q.GAD7_STEM[language],
    })
    status = 400 if form.is_bound and form.errors else 200
    return _private(render(request, "checkins/form.html", context, status=status))


@require_GET
def crisis(request):
    """The crisis resources on their own, for any page to link to."""
    language = _page_language(request)
    return _crisis(request, language, alerted=False)
