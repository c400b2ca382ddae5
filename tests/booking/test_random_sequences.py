"""Random sequences of booking changes keep the calendar, the outbox and the record consistent.

A Hypothesis state machine drives the booking services (hold, book, book a hold, cancel,
reschedule, the desk's override, and the clock moving past holds) on a small IV clinic: three
chairs, one nurse who watches two infusions at most, a few patients, starts packed into one
Monday morning so that requests collide. After every step it reads the database and checks what
must always hold, whatever the services answered:

- no two allocations of one chair, and no two hands-on (exclusive) allocations of one nurse, overlap;
- the nurse never watches more shared phases at once than her watch capacity;
- a held or booked visit has every allocation its service needs; a cancelled, moved, expired
  or missed one holds none;
- no pending message is left for a visit that is cancelled (other than the cancellation notice),
  moved, expired or held, nor for a booked visit at a time other than its start;
- the appointment record grows by exactly one event per appointment created or changed, and a
  refused request changes nothing.

A failure prints the steps that led to it (Hypothesis shrinks them); the seed is derandomized, so
rerunning the test replays it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

import pytest
import time_machine
from django.db import transaction
from hypothesis import HealthCheck, settings, strategies as st
from hypothesis.stateful import invariant, precondition, rule, RuleBasedStateMachine, run_state_machine_as_test

from core.errors import DomainError
from notifications.models import OutboundMessage, PENDING_STATUSES
from notifications.plans import CANCELLATION, FOLLOW_UP_PREFIX
from scheduling.models import Allocation, Appointment, AppointmentEvent, AppointmentStatus as S, BookingChannel
from scheduling.services.booking import book_appointment, convert_hold, reschedule_appointment
from scheduling.services.holds import hold_slot
from scheduling.services.transitions import cancel_appointment

from .conftest import at, desk_user, make_clinic, NOW, patient_user

# Quarter hours from 09:00 to 12:00 on one Monday: an IV visit lasts 85 minutes, so most of
# them overlap and the chairs, the nurse's hands and her watch run short.
STARTS = [at(9) + dt.timedelta(minutes=15 * n) for n in range(13)]
HOLDS_IN_TIME = frozenset({S.HELD, S.BOOKED, S.CHECKED_IN})

start_choices = st.sampled_from(STARTS)
picks = st.integers(min_value=0, max_value=1000)


class BookingSequences(RuleBasedStateMachine):
    """One clinic per test run; each example runs inside a transaction that is rolled back."""

    clinic = None
    patients: list = []
    desk = None

    def __init__(self):
        super().__init__()
        self.atomic = transaction.atomic()
        self.atomic.__enter__()
        self.clock = time_machine.travel(NOW, tick=False)
        self.traveller = self.clock.start()
        self.allocations_per_visit = None

    def teardown(self):
        self.clock.stop()
        transaction.set_rollback(True)
        self.atomic.__exit__(None, None, None)

    # --- Steps -------------------------------------------------------------------------------

    @rule(who=picks, start=start_choices, by_desk=st.booleans())
    def hold(self, who, start, by_desk):
        patient = self._patient(who)
        self._change(lambda: hold_slot(patient=patient, service=self.clinic.service, location=self.clinic.location,
                                       start=start, actor=self.desk if by_desk else patient.user))

    @rule(who=picks, start=start_choices, by_desk=st.booleans(), override=st.booleans())
    def book(self, who, start, by_desk, override):
        patient = self._patient(who)
        self._change(lambda: book_appointment(
            patient=patient, service=self.clinic.service, location=self.clinic.location, start=start,
            actor=self.desk if by_desk else patient.user,
            channel=BookingChannel.FRONT_DESK if by_desk else BookingChannel.ONLINE,
            override_reason="Caller insisted" if override and by_desk else ""))

    @precondition(lambda self: Appointment.objects.filter(status=S.HELD).exists())
    @rule(pick=picks, by_desk=st.booleans())
    def book_the_hold(self, pick, by_desk):
        hold = self._appointment(pick, status=S.HELD)
        actor = self.desk if by_desk else hold.patient.user
        self._change(lambda: convert_hold(hold=hold, patient=hold.patient, actor=actor))

    @precondition(lambda self: Appointment.objects.exists())
    @rule(pick=picks, by_desk=st.booleans())
    def cancel(self, pick, by_desk):
        appointment = self._appointment(pick)
        actor = self.desk if by_desk else appointment.patient.user
        self._change(lambda: cancel_appointment(appointment=appointment, actor=actor, reason="Changed plans"))

    @precondition(lambda self: Appointment.objects.exists())
    @rule(pick=picks, start=start_choices, by_desk=st.booleans())
    def reschedule(self, pick, start, by_desk):
        appointment = self._appointment(pick)
        actor = self.desk if by_desk else appointment.patient.user
        self._change(lambda: reschedule_appointment(appointment=appointment, start=start, actor=actor))

    @rule(minutes=st.integers(min_value=1, max_value=8))
    def time_passes(self, minutes):
        """Holds last HOLD_MINUTES: the clock moving lets them lapse between other steps."""
        self.traveller.shift(dt.timedelta(minutes=minutes))

    # --- Invariants --------------------------------------------------------------------------

    @invariant()
    def no_chair_or_hands_on_nurse_is_double_booked(self):
        by_holder = defaultdict(list)
        for row in Allocation.objects.all():
            if row.resource_id is not None:
                by_holder["resource", row.resource_id].append(row)
            elif row.exclusive:
                by_holder["staff", row.staff_id].append(row)
        for holder, rows in by_holder.items():
            rows.sort(key=lambda r: r.start)
            for earlier, later in zip(rows, rows[1:], strict=False):
                assert later.start >= earlier.end, (
                    f"{holder} double booked: appointment {earlier.appointment_id} {earlier.start:%H:%M}-"
                    f"{earlier.end:%H:%M} and {later.appointment_id} {later.start:%H:%M}-{later.end:%H:%M}")

    @invariant()
    def no_nurse_watches_more_than_her_capacity(self):
        shared = defaultdict(list)
        for row in Allocation.objects.filter(exclusive=False, staff__isnull=False).select_related("staff"):
            shared[row.staff].append(row)
        for nurse, rows in shared.items():
            load = 0
            # At the same instant an end frees a unit before a start takes one.
            for _, delta in sorted([(r.start, r.share) for r in rows] + [(r.end, -r.share) for r in rows]):
                load += delta
                assert load <= nurse.watch_capacity, f"{nurse.display_name} watches {load} > {nurse.watch_capacity}"

    @invariant()
    def only_visits_that_keep_their_time_hold_allocations(self):
        counts = _allocation_counts()
        for appointment_id, status in Appointment.objects.values_list("pk", "status"):
            held = counts.get(appointment_id, 0)
            if status in HOLDS_IN_TIME:
                if self.allocations_per_visit is None:
                    self.allocations_per_visit = held
                assert held and held == self.allocations_per_visit, (
                    f"{status} appointment {appointment_id} has {held} allocations, not {self.allocations_per_visit}")
            else:
                assert held == 0, f"{status} appointment {appointment_id} still holds {held} allocations"

    @invariant()
    def no_message_is_left_for_a_time_the_patient_no_longer_has(self):
        pending = (OutboundMessage.objects.filter(appointment__isnull=False, status__in=PENDING_STATUSES)
                   .exclude(kind__startswith=FOLLOW_UP_PREFIX).exclude(kind__startswith="reply_")
                   .select_related("appointment"))
        for message in pending:
            visit = message.appointment
            if visit.status == S.CANCELLED:
                fits = message.kind == CANCELLATION.key and message.planned_for_start == visit.start
            elif visit.status in (S.BOOKED, S.CHECKED_IN):
                fits = message.planned_for_start == visit.start
            else:
                fits = False
            assert fits, (f"pending {message.kind} message planned for {message.planned_for_start:%H:%M} of "
                          f"{visit.status} appointment {visit.pk} starting {visit.start:%H:%M}")

    # --- Helpers -----------------------------------------------------------------------------

    def _patient(self, who: int):
        return self.patients[who % len(self.patients)]

    def _appointment(self, pick: int, **filters) -> Appointment:
        ids = list(Appointment.objects.filter(**filters).order_by("pk").values_list("pk", flat=True))
        return Appointment.objects.select_related("patient__user", "service", "location").get(pk=ids[pick % len(ids)])

    def _change(self, call) -> None:
        """Run one service call: a refusal must leave everything as it was; a change must add one
        event per appointment it created or changed."""
        before = dict(Appointment.objects.values_list("pk", "status"))
        events = AppointmentEvent.objects.count()
        try:
            call()
        except DomainError:
            assert dict(Appointment.objects.values_list("pk", "status")) == before, "a refused request changed visits"
            assert AppointmentEvent.objects.count() == events, "a refused request wrote an event"
            return
        after = dict(Appointment.objects.values_list("pk", "status"))
        changed = [pk for pk, status in after.items() if before.get(pk) != status]
        assert changed, "a request that succeeded changed nothing"
        assert AppointmentEvent.objects.count() - events == len(changed), (
            f"{AppointmentEvent.objects.count() - events} events for {len(changed)} changed appointments")


def _allocation_counts() -> dict[int, int]:
    counts: dict[int, int] = defaultdict(int)
    for appointment_id in Allocation.objects.values_list("appointment_id", flat=True):
        counts[appointment_id] += 1
    return counts


@pytest.mark.django_db
def test_random_booking_sequences_keep_the_calendar_outbox_and_record_consistent():
    with time_machine.travel(NOW, tick=False):
        BookingSequences.clinic = make_clinic(chairs=3, nurses=1, watch_capacity=2)
        BookingSequences.patients = [patient_user(name) for name in ("ana", "ben", "cara")]
        BookingSequences.desk = desk_user("desk", BookingSequences.clinic.location)
    run_state_machine_as_test(BookingSequences, settings=settings(
        max_examples=40, stateful_step_count=25, derandomize=True, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]))
