"""Join links: one per person per video visit, unguessable, and recognised only around the visit.

A link's token is `lookup` (16 random letters and digits, stored) followed by the first 20 hex
digits of an HMAC-SHA256 of it under SECRET_KEY (never stored). A token is refused, always in
the same way, when it is malformed, unknown, signed with another key, past its expiry (the
planned end plus TELEHEALTH_LINK_EXPIRES_HOURS), for a visit that is not by video, or for a
clinician no longer allocated to the visit.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets
import string

from django.conf import settings
from django.urls import reverse
from django.utils.crypto import salted_hmac

from scheduling.models import Allocation, Appointment, Modality, StaffMember

from .backends import get_backend
from .models import JoinPass, Participant, VideoRoom
from .selectors import join_window, SCHEDULED

LOOKUP_LENGTH = 16
MAC_LENGTH = 20
TOKEN_LENGTH = LOOKUP_LENGTH + MAC_LENGTH
_ALPHABET = string.ascii_letters + string.digits
_SALT = "telehealth.JoinPass"


def _mac(lookup: str, secret: str) -> str:
    return salted_hmac(_SALT, lookup, secret=secret, algorithm="sha256").hexdigest()[:MAC_LENGTH]


def token_for(join_pass: JoinPass) -> str:
    return join_pass.lookup + _mac(join_pass.lookup, settings.SECRET_KEY)


def _signed(lookup: str, mac: str) -> bool:
    """Checked against the current key and the fallbacks, so rotating SECRET_KEY (with the old
    one in SECRET_KEY_FALLBACKS) keeps links that are already out working."""
    keys = [settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", ())]
    return any(hmac.compare_digest(mac, _mac(lookup, key)) for key in keys)


def link_expires_at(appointment: Appointment) -> dt.datetime:
    return appointment.end + dt.timedelta(hours=settings.TELEHEALTH_LINK_EXPIRES_HOURS)


def resolve(token: str, *, now: dt.datetime) -> JoinPass | None:
    """The pass a token stands for, or None: the caller answers every None the same way."""
    if len(token) != TOKEN_LENGTH or not token.isascii() or not token.isalnum():
        return None
    lookup, mac = token[:LOOKUP_LENGTH], token[LOOKUP_LENGTH:]
    if not _signed(lookup, mac):
        return None
    join_pass = (JoinPass.objects.select_related("appointment__patient", "appointment__service", "staff")
                 .filter(lookup=lookup).first())
    if join_pass is None:
        return None
    appointment = join_pass.appointment
    if appointment.modality != Modality.VIDEO or now >= link_expires_at(appointment):
        return None
    if join_pass.participant == Participant.CLINICIAN and not Allocation.objects.filter(
            appointment_id=appointment.pk, staff_id=join_pass.staff_id).exists():
        # Allocations go when a visit is cancelled or moved; the patient's pass then says so.
        return None
    return join_pass


def room_for(appointment: Appointment) -> VideoRoom:
    """The visit's room, created the first time anyone needs it."""
    room = VideoRoom.objects.filter(appointment_id=appointment.pk).first()
    if room is not None:
        return room
    backend = get_backend()
    room, _ = VideoRoom.objects.get_or_create(appointment_id=appointment.pk,
                                              defaults={"backend": backend.key, "name": backend.new_room_name()})
    return room


def issue_pass(*, appointment: Appointment, staff: StaffMember | None = None) -> JoinPass:
    """The patient's pass (staff=None) or a clinician's, created once and reused, so every message
    and page shows a person the same link."""
    participant = Participant.PATIENT if staff is None else Participant.CLINICIAN
    existing = JoinPass.objects.filter(appointment_id=appointment.pk, participant=participant,
                                       staff=staff).first()
    if existing is not None:
        return existing
    room_for(appointment)
    lookup = "".join(secrets.choice(_ALPHABET) for _ in range(LOOKUP_LENGTH))
    join_pass, _ = JoinPass.objects.get_or_create(appointment_id=appointment.pk, participant=participant,
                                                  staff=staff, defaults={"lookup": lookup})
    return join_pass


def visit_path(join_pass: JoinPass) -> str:
    """The visit page's path, for a link on one of our own pages (relative: it works whatever
    PUBLIC_BASE_URL says)."""
    return reverse("telehealth:visit", kwargs={"token": token_for(join_pass)})


def visit_url(join_pass: JoinPass) -> str:
    """The absolute link, for a text, an email or an API client."""
    return settings.PUBLIC_BASE_URL.rstrip("/") + visit_path(join_pass)


def patient_join_url(appointment: Appointment) -> str:
    """The patient's own link to the visit page (reminders, "My appointments")."""
    return visit_url(issue_pass(appointment=appointment))


def clinician_join_url(appointment: Appointment, staff: StaffMember) -> str:
    return visit_url(issue_pass(appointment=appointment, staff=staff))


def _join_open(appointment: Appointment, now: dt.datetime) -> bool:
    return (appointment.modality == Modality.VIDEO and appointment.status in SCHEDULED
            and join_window(appointment).is_open(now))


def open_join_url(appointment: Appointment, *, now: dt.datetime) -> str | None:
    """The patient's link while the visit's join window is open (the API), else None."""
    return patient_join_url(appointment) if _join_open(appointment, now) else None


def open_join_path(appointment: Appointment, *, now: dt.datetime) -> str | None:
    """The same link as a path, for "My appointments"."""
    return visit_path(issue_pass(appointment=appointment)) if _join_open(appointment, now) else None
