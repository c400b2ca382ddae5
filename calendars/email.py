"""The visit's .ics, attached to its confirmation email (registered in CalendarsConfig.ready())."""

from __future__ import annotations

from notifications.channels.email import Attachment

from . import ics


def confirmation_attachments(message) -> list[Attachment]:
    appointment = message.appointment
    if appointment is None or appointment.status in ics.NOT_A_VISIT:
        return []
    body = ics.appointment_calendar(appointment, language=message.language or None)
    return [Attachment(ics.filename(appointment), body, "text/calendar")]
