"""Where a text says the visit is: the site's short name ("at San Diego"), or "by video".

A text names the place when the clinic has more than one site, and always when a move changed
it. The name is the site's `short_name`, or its name when that is short and neutral; a site whose
only name carries a clinical word is not named at all (scheduling asks us, through its hooks,
before such a name is saved).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

from notifications.rendering import deny_listed_words
from scheduling.models import Location
from scheduling.models.clinic import SHORT_NAME_MAX

# The texts that name the place: the confirmation (and the move, its "now at" form) and reminders.
PLACE_TEMPLATES = frozenset({"confirmation", "reminder"})
_AT = {"en": "at {}", "es": "en {}"}
_BY_VIDEO = {"en": "by video", "es": "por video"}


def label(location) -> str:
    """The site's name in a text, or "" when it has none fit for one."""
    for name in (location.short_name, location.name):
        name = " ".join((name or "").split())
        if name and len(name) <= SHORT_NAME_MAX and not deny_listed_words(name):
            return name
    return ""


def phrase(location, *, language: str) -> str:
    """The phrase for a site ("at San Diego" / "en San Diego"), or "by video" / "por video" without one."""
    language = language if language in _AT else "en"
    if location is None:
        return _BY_VIDEO[language]
    name = label(location)
    return _AT[language].format(name) if name else ""


def longest_phrase(language: str) -> str:
    """The longest place a text may carry, for the checks that every template fits."""
    return _AT[language if language in _AT else "en"].format("W" * SHORT_NAME_MAX)


def clinic_has_several_sites() -> bool:
    return Location.objects.filter(active=True, is_virtual=False).count() > 1


def check_site(*, location) -> None:
    """scheduling.hooks' site check: the name a text would use is neutral. Raises ValidationError."""
    if location.is_virtual:
        return
    if location.short_name and (words := deny_listed_words(location.short_name)):
        raise ValidationError(
            {"short_name": f"Texts name the site by this: it must stay neutral; remove: {', '.join(words)}."}
        )
    if not location.short_name and not label(location):
        raise ValidationError(
            {
                "short_name": f"Texts to patients name the site, and the name is longer than "
                f"{SHORT_NAME_MAX} characters or carries a clinical word: give a short "
                f"name such as the city."
            }
        )
