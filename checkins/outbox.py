"""What the outbox asks of check-ins when it sends one of our messages (registered in apps.py):
the links a template needs, and whether a check-in text should still go out at all."""

from __future__ import annotations

import datetime as dt

from checkins.links import alert_url, checkin_url
from checkins.models import CheckInStatus
from notifications.rendering import format_when
from notifications.send_checks import Drop, Supersede


def checkin_context(message) -> dict:
    checkin = message.checkins.select_related("patient").first()
    if checkin is None:
        return {}
    language = message.language if message.language in ("en", "es") else "en"
    return {"checkin_url": checkin_url(checkin),
            "open_until": format_when(checkin.expires_at, time_zone=checkin.patient.time_zone, language=language,
                                      with_zone=True)}


def alert_context(message) -> dict:
    alert = message.risk_alerts.first()
    return {"review_url": alert_url(alert)} if alert is not None else {}


def longest_links(base_url: str) -> dict:
    """The longest link of each kind our texts carry, under `base_url` (notifications.sms_fit)."""
    from django.urls import reverse

    from checkins.links import TOKEN_LENGTH

    return {"checkin_url": base_url + reverse("checkins:answer", args=["W" * TOKEN_LENGTH]),
            "review_url": base_url + reverse("checkins:staff-alert", args=[99_999_999])}


def checkin_send_check(message, *, now: dt.datetime) -> Supersede | Drop | None:
    """An answered check-in needs no more asking; a closed one has a link that no longer works
    (a text held back by an outage must not send the patient to a dead link)."""
    checkin = message.checkins.first()
    if checkin is None:
        return Drop("The check-in no longer exists.")
    if checkin.status == CheckInStatus.ANSWERED:
        return Supersede("The patient answered the check-in.")
    if checkin.expires_at <= now:
        return Drop(f"The check-in closed at {checkin.expires_at:%Y-%m-%d %H:%M}Z; its link no longer works.")
    return None
