"""Reading video visits: the join window, where each person is, what the visit page shows, and
the clinician's list of today's video visits with who is waiting and since when."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import Exists, OuterRef, Prefetch, QuerySet

from scheduling import timeutils
from scheduling.models import Allocation, Appointment, AppointmentStatus as S, Modality, Patient, StaffMember

from .models import DialIn, IdentityConfirmation, JoinPass, Participant, PresenceState
from .rules import is_prescribing

# The page polls every 10 seconds; a person unheard of for longer than this has left the page.
PRESENCE_TIMEOUT = dt.timedelta(seconds=45)
MAX_IDENTITY_ATTEMPTS = 5
SCHEDULED = (S.BOOKED, S.CHECKED_IN)
GONE = {S.CANCELLED: "cancelled", S.NO_SHOW: "cancelled", S.EXPIRED: "cancelled", S.HELD: "cancelled",
        S.RESCHEDULED: "moved"}


@dataclass(frozen=True)
class JoinWindow:
    """The visit page lets people in from `opens_at` (inclusive) until `closes_at` (the planned end)."""

    opens_at: dt.datetime
    closes_at: dt.datetime

    def phase(self, now: dt.datetime) -> str:
        if now < self.opens_at:
            return "before"
        return "after" if now >= self.closes_at else "open"

    def is_open(self, now: dt.datetime) -> bool:
        return self.phase(now) == "open"


def join_window(appointment: Appointment) -> JoinWindow:
    return JoinWindow(opens_at=appointment.start - dt.timedelta(minutes=settings.TELEHEALTH_JOIN_OPENS_MINUTES),
                      closes_at=appointment.end)


@dataclass(frozen=True)
class Presence:
    state: PresenceState
    since: dt.datetime | None


def presence_of(join_pass: JoinPass | None, *, now: dt.datetime) -> Presence:
    if join_pass is None or join_pass.last_seen_at is None and join_pass.entered_room_at is None:
        return Presence(PresenceState.NOT_ARRIVED, None)
    if join_pass.entered_room_at is not None:
        return Presence(PresenceState.IN_ROOM, join_pass.entered_room_at)
    if now - join_pass.last_seen_at <= PRESENCE_TIMEOUT:
        return Presence(PresenceState.WAITING, join_pass.arrived_at)
    return Presence(PresenceState.LEFT, join_pass.last_seen_at)


def identity_confirmed_at(patient: Patient) -> dt.datetime | None:
    """When the patient first confirmed who they are on a video visit; None means their next
    video visit is their first and they confirm before entering."""
    return (IdentityConfirmation.objects.filter(patient=patient, confirmed_at__isnull=False)
            .order_by("confirmed_at").values_list("confirmed_at", flat=True).first())


def identity_locked(appointment: Appointment) -> bool:
    return IdentityConfirmation.objects.filter(appointment=appointment, confirmed_at__isnull=True,
                                               failed_attempts__gte=MAX_IDENTITY_ATTEMPTS).exists()


def clinician_in_room(appointment: Appointment) -> bool:
    return JoinPass.objects.filter(appointment=appointment, participant=Participant.CLINICIAN,
                                   entered_room_at__isnull=False).exists()


def dial_in_for(appointment: Appointment) -> DialIn | None:
    """The phone fallback for a visit without a prescriber: the number set on a telehealth
    location of a clinician on the visit (another of their locations if none is virtual)."""
    if is_prescribing(appointment.service):
        return None
    return (DialIn.objects.filter(location__staff__allocations__appointment=appointment)
            .order_by("-location__is_virtual", "location_id").first())


@dataclass(frozen=True)
class VisitView:
    """What a person's visit page shows now. `state`:
    patient: cancelled | moved | before | after | identity | identity_locked | waiting | ready;
    clinician: cancelled | moved | before | after | open."""

    join_pass: JoinPass
    state: str
    window: JoinWindow
    patient_presence: Presence | None = None

    @property
    def is_patient(self) -> bool:
        return self.join_pass.participant == Participant.PATIENT

    @property
    def admitted(self) -> bool:
        return self.state in ("ready", "open")


def visit_view(join_pass: JoinPass, *, now: dt.datetime) -> VisitView:
    appointment = join_pass.appointment
    window = join_window(appointment)
    state = GONE.get(appointment.status)
    if state is None:
        phase = window.phase(now)
        state = "after" if appointment.status == S.COMPLETED and phase == "open" else phase
    if join_pass.participant == Participant.CLINICIAN:
        patient_pass = JoinPass.objects.filter(appointment=appointment, participant=Participant.PATIENT).first()
        return VisitView(join_pass, state, window, presence_of(patient_pass, now=now))
    if state == "open":
        if identity_confirmed_at(appointment.patient) is None:
            state = "identity_locked" if identity_locked(appointment) else "identity"
        else:
            state = "ready" if clinician_in_room(appointment) else "waiting"
    return VisitView(join_pass, state, window)


def clinician_video_visits(*, staff: StaffMember, day: dt.date) -> QuerySet[Appointment]:
    """The clinician's video visits starting on `day` on their own clock, still on the schedule."""
    lo, hi = timeutils.day_bounds(day, timeutils.zone(staff.time_zone))
    return (Appointment.objects
            .filter(modality=Modality.VIDEO, start__gte=lo, start__lt=hi,
                    status__in=(*SCHEDULED, S.COMPLETED))
            .filter(Exists(Allocation.objects.filter(appointment=OuterRef("pk"), staff=staff)))
            .select_related("patient", "service", "interpreter_need")
            .prefetch_related("service__phases",
                              Prefetch("join_passes", queryset=JoinPass.objects.filter(participant=Participant.PATIENT),
                                       to_attr="patient_passes"),
                              Prefetch("join_passes", queryset=JoinPass.objects.filter(staff=staff),
                                       to_attr="own_passes"))
            .order_by("start", "pk"))


@dataclass(frozen=True)
class WaitingRow:
    appointment: Appointment
    window: JoinWindow
    window_open: bool
    patient_presence: Presence
    identity_confirmed_at: dt.datetime | None
    prescribing: bool
    own_pass: JoinPass | None  # the clinician's, once issued


def waiting_list(*, staff: StaffMember, day: dt.date, now: dt.datetime) -> list[WaitingRow]:
    visits = list(clinician_video_visits(staff=staff, day=day))
    confirmed = dict(IdentityConfirmation.objects
                     .filter(patient_id__in={v.patient_id for v in visits}, confirmed_at__isnull=False)
                     .order_by("-confirmed_at").values_list("patient_id", "confirmed_at"))
    return [WaitingRow(appointment=visit, window=join_window(visit), window_open=join_window(visit).is_open(now),
                       patient_presence=presence_of(visit.patient_passes[0] if visit.patient_passes else None, now=now),
                       identity_confirmed_at=confirmed.get(visit.patient_id),
                       prescribing=is_prescribing(visit.service),
                       own_pass=visit.own_passes[0] if visit.own_passes else None)
            for visit in visits]
