"""Texts of video visits reach patients whose texting window opens late: a join link is of use
until the visit ends, and a reminder that would fall before the window opens on an early visit
goes late in the window before. Times offered to a patient outside their window are marked."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine

from notifications import texting_window
from notifications.models import MessageStatus as M, MessagingPolicy
from tests.factories import PatientFactory
from tests.notifications.conftest import book, rows, run_dispatcher, texts_to

LA = ZoneInfo("America/Los_Angeles")
NY = ZoneInfo("America/New_York")
PHX = ZoneInfo("America/Phoenix")
pytestmark = pytest.mark.django_db


def at(zone, day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2025, 6, day, hour, minute, tzinfo=zone).astimezone(dt.UTC)


@pytest.fixture
def angeleno():
    return PatientFactory(
        phone="+13105550123", email="", time_zone="America/Los_Angeles", state="CA", language="en", sms_consent=True
    )


@pytest.fixture
def phoenician():
    return PatientFactory(
        phone="+16025550177", email="", time_zone="America/Phoenix", state="AZ", language="en", sms_consent=True
    )


def test_the_8_am_los_angeles_video_visit_gets_its_join_link_at_8(angeleno):
    with time_machine.travel(at(LA, 2, 12), tick=False) as clock:
        visit = book(patient=angeleno, video=True, start=at(LA, 4, 8), minutes=50)
        link = rows(visit, kind="join_link").get()
        assert (link.status, link.due_at) == (M.PLANNED, at(LA, 4, 8))  # due 7:45, the window opens at 8:00
        assert (
            link.status_reason
            == "Due outside the texting window (08:00-21:00 America/Los_Angeles): held until it opens."
        )
        clock.move_to(at(LA, 4, 7, 59))
        run_dispatcher()
        assert not any("/j/" in text for text in texts_to("+13105550123"))
        clock.move_to(at(LA, 4, 8))
        run_dispatcher()
    link.refresh_from_db()
    assert (link.status, link.sent_at, link.status_reason) == (M.SENT, at(LA, 4, 8), "")  # the hold is over
    assert "video visit at 8:00 AM PDT: https://clinic.example/j/" in texts_to("+13105550123")[-1]


def test_a_join_link_held_at_send_time_goes_when_the_window_opens_during_the_visit(angeleno):
    with time_machine.travel(at(LA, 2, 12), tick=False) as clock:
        visit = book(patient=angeleno, video=True, start=at(LA, 4, 7, 30), minutes=60)
        link = rows(visit, kind="join_link").get()
        assert (link.status, link.due_at) == (M.PLANNED, at(LA, 4, 8))
        # A backlog hands it to a worker at 7:40: it waits for 8:00 rather than being dropped.
        rows(visit, kind="join_link").update(next_attempt_at=at(LA, 4, 7, 40))
        clock.move_to(at(LA, 4, 7, 40))
        run_dispatcher()
        link.refresh_from_db()
        assert (link.status, link.next_attempt_at) == (M.PLANNED, at(LA, 4, 8))
        assert link.status_reason == (
            "Now outside the texting window (08:00-21:00 America/Los_Angeles): held until it opens."
        )
        clock.move_to(at(LA, 4, 8))
        run_dispatcher()
    link.refresh_from_db()
    assert (link.status, link.status_reason) == (M.SENT, "")


def test_a_join_link_whose_window_opens_only_after_the_visit_ends_is_dropped_with_the_reason(angeleno):
    with time_machine.travel(at(LA, 2, 12), tick=False):
        visit = book(patient=angeleno, video=True, start=at(LA, 4, 6), minutes=60)
    link = rows(visit, kind="join_link").get()
    assert link.status == M.DROPPED
    assert link.status_reason == (
        "Due outside the texting window (08:00-21:00 America/Los_Angeles), which opens only after the visit ends."
    )


def test_the_early_cross_zone_video_visit_gets_its_reminder_the_evening_before(phoenician):
    # A New York clinician's 9:00 is 6:00 in Phoenix; booked the day before, after the 24 h
    # reminder's time, so the 2 h reminder (due 4:00) is the only one.
    start = at(NY, 4, 9)
    assert start == at(PHX, 4, 6)
    with time_machine.travel(at(PHX, 3, 10), tick=False) as clock:
        visit = book(patient=phoenician, video=True, start=start, minutes=50)
        reminder = rows(visit, kind="reminder_2h").get()
        assert (reminder.status, reminder.due_at) == (M.PLANNED, at(PHX, 3, 20, 30))
        assert "moved to the window before" in reminder.status_reason
        assert not rows(visit, kind="reminder_24h").exists()
        clock.move_to(at(PHX, 3, 10, 5))
        run_dispatcher()  # the confirmation
        clock.move_to(at(PHX, 3, 20, 30))
        run_dispatcher()
    reminder.refresh_from_db()
    assert (reminder.status, reminder.status_reason) == (M.SENT, "")
    assert texts_to("+16025550177")[-1].startswith("Clearday Clinic: reminder of your visit Wed Jun 4, 6:00 AM MST")


def test_an_evening_reminder_is_not_planned_on_top_of_the_confirmation(phoenician):
    with time_machine.travel(at(PHX, 3, 20, 15), tick=False):
        visit = book(patient=phoenician, video=True, start=at(PHX, 4, 6), minutes=50)
    assert not rows(visit, kind="reminder_2h").exclude(status=M.DROPPED).exists()


def test_an_early_in_person_visit_still_drops_its_2h_reminder(phoenician):
    with time_machine.travel(at(PHX, 3, 10), tick=False):
        visit = book(patient=phoenician, start=at(PHX, 4, 7))
    assert rows(visit, kind="reminder_2h").get().status == M.DROPPED


# --- Times offered to a patient -------------------------------------------------------------


def test_a_video_time_is_outside_the_texting_window_when_no_text_can_reach_the_patient_before_it_ends(phoenician):
    policy = MessagingPolicy.current()
    outside = texting_window.video_times_outside(
        patient=phoenician,
        policy=policy,
        times=[
            (at(PHX, 4, 6), at(PHX, 4, 7)),  # over before the window opens at 8:00
            (at(PHX, 4, 7, 30), at(PHX, 4, 8, 30)),  # the window opens during it: the link goes at 8:00
            (at(PHX, 4, 10), at(PHX, 4, 11)),
            (at(PHX, 4, 21), at(PHX, 4, 22)),  # the link goes at 20:45, before the window closes
            (at(PHX, 4, 21, 30), at(PHX, 4, 22, 30)),  # due 21:15: the window is shut until the next morning
        ],
    )
    assert outside == [True, False, False, False, True]
    assert texting_window.video_times_outside(patient=None, policy=policy, times=[(at(PHX, 4, 6), at(PHX, 4, 7))]) == [
        False
    ]  # nobody to text yet: nothing to say
