"""Beat (the dispatcher's trigger) is down overnight: messages come due while nothing runs. When
dispatching resumes at 3 a.m. in the patient's zone, nothing goes out until the texting window
opens; reminders for visits that started meanwhile are dropped; and what piled up for one
patient is spaced out, not sent in one burst. The clock is moved, never waited for."""

from __future__ import annotations

import datetime as dt

import pytest

from notifications import caps
from notifications.channels.sms import LocmemSmsBackend
from notifications.models import MessageStatus as M
from tests.factories import PatientFactory
from tests.notifications.conftest import book, NOW, PHX, phx, rows, run_dispatcher, texts_to

pytestmark = pytest.mark.django_db

OUTAGE_STARTS = phx(4, 20, 50)  # Tuesday 20:50 in Phoenix, ten minutes before quiet hours
OUTAGE_ENDS = phx(5, 3, 0)  # Wednesday 03:00, deep inside them
WINDOW_OPENS = phx(5, 8, 0)


def _texts_out() -> list[tuple[str, dt.datetime]]:
    return [(sent["to"], sent["at"]) for sent in LocmemSmsBackend.outbox]


@pytest.fixture
def overnight(clock, patient):
    """Three patients whose texts come due during the outage, each with a different outcome."""
    def other(name):
        return PatientFactory(legal_first_name=name, email="", time_zone="America/Phoenix", state="AZ",
                              sms_consent=True)

    late = book(patient=patient, start=phx(5, 20, 55))  # 24 h reminder due Tue 20:55
    started = book(patient=other("Dan"), start=phx(4, 22, 55))  # 2 h reminder due Tue 20:55; visit over by 03:00
    cara = other("Cara")
    # Two visits: one 24 h reminder due Tue 20:55 (during the outage), the other's at 8:00 Wednesday.
    piled_up = [book(patient=cara, start=phx(5, 20, 55)), book(patient=cara, start=phx(6, 8, 0))]
    clock.move_to(NOW + dt.timedelta(minutes=5))
    run_dispatcher()  # the confirmations go out on Monday
    clock.move_to(phx(4, 20, 49))
    run_dispatcher()  # Tuesday evening, everything due so far goes
    clock.move_to(OUTAGE_STARTS)
    return {"late": late, "started": started, "piled_up": piled_up}


def test_nothing_goes_out_when_dispatching_resumes_inside_quiet_hours(clock, overnight):
    before = len(LocmemSmsBackend.outbox)
    clock.move_to(OUTAGE_ENDS)

    run_dispatcher()

    assert len(LocmemSmsBackend.outbox) == before
    held = rows(overnight["late"], kind="reminder_24h").get()
    assert (held.status, held.next_attempt_at) == (M.PLANNED, WINDOW_OPENS)
    assert held.status_reason.startswith("Now outside the texting window (08:00-21:00 America/Phoenix)")


def test_a_reminder_for_a_visit_that_started_during_the_outage_is_dropped(clock, overnight):
    clock.move_to(OUTAGE_ENDS)

    run_dispatcher()

    reminder = rows(overnight["started"], kind="reminder_2h").get()
    assert (reminder.status, reminder.status_reason) == (M.DROPPED, "The visit has already started.")
    assert reminder.body == ""


def test_late_texts_go_out_when_the_window_opens_and_never_inside_quiet_hours(clock, overnight):
    for moment in (OUTAGE_ENDS, WINDOW_OPENS, WINDOW_OPENS + dt.timedelta(hours=1)):
        clock.move_to(moment)
        run_dispatcher()

    late = rows(overnight["late"], kind="reminder_24h").get()
    assert (late.status, late.sent_at) == (M.SENT, WINDOW_OPENS)
    for _, at in _texts_out():
        local = at.astimezone(PHX)
        assert dt.time(8) <= local.time() < dt.time(21), f"a text went out at {local:%H:%M} in Phoenix"


def test_reminders_piled_up_for_one_patient_are_spaced_out_not_sent_at_once(clock, overnight):
    first_visit, second_visit = overnight["piled_up"]
    phone = str(first_visit.patient.phone)
    texts_before = len(texts_to(phone))
    clock.move_to(OUTAGE_ENDS)
    run_dispatcher()
    clock.move_to(WINDOW_OPENS)
    run_dispatcher()

    first = rows(first_visit, kind="reminder_24h").get()
    second = rows(second_visit, kind="reminder_24h").get()
    assert (first.status, first.sent_at) == (M.SENT, WINDOW_OPENS)
    assert (second.status, second.next_attempt_at) == (M.PLANNED, WINDOW_OPENS + caps.TEXT_SPACING)
    assert second.status_reason.startswith("Another text reached the patient less than 60 minutes ago")
    assert len(texts_to(phone)) == texts_before + 1

    clock.move_to(WINDOW_OPENS + caps.TEXT_SPACING)
    run_dispatcher()

    second.refresh_from_db()
    assert (second.status, second.sent_at) == (M.SENT, WINDOW_OPENS + caps.TEXT_SPACING)
    assert len(texts_to(phone)) == texts_before + 2
