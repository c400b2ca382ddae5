"""Patient-facing words that are not in a template: what to expect from each kind of service,
the names of US states, and the zone a state mostly keeps.

A service's own `description` (set by the clinic, and `description_es` for Spanish) is shown when
there is one; the texts here are the plain-language defaults per category, in English and Spanish. Service names are the
clinic's data; the demo clinic's names are listed here so they have a Spanish translation.
"""

from __future__ import annotations

from django.utils.translation import gettext, gettext_lazy as _, gettext_noop

from scheduling.models import Service

WHAT_TO_EXPECT = {
    Service.Category.EVALUATION: _(
        "A conversation of about an hour with a prescriber about your health, your history and whether "
        "this treatment is right for you."),
    Service.Category.IV_KETAMINE: _(
        "You rest in a recliner while a nurse places a small IV line. The medicine runs for about 40 minutes, "
        "then you stay until you feel ready to go home."),
    Service.Category.ESKETAMINE: _(
        "You use a nasal spray with a nurse beside you, then rest in a chair for at least two hours while "
        "we keep an eye on you."),
    Service.Category.KAP: _(
        "A guided session of about two and a half hours with your therapist in a quiet private room."),
    Service.Category.PREPARATION: _(
        "A session with your therapist to get ready for treatment: what will happen, and what you hope for."),
    Service.Category.INTEGRATION: _(
        "A session with your therapist after a treatment, to make sense of the experience and bring it into "
        "daily life."),
    Service.Category.MEDICATION_MANAGEMENT: _(
        "A short follow-up with your prescriber about how your treatment is going."),
}

# The demo clinic's service names (scheduling/demo/catalog.py), marked for translation.
SERVICE_NAMES = [
    gettext_noop("Initial evaluation"), gettext_noop("IV infusion session"),
    gettext_noop("Nasal-spray treatment session"), gettext_noop("Guided medicine session"),
    gettext_noop("Preparation session"), gettext_noop("Integration session"), gettext_noop("Booster infusion"),
    gettext_noop("Medication follow-up"),
]

STATE_NAMES = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California", "CO": "Colorado",
    "CT": "Connecticut", "DE": "Delaware", "DC": "District of Columbia", "FL": "Florida", "GA": "Georgia",
    "HI": "Hawaii", "ID": "Idaho", "IL": "Illinois", "IN": "Indiana", "IA": "Iowa", "KS": "Kansas",
    "KY": "Kentucky", "LA": "Louisiana", "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts",
    "MI": "Michigan", "MN": "Minnesota", "MS": "Mississippi", "MO": "Missouri", "MT": "Montana",
    "NE": "Nebraska", "NV": "Nevada", "NH": "New Hampshire", "NJ": "New Jersey", "NM": "New Mexico",
    "NY": "New York", "NC": "North Carolina", "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma",
    "OR": "Oregon", "PA": "Pennsylvania", "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota",
    "TN": "Tennessee", "TX": "Texas", "UT": "Utah", "VT": "Vermont", "VA": "Virginia", "WA": "Washington",
    "WV": "West Virginia", "WI": "Wisconsin", "WY": "Wyoming", "PR": "Puerto Rico",
}

# The zone most of a state keeps: the default for showing video times (the patient may change it).
_ZONE_STATES = {
    "America/New_York": "CT DC DE FL GA IN KY MA MD ME MI NC NH NJ NY OH PA RI SC VA VT WV",
    "America/Chicago": "AL AR IA IL KS LA MN MO MS ND NE OK SD TN TX WI",
    "America/Denver": "CO ID MT NM UT WY", "America/Los_Angeles": "CA NV OR WA", "America/Phoenix": "AZ",
    "America/Anchorage": "AK", "Pacific/Honolulu": "HI", "America/Puerto_Rico": "PR",
}
STATE_ZONES = {state: zone for zone, states in _ZONE_STATES.items() for state in states.split()}


def service_name(service: Service) -> str:
    return gettext(service.name)


def what_to_expect(service: Service, language: str) -> str:
    """The clinic's own description when it wrote one that says more than the name, else ours.
    In Spanish, the clinic's Spanish description when it wrote one; else a description in the
    Spanish catalogue (the demo clinic's are) is shown translated."""
    if language == "es" and service.description_es.strip():
        return service.description_es.strip()
    own = (service.description or "").strip()
    if own and not own.startswith(f"{service.name}:"):
        return gettext(own)
    return str(WHAT_TO_EXPECT.get(service.category, own))


def prep_instructions(service: Service, language: str) -> str:
    if language == "es" and service.prep_instructions_es:
        return service.prep_instructions_es
    return service.prep_instructions


def needs_escort(service: Service, *, in_person: bool) -> bool:
    """An in-person dosing visit: the patient may not drive home (care.gates.escort)."""
    return service.is_dosing and in_person


def prep_line(service: Service, language: str) -> str:
    """The preparation in one line for the services list: the first sentence of the clinic's
    instructions (the fasting rule for dosing visits) and, for dosing in person, the driver."""
    text = prep_instructions(service, language).strip()
    first = text.split(". ")[0].rstrip(".") + "." if text else ""
    if needs_escort(service, in_person=service.allows_in_person):
        first = f"{first} {gettext('An adult must take you home.')}".strip()
    return first or gettext("Nothing to prepare.")


# Why a booking was refused by a clinical rule at a given time or place, in plain words (the
# gate's own detail is written for staff). The gate names are care.gates'.
GATE_WORDS = {
    "clearance": _("Your clinician's clearance for this treatment does not cover that day."),
    "rems_site": _("This treatment is given only at clinics certified for it, never by video."),
    "rems_enrolment": _("Your enrolment in this treatment's safety programme does not start until later."),
    "video_licensure": _("A video visit needs your state on file and a clinician licensed there."),
    "controlled_substance_telemedicine": _("This visit by video needs an in-person evaluation first."),
}


def gate_words(gate: str) -> str:
    return str(GATE_WORDS.get(gate, _("A clinical rule does not allow this visit to be booked online.")))


def state_choices() -> list[tuple[str, str]]:
    return [(code, f"{name} ({code})") for code, name in sorted(STATE_NAMES.items(), key=lambda item: item[1])]
