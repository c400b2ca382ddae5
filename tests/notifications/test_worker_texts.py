"""Texts that must reach the patient, end to end: planned here, sent by a real Celery worker
(subprocess) through the Twilio SDK to the fake Twilio server.

The worker runs on the real clock (time_machine cannot reach another process). So each test
plans under a frozen clock and then lets the worker send at the real time: either the scenario is
placed at the real time (a patient whose clock reads 8 now), or, where the worker's part is only
to send what planning kept, the row is made due now inside a widened window, as in test_worker.
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.utils import timezone

from notifications.models import MessageStatus as M, MessagingPolicy
from notifications.tasks import dispatch_due_messages
from scheduling.models import AppointmentStatus as S
from tests.celery_worker import fake_twilio, twilio_worker, wait_for  # noqa: F401  (fixtures)
from tests.factories import LocationFactory, PatientFactory
from tests.notifications.conftest import book, change, rows

pytestmark = [pytest.mark.redis, pytest.mark.django_db(transaction=True)]
LATER = dt.timedelta(days=30)


def zone_where_it_is(hour: int, now: dt.datetime) -> str:
    """A fixed-offset zone whose clock now reads `hour` o'clock (Etc/GMT-k is UTC+k)."""
    offset = (hour - now.hour) % 24
    offset = offset - 24 if offset > 14 else offset
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{-offset:+d}"


def whole_day_window() -> None:
    policy = MessagingPolicy.current()
    policy.quiet_start, policy.quiet_end = dt.time(0), dt.time(23, 59, 59)
    policy.save()


def test_the_8_am_video_visit_gets_its_join_link_from_the_worker_at_8(twilio_worker, fake_twilio):
    # Los Angeles in winter is UTC-8; any zone where it is now 8:xx is the same case: the visit
    # starts at 8:00, the link is due at 7:45, and the default window (8:00-21:00) opens at 8:00.
    now = timezone.now()
    zone = zone_where_it_is(8, now)
    start = now.replace(minute=0, second=0, microsecond=0)
    assert start.astimezone(ZoneInfo(zone)).strftime("%H:%M") == "08:00"
    patient = PatientFactory(phone="+13105550188", email="", time_zone=zone, state="", sms_consent=True)
    with time_machine.travel(start - dt.timedelta(hours=20), tick=False):
        visit = book(patient=patient, video=True, start=start, minutes=90)
    link = rows(visit, kind="join_link").get()
    assert (link.status, link.due_at) == (M.PLANNED, start)
    rows(visit).exclude(kind="join_link").update(next_attempt_at=now + LATER)

    dispatch_due_messages.delay()

    [received] = wait_for(lambda: fake_twilio.sent_to("+13105550188"), what="the join link to reach fake Twilio")
    assert "video visit at 8:00 AM" in received["body"] and "/j/" in received["body"]
    link = wait_for(lambda: rows(visit, kind="join_link", status=M.DELIVERED).first(), what="its delivery receipt")
    assert (link.body, link.status_reason) == (received["body"], "")


def test_the_early_cross_zone_video_visit_gets_its_reminder_from_the_worker(twilio_worker, fake_twilio):
    # A New York clinician's 9:00 (EDT) is 6:00 in Phoenix: the 2 h reminder, due at 4:00, would
    # wait for a window that opens after the visit; it goes at 20:30 the evening before.
    # Booked at noon two days ahead: booked after the window shuts, the confirmation would wait
    # for the next morning and, with the day's two reminders, meet the limit of two texts a day.
    phx = ZoneInfo("America/Phoenix")
    now = timezone.now()
    day = (now.astimezone(phx) + dt.timedelta(days=2)).date()
    start = dt.datetime.combine(day, dt.time(6), tzinfo=phx).astimezone(dt.UTC)
    patient = PatientFactory(phone="+16025550166", email="", time_zone="America/Phoenix", state="AZ", sms_consent=True)
    with time_machine.travel(dt.datetime.combine(day - dt.timedelta(days=2), dt.time(12), tzinfo=phx), tick=False):
        visit = book(patient=patient, video=True, start=start, minutes=50)
    reminder = rows(visit, kind="reminder_2h").get()
    evening = dt.datetime.combine(day - dt.timedelta(days=1), dt.time(20, 30), tzinfo=phx).astimezone(dt.UTC)
    assert (reminder.status, reminder.due_at) == (M.PLANNED, evening)
    # The worker's part: send it when it is due (made due now, inside a window widened for the test).
    whole_day_window()
    rows(visit).exclude(kind="reminder_2h").update(next_attempt_at=now + LATER)
    rows(visit, kind="reminder_2h").update(next_attempt_at=timezone.now())

    dispatch_due_messages.delay()

    [received] = wait_for(lambda: fake_twilio.sent_to("+16025550166"), what="the reminder to reach fake Twilio")
    when = start.astimezone(phx)
    assert received["body"].startswith(f"Clearday Clinic: reminder of your visit {when:%a %b} {when.day}, 6:00 AM MST")


def test_a_move_between_sites_names_the_new_site(twilio_worker, fake_twilio):
    whole_day_window()
    phoenix = LocationFactory(name="Phoenix Central", short_name="Phoenix", time_zone="America/Phoenix", state="AZ")
    san_diego = LocationFactory(name="San Diego", time_zone="America/Los_Angeles", state="CA")
    patient = PatientFactory(phone="+16025550155", email="", time_zone="America/Phoenix", state="AZ", sms_consent=True)
    start = timezone.now().replace(microsecond=0) + dt.timedelta(days=3)
    old = book(patient=patient, location=phoenix, start=start)
    rows(old).exclude(kind="confirmation").update(next_attempt_at=timezone.now() + LATER)
    rows(old, kind="confirmation").update(next_attempt_at=timezone.now())
    dispatch_due_messages.delay()
    [booked] = wait_for(lambda: fake_twilio.sent_to("+16025550155"), what="the confirmation")
    wait_for(lambda: rows(old, kind="confirmation", status__in=(M.SENT, M.DELIVERED)).exists(), what="it recorded")
    assert "at Phoenix." in booked["body"]  # two sites: every confirmation says which

    # The booking service's move: a new visit at the other site, the old one pointing to it.
    new = book(patient=patient, location=san_diego, start=start + dt.timedelta(days=1), service=old.service)
    change(old, status=S.RESCHEDULED, rescheduled_to=new)
    rows(new).exclude(kind="confirmation").update(next_attempt_at=timezone.now() + LATER)
    rows(new, kind="confirmation").update(next_attempt_at=timezone.now())
    dispatch_due_messages.delay()

    booked, moved = wait_for(
        lambda: len(fake_twilio.sent_to("+16025550155")) == 2 and fake_twilio.sent_to("+16025550155"),
        what="the move's confirmation",
    )
    assert "your visit is now at San Diego, " in moved["body"]
    assert len(moved["body"]) <= 160
