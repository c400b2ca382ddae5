"""Texts reach patients only inside their texting window, in their own zone, DST included."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from notifications import quiet_hours
from notifications.models import MessageStatus as M, MessagingPolicy
from tests.factories import LocationFactory, PatientFactory
from tests.notifications.conftest import book, rows, run_dispatcher, texts_to

pytestmark = pytest.mark.django_db
NY = ZoneInfo("America/New_York")


def ny(year, month, day, hour, minute=0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=NY).astimezone(dt.UTC)


@pytest.fixture
def new_yorker():
    return PatientFactory(phone="+12125550123", email="", time_zone="America/New_York", state="NY", sms_consent=True)


@pytest.fixture
def manhattan():
    return LocationFactory(name="Manhattan", time_zone="America/New_York", state="NY")


def test_on_the_spring_forward_morning_a_text_due_at_night_waits_for_8_am_daylight_time(new_yorker, manhattan):
    # Sunday 9 March 2025: clocks jump from 2:00 EST to 3:00 EDT; 8:00 that morning is 12:00 UTC.
    with time_machine.travel(ny(2025, 3, 8, 12), tick=False) as clock:
        appointment = book(patient=new_yorker, location=manhattan, start=ny(2025, 3, 9, 9, 30))
        reminder = rows(appointment, kind="reminder_2h").get()
        assert reminder.due_at == dt.datetime(2025, 3, 9, 12, 0, tzinfo=dt.UTC)
        clock.move_to(ny(2025, 3, 8, 12, 5))
        run_dispatcher()  # the confirmation
        # At send time too: a text that became due at 1:30 EST is held, not sent.
        rows(appointment, kind="reminder_2h").update(next_attempt_at=ny(2025, 3, 9, 1, 30))
        clock.move_to(ny(2025, 3, 9, 1, 30))
        run_dispatcher()
        reminder.refresh_from_db()
        assert (reminder.status, reminder.next_attempt_at) == (M.PLANNED, dt.datetime(2025, 3, 9, 12, 0, tzinfo=dt.UTC))
        assert reminder.status_reason == "Now outside the texting window (08:00-21:00 America/New_York): held until it opens."
        clock.move_to(dt.datetime(2025, 3, 9, 11, 59, tzinfo=dt.UTC))
        run_dispatcher()
        assert texts_to("+12125550123") == [rows(appointment, kind="confirmation").get().body]
        clock.move_to(dt.datetime(2025, 3, 9, 12, 0, tzinfo=dt.UTC))
        run_dispatcher()
        reminder.refresh_from_db()
        assert (reminder.status, reminder.status_reason) == (M.SENT, "")  # the hold is over
        assert reminder.sent_at.astimezone(NY).strftime("%H:%M %Z") == "08:00 EDT"


def test_on_the_fall_back_morning_8_am_is_standard_time(new_yorker, manhattan):
    # Sunday 2 November 2025: 2:00 EDT falls back to 1:00 EST; 8:00 that morning is 13:00 UTC.
    with time_machine.travel(ny(2025, 10, 30, 12), tick=False):
        appointment = book(patient=new_yorker, location=manhattan, start=ny(2025, 11, 2, 9))
    assert rows(appointment, kind="reminder_2h").get().due_at == dt.datetime(2025, 11, 2, 13, 0, tzinfo=dt.UTC)
    window = quiet_hours.Window(dt.time(8), dt.time(21), "America/New_York")
    # 1:30 happens twice that night; both are quiet and both wait for the same 8:00 EST.
    for fold in (0, 1):
        night = dt.datetime(2025, 11, 2, 1, 30, fold=fold, tzinfo=NY).astimezone(dt.UTC)
        assert quiet_hours.next_allowed(night, window) == dt.datetime(2025, 11, 2, 13, 0, tzinfo=dt.UTC)


def test_an_evening_text_after_the_window_waits_for_the_next_morning(new_yorker):
    window = quiet_hours.window_for(patient=new_yorker, policy=MessagingPolicy.current())
    assert quiet_hours.next_allowed(ny(2025, 6, 3, 21, 0), window) == ny(2025, 6, 4, 8, 0)
    assert quiet_hours.next_allowed(ny(2025, 6, 3, 20, 59), window) == ny(2025, 6, 3, 20, 59)
    assert quiet_hours.next_allowed(ny(2025, 6, 3, 7, 59), window) == ny(2025, 6, 3, 8, 0)


@pytest.mark.parametrize(("state", "opens", "closes"), [
    ("FL", "08:00", "20:00"), ("MD", "08:00", "20:00"), ("OK", "08:00", "20:00"), ("NJ", "08:00", "20:00"),
    ("CT", "09:00", "20:00"), ("NY", "08:00", "21:00"),
])
def test_states_with_stricter_rules_get_their_own_window(state, opens, closes):
    patient = PatientFactory(state=state, time_zone="America/New_York")
    window = quiet_hours.window_for(patient=patient, policy=MessagingPolicy.current())
    assert (f"{window.start:%H:%M}", f"{window.end:%H:%M}") == (opens, closes)


def test_a_florida_patient_is_not_texted_after_8_pm_and_the_clinic_can_change_a_state_rule():
    policy = MessagingPolicy.current()
    floridian = PatientFactory(state="FL", time_zone="America/New_York")
    window = quiet_hours.window_for(patient=floridian, policy=policy)
    assert quiet_hours.next_allowed(ny(2025, 6, 3, 20, 30), window) == ny(2025, 6, 4, 8, 0)
    policy.quiet_hours_by_state["FL"] = ["09:00", "19:00"]
    policy.full_clean()
    assert quiet_hours.window_for(patient=floridian, policy=policy).describe() == "09:00-19:00 America/New_York"


def test_a_text_whose_window_opens_only_after_the_visit_started_is_dropped_at_send_time(new_yorker, manhattan):
    with time_machine.travel(ny(2025, 6, 2, 12), tick=False) as clock:
        appointment = book(patient=new_yorker, location=manhattan, start=ny(2025, 6, 4, 7, 30))
        clock.move_to(ny(2025, 6, 4, 6, 0))
        rows(appointment, kind="reminder_24h").update(next_attempt_at=ny(2025, 6, 4, 6, 0), status=M.PLANNED)
        run_dispatcher()
    reminder = rows(appointment, kind="reminder_24h").get()
    assert (reminder.status, reminder.status_reason) == (
        M.DROPPED, "Now outside the texting window (08:00-21:00 America/New_York), which opens only after the visit starts.")
