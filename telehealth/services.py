"""Changes to video visits: being in the waiting room, entering the video room, confirming
identity on a first video visit, and the desk's and prescribers' records the rules read."""

from __future__ import annotations

import datetime as dt
import unicodedata

from django.conf import settings
from django.db import transaction

from core.errors import Unprocessable
from scheduling import timeutils
from scheduling.models import Appointment, Patient, StaffMember, StaffRole

from .backends import get_backend, RoomParticipant
from .models import IdentityConfirmation, InPersonEvaluation, InterpreterNeed, JoinPass, Participant
from .passes import room_for
from .selectors import MAX_IDENTITY_ATTEMPTS, PRESENCE_TIMEOUT, visit_view


def note_presence(*, join_pass: JoinPass, now: dt.datetime) -> None:
    """The person's page is open: they are waiting, since now if the page had lost them."""
    fields = {"last_seen_at": now}
    if join_pass.last_seen_at is None or now - join_pass.last_seen_at > PRESENCE_TIMEOUT:
        fields["arrived_at"] = now
    JoinPass.objects.filter(pk=join_pass.pk).update(**fields)
    for name, value in fields.items():
        setattr(join_pass, name, value)


class NotAdmitted(Exception):
    """The person may not enter the room now; `state` says what their page shows instead."""

    def __init__(self, state: str):
        super().__init__(state)
        self.state = state


def enter_room(*, join_pass: JoinPass, now: dt.datetime) -> str:
    """The backend URL that puts this person into the visit's room, with a token of their own.
    The clinician may enter whenever the window is open; the patient once the clinician has."""
    view = visit_view(join_pass, now=now)
    if not view.admitted:
        raise NotAdmitted(view.state)
    appointment = join_pass.appointment
    JoinPass.objects.filter(pk=join_pass.pk, entered_room_at__isnull=True).update(entered_room_at=now)
    JoinPass.objects.filter(pk=join_pass.pk).update(last_seen_at=now)
    if join_pass.participant == Participant.CLINICIAN:
        who = RoomParticipant(id=f"staff-{join_pass.staff_id}", name=join_pass.staff.display_name, moderator=True)
    else:
        who = RoomParticipant(id=f"patient-{appointment.patient_id}", name=appointment.patient.display_name,
                              moderator=False)
    room = room_for(appointment)
    return get_backend().join_url(
        room_name=room.name, participant=who, not_before=view.window.opens_at,
        expires_at=appointment.end + dt.timedelta(minutes=settings.JITSI_TOKEN_OVERRUN_MINUTES), now=now)


def _folded(text: str) -> str:
    """Case, accents, spaces and hyphens do not matter: 'José Núñez-Paz' == 'jose nunezpaz'."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    return "".join(ch for ch in decomposed if ch.isalnum()).casefold()


def _matches(patient: Patient, *, first_name: str, last_name: str, date_of_birth: dt.date) -> bool:
    firsts = {_folded(patient.legal_first_name), _folded(patient.preferred_name)} - {""}
    return (_folded(first_name) in firsts and _folded(last_name) == _folded(patient.legal_last_name)
            and date_of_birth == patient.date_of_birth)


def confirm_identity(*, join_pass: JoinPass, first_name: str, last_name: str, date_of_birth: dt.date,
                     now: dt.datetime) -> str:
    """Check the details the patient typed against their record: "confirmed", "mismatch", or
    "locked" after MAX_IDENTITY_ATTEMPTS wrong tries (then the clinic helps by phone)."""
    appointment = join_pass.appointment
    with transaction.atomic():
        IdentityConfirmation.objects.get_or_create(appointment=appointment, defaults={"patient": appointment.patient})
        record = IdentityConfirmation.objects.select_for_update().get(appointment=appointment)
        if record.confirmed_at is not None:
            return "confirmed"
        if record.failed_attempts >= MAX_IDENTITY_ATTEMPTS:
            return "locked"
        if _matches(appointment.patient, first_name=first_name, last_name=last_name, date_of_birth=date_of_birth):
            record.confirmed_at = now
            record.save(update_fields=["confirmed_at"])
            return "confirmed"
        record.failed_attempts += 1
        record.last_failed_at = now
        record.save(update_fields=["failed_attempts", "last_failed_at"])
        return "locked" if record.failed_attempts >= MAX_IDENTITY_ATTEMPTS else "mismatch"


def flag_interpreter(*, appointment: Appointment, language: str, notes: str, actor, now: dt.datetime) -> InterpreterNeed:
    need, _ = InterpreterNeed.objects.update_or_create(
        appointment=appointment,
        defaults={"language": language.strip(), "notes": notes.strip(), "flagged_by": actor, "flagged_at": now})
    return need


def clear_interpreter(*, appointment: Appointment) -> bool:
    deleted, _ = InterpreterNeed.objects.filter(appointment=appointment).delete()
    return bool(deleted)


def record_in_person_evaluation(*, prescriber: StaffMember, patient: Patient, evaluated_on: dt.date, actor,
                                now: dt.datetime) -> InPersonEvaluation:
    """Keep the latest day this prescriber evaluated this patient in person (an earlier date
    than the one on record changes nothing)."""
    if not prescriber.has_role(StaffRole.PRESCRIBER):
        raise Unprocessable(f"{prescriber.display_name} is not a prescriber; only a prescriber's in-person "
                            "evaluation counts for video prescribing.", code="not_a_prescriber")
    today = timeutils.local_date(now, timeutils.zone(patient.time_zone))
    if evaluated_on > today:
        raise Unprocessable(f"{evaluated_on:%d %b %Y} is in the future; record an evaluation once it has happened.",
                            code="evaluation_in_future")
    with transaction.atomic():
        InPersonEvaluation.objects.get_or_create(
            prescriber=prescriber, patient=patient,
            defaults={"evaluated_on": evaluated_on, "recorded_by": actor, "recorded_at": now})
        record = InPersonEvaluation.objects.select_for_update().get(prescriber=prescriber, patient=patient)
        if evaluated_on > record.evaluated_on:
            record.evaluated_on, record.recorded_by, record.recorded_at = evaluated_on, actor, now
            record.save(update_fields=["evaluated_on", "recorded_by", "recorded_at"])
        return record

