"""Whether every text fits one segment with the longest values the clinic allows: the longest
brand the admin accepts, the configured PUBLIC_BASE_URL (it starts every link), the longest date,
place and token. `manage.py check` runs this (notifications.E001) and the admin runs it on the
brand it is about to save, so a text that could never be sent is refused before any patient is
waiting for it.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.core import checks

from notifications import places, rendering
from notifications.segments import count_segments, GSM7_SINGLE
from telehealth import passes

SMS_DIR = Path(__file__).resolve().parent / "templates" / "notifications" / "sms"
LANGUAGES = ("en", "es")
DEFAULT_PHONE = "+16025550100"  # every US number is as long in its national form: (602) 555-0100
# The longest abbreviation a US patient's zone shows (Alaska).
LONGEST_ZONE = "America/Anchorage"
CHECK_ID = "notifications.E001"

# Apps whose templates carry their own links (check-ins, alerts) register the longest value of
# each, e.g. {"checkin_url": <the base URL> + "/c/" + 22 characters}, as functions of the base URL.
_SAMPLES: list[Callable[[str], dict]] = []


def register_sample(sample: Callable[[str], dict]) -> None:
    if sample not in _SAMPLES:
        _SAMPLES.append(sample)


def longest_brand() -> str:
    from notifications.models import MessagingPolicy

    return "W" * MessagingPolicy._meta.get_field("brand_name").max_length


@dataclass(frozen=True)
class Overflow:
    template: str
    language: str
    units: int
    encoding: str

    def __str__(self) -> str:
        return (
            f"the {self.template} text in {self.language} ({self.units} {self.encoding} units even in its short form)"
        )


def templates() -> list[tuple[str, str]]:
    """(template, language) of every SMS template on disk."""
    return sorted((path.stem, language) for language in LANGUAGES for path in (SMS_DIR / language).glob("*.txt"))


@functools.lru_cache(maxsize=8)
def _longest_when(language: str, with_zone: bool) -> tuple[str, str]:
    """The longest date-and-time and time a text can show in `language` (a video visit's carry
    the patient's zone)."""
    start = dt.datetime(2025, 1, 1, 20, 45, tzinfo=dt.UTC)  # 11:45 / 12:45 in Anchorage
    instants = [start + dt.timedelta(days=day, hours=hour) for day in range(365) for hour in (0, 1)]
    when = max(
        (rendering.format_when(i, time_zone=LONGEST_ZONE, language=language, with_zone=with_zone) for i in instants),
        key=len,
    )
    time = max(
        (rendering.format_time(i, time_zone=LONGEST_ZONE, language=language, with_zone=with_zone) for i in instants),
        key=len,
    )
    return when, time


def _contexts(*, brand: str, phone: str, base_url: str, language: str) -> Iterator[dict]:
    base = {
        "brand": brand,
        "phone": rendering.national_number(phone),
        "first_name": "W" * 40,
        "open_until": _longest_when(language, True)[0],
        "join_url": base_url.rstrip("/") + _path("telehealth:join-short", "W" * passes.TOKEN_LENGTH),
        "manage_url": base_url.rstrip("/")
        + _path("web:manage-short", "W" * len(secrets.token_urlsafe(rendering.MANAGE_TOKEN_BYTES))),
    }
    for sample in _SAMPLES:
        base.update(sample(base_url.rstrip("/")))
    for video, moved, named in itertools.product((False, True), repeat=3):
        when, time = _longest_when(language, video)
        place = ""
        if named:
            place = places.phrase(None, language=language) if video else places.longest_phrase(language)
        yield {**base, "when": when, "time": time, "video": video, "moved": moved, "place": place}


def _path(name: str, token: str) -> str:
    from django.urls import reverse

    return reverse(name, kwargs={"token": token})


def overflows(*, brand: str, base_url: str, phone: str = DEFAULT_PHONE) -> list[Overflow]:
    """Every template and language that would need more than one segment with these values."""
    found: dict[tuple[str, str], Overflow] = {}
    for template, language in templates():
        for context in _contexts(brand=brand, phone=phone, base_url=base_url, language=language):
            try:
                rendering.render_sms(template=template, language=language, context=context)
            except rendering.MessageTooLong:
                text = rendering.render_sms_form(template=template, language=language, context=context, full=False)
                counted = count_segments(text)
                worst = found.get((template, language))
                if worst is None or counted.units > worst.units:
                    found[(template, language)] = Overflow(template, language, counted.units, counted.encoding)
    return list(found.values())


def brand_problem(*, brand: str, phone: str) -> str:
    """Why the admin must refuse this brand, or ""."""
    try:
        rendering.national_number(phone)
    except Exception:  # noqa: BLE001 - a number the phone field itself refuses; measure with a usual one
        phone = DEFAULT_PHONE
    found = overflows(brand=brand, base_url=settings.PUBLIC_BASE_URL, phone=phone)
    if not found:
        return ""
    worst = max(found, key=lambda o: o.units)
    if worst.encoding != "GSM-7":
        return (
            f"With this sender name {len(found)} texts would need two segments: it has characters outside the "
            f"plain SMS alphabet (GSM-7). Use plain letters, digits and punctuation."
        )
    return (
        f"With this sender name {len(found)} texts would need two segments, for example {worst}. "
        f"Shorten it by at least {worst.units - GSM7_SINGLE} characters."
    )


def check_sms_templates_fit(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """Every SMS template, in every language, with the longest brand the admin allows and this
    PUBLIC_BASE_URL, fits one segment. Registered in NotificationsConfig.ready()."""
    found = overflows(brand=longest_brand(), base_url=settings.PUBLIC_BASE_URL)
    if not found:
        return []
    listed = "; ".join(str(o) for o in sorted(found, key=lambda o: (o.template, o.language)))
    return [
        checks.Error(
            f"With a {len(longest_brand())}-character clinic name and PUBLIC_BASE_URL={settings.PUBLIC_BASE_URL!r}, "
            f"{len(found)} texts would need two segments: {listed}.",
            hint="Use a shorter PUBLIC_BASE_URL (the links in texts start with it), or shorten the templates' short "
            "forms in notifications/templates/notifications/sms.",
            id=CHECK_ID,
        )
    ]
