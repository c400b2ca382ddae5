"""Turning an outbox row into words: templates in English and Spanish, and the rules an SMS body
must keep (one segment, no clinical words).

Texts are read on lock screens and shared phones, so an SMS names the clinic neutrally and says
when, not what: never the drug, the diagnosis or the kind of visit. Email may carry the
service's prep instructions, which the patient needs before a dosing visit.
"""

from __future__ import annotations

import functools
import re
import secrets
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.template import Context, Engine
from django.urls import reverse
from django.utils import dateformat, translation
from phonenumber_field.phonenumber import PhoneNumber

from notifications.segments import count_segments, to_gsm7
from scheduling import timeutils
from telehealth import passes

# autoescape off: these are plain-text bodies, "&" must stay "&".
_ENGINE = Engine(dirs=[str(Path(__file__).resolve().parent / "templates")], autoescape=False)

# Stems checked against accent-folded, lower-case text at word starts; short words match whole.
DENY_STEMS = (
    "ketamin", "esketamin", "spravato", "infusion", "psychotherap", "psicoterap", "therap", "terap",
    "depress", "depresi", "psychiatr", "psiquiatr", "dosing", "medicat", "medicament", "anxiety", "ansiedad",
    "ptsd", "suicid", "mental", "drug", "droga", "evaluation", "evaluacion", "integration", "integracion",
    "esketamina", "antidepress", "antidepresi",
)
DENY_WORDS = ("iv", "kap", "rems", "dose", "doses", "dosis", "trauma")
_DENY_RE = re.compile(r"\b(?:(?:" + "|".join(DENY_STEMS) + r")\w*|(?:" + "|".join(DENY_WORDS) + r")\b)")

_WHEN_FORMATS = {"en": "D M j, g:i A", "es": r"D j \d\e F, H:i"}
_TIME_FORMATS = {"en": "g:i A", "es": "H:i"}


class MessageTooLong(Exception):
    """An SMS would need more than one segment even in its short form."""


@dataclass(frozen=True)
class Rendered:
    subject: str
    body: str


def _fold(text: str) -> str:
    return "".join(ch for ch in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(ch))


def deny_listed_words(text: str) -> list[str]:
    """The clinical words in `text` an SMS must not carry (empty when the text is clean)."""
    return sorted({match.group(0) for match in _DENY_RE.finditer(_fold(text))})


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def render_sms(*, template: str, language: str, context: dict) -> str:
    """One-segment text: the full wording if it fits, else the template's short form."""
    for full in (True, False):
        text = render_sms_form(template=template, language=language, context=context, full=full)
        if count_segments(text).segments <= 1:
            return text
    counted = count_segments(text)
    raise MessageTooLong(f"The {template} text in {language} needs {counted.segments} segments "
                         f"({counted.units} {counted.encoding} units) even in its short form.")


def render_sms_form(*, template: str, language: str, context: dict, full: bool) -> str:
    """The template's full or short form, whatever its length."""
    return to_gsm7(_squash(_render(f"notifications/sms/{language}/{template}.txt", {**context, "full": full})))


def render_email(*, template: str, language: str, context: dict) -> Rendered:
    subject = _squash(_render(f"notifications/email/{language}/{template}.subject.txt", context))
    body = _render(f"notifications/email/{language}/{template}.txt", context).strip() + "\n"
    return Rendered(subject=subject, body=re.sub(r"\n{3,}", "\n\n", body))


def _render(name: str, context: dict) -> str:
    return _ENGINE.get_template(name).render(Context(context))


# --- Context ---------------------------------------------------------------------------------

def display_zone(appointment) -> str:
    """Where the patient reads the time: the site's zone in person, their own for video."""
    if appointment.location_id:
        return appointment.location.time_zone
    return appointment.patient.time_zone


def format_when(instant, *, time_zone: str, language: str, with_zone: bool = False) -> str:
    local = timeutils.to_local(instant, timeutils.zone(time_zone))
    with translation.override(language):
        text = dateformat.format(local, _WHEN_FORMATS[language])
        return f"{text} {local.tzname()}" if with_zone else text


def format_time(instant, *, time_zone: str, language: str, with_zone: bool = False) -> str:
    local = timeutils.to_local(instant, timeutils.zone(time_zone))
    text = dateformat.format(local, _TIME_FORMATS[language])
    return f"{text} {local.tzname()}" if with_zone else text


@functools.lru_cache(maxsize=16)
def national_number(e164: str) -> str:
    """'(602) 555-0100' for '+16025550100'."""
    return PhoneNumber.from_string(e164).as_national


# Random bytes in a manage link's token (16 URL-safe characters).
MANAGE_TOKEN_BYTES = 12


def appointment_token(appointment) -> str:
    from notifications.models import AppointmentLink

    link, _ = AppointmentLink.objects.get_or_create(appointment=appointment,
                                                    defaults={"token": secrets.token_urlsafe(MANAGE_TOKEN_BYTES)})
    return link.token


# The links a message carries use the short paths (/j/<token>, /m/<token>, and check-ins'
# /c/<token>), which redirect to the pages, so that every text fits one segment.
def join_link_url(token: str) -> str:
    return public_url(reverse("telehealth:join-short", kwargs={"token": token}))


def manage_link_url(token: str) -> str:
    return public_url(reverse("web:manage-short", kwargs={"token": token}))


class _Lazy:
    """Computes once, on first call."""

    def __init__(self, compute):
        self._compute, self._value = compute, None

    def __call__(self):
        if self._value is None:
            self._value = self._compute()
        return self._value


def public_url(path: str) -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/") + path


# Templates whose links belong to another app (a check-in's form, an alert's review page): the
# app registers, when it loads, a function giving the extra context for one outbox row.
_MESSAGE_CONTEXT: dict[str, Callable] = {}


def register_message_context(template: str, provider: Callable) -> None:
    _MESSAGE_CONTEXT[template] = provider


def message_context(message) -> dict:
    provider = _MESSAGE_CONTEXT.get(message.template)
    return provider(message) if provider is not None else {}


def build_context(*, patient, appointment, policy, language: str, step_prep: bool = False) -> dict:
    """Everything a template may use. SMS templates use only the neutral parts."""
    context = {
        "brand": policy.brand_name,
        "phone": national_number(str(policy.phone)) if policy.phone else "",
        "first_name": patient.preferred_name or patient.legal_first_name,
    }
    if appointment is None:
        return context
    zone_name = display_zone(appointment)
    video = appointment.location_id is None
    token = _Lazy(lambda: appointment_token(appointment))
    service = appointment.service
    prep = (service.prep_instructions_es or service.prep_instructions) if language == "es" else service.prep_instructions
    context.update({
        "when": format_when(appointment.start, time_zone=zone_name, language=language, with_zone=video),
        "time": format_time(appointment.start, time_zone=zone_name, language=language, with_zone=video),
        "video": video,
        "location_name": appointment.location.name if appointment.location_id else "",
        "place": "",  # "at San Diego" when a text must name it (sending decides: notifications.places)
        "location_address": appointment.location.address if appointment.location_id else "",
        "service_name": service.name,
        # Django templates call callables: the token row is made only for texts that carry a link.
        "join_url": lambda: join_link_url(passes.token_for(passes.issue_pass(appointment=appointment))),
        "manage_url": lambda: manage_link_url(token()),
        "prep": prep if step_prep else "",
        "escort": step_prep and service.is_dosing and not video,
    })
    return context
