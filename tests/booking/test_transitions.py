import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from core.errors import Conflict, Forbidden, Unprocessable
from scheduling.models import Appointment, AppointmentEvent, AppointmentStatus as S
from scheduling.services import transitions
from scheduling.services.booking import book_appointment, convert_hold, reschedule_appointment
from scheduling.services.holds import hold_slot

from .conftest import at

pytestmark = pytest.mark.django_db


@pytest.fixture
def booked(clinic, people, frozen):
    return book_appointment(patient=people.ana, service=clinic.service, location=clinic.location, start=at(9),
                            actor=people.ana.user)


def move_to(appointment: Appointment, status: str, frozen, people):
    """Walk an appointment to `status` through the services."""
    desk = people.desk
    if status in (S.CHECKED_IN, S.COMPLETED):
        frozen.move_to(appointment.start - dt.timedelta(minutes=15))
        transitions.check_in(appointment=appointment, actor=desk)
    if status == S.COMPLETED:
        frozen.move_to(appointment.start + dt.timedelta(minutes=90))
        transitions.complete(appointment=appointment, actor=desk)
    if status == S.CANCELLED:
        transitions.cancel_appointment(appointment=appointment, actor=desk, reason="Clinic closed")
    if status == S.NO_SHOW:
        frozen.move_to(appointment.start + dt.timedelta(minutes=20))
        transitions.mark_no_show(appointment=appointment, actor=desk)
    if status == S.RESCHEDULED:
        reschedule_appointment(appointment=appointment, start=at(13), actor=desk)
    appointment.refresh_from_db()
    assert appointment.status == status
    return appointment


def test_the_happy_path_is_booked_checked_in_completed_each_on_record(booked, people, frozen):
    frozen.move_to(booked.start - dt.timedelta(minutes=10))
    transitions.check_in(appointment=booked, actor=people.desk)
    frozen.move_to(booked.end)
    transitions.complete(appointment=booked, actor=people.nurse)
    booked.refresh_from_db()
    assert booked.status == S.COMPLETED
    assert [(e.action, e.from_status, e.to_status) for e in booked.events.all()] == [
        ("booked", "", S.BOOKED), ("checked_in", S.BOOKED, S.CHECKED_IN), ("completed", S.CHECKED_IN, S.COMPLETED)]
    assert booked.allocations.exists()  # a completed visit stays on the calendar's history


ILLEGAL = [
    (S.BOOKED, "complete"),
    (S.CHECKED_IN, "cancel"), (S.CHECKED_IN, "check_in"), (S.CHECKED_IN, "no_show"),
    (S.COMPLETED, "cancel"), (S.COMPLETED, "check_in"), (S.COMPLETED, "complete"),
    (S.CANCELLED, "check_in"), (S.CANCELLED, "cancel"), (S.CANCELLED, "no_show"), (S.CANCELLED, "complete"),
    (S.NO_SHOW, "check_in"), (S.NO_SHOW, "complete"), (S.NO_SHOW, "cancel"),
    (S.RESCHEDULED, "check_in"), (S.RESCHEDULED, "cancel"), (S.RESCHEDULED, "reschedule"),
]


@pytest.mark.parametrize(("status", "action"), ILLEGAL)
def test_an_illegal_transition_is_a_409_naming_from_and_to(booked, people, frozen, status, action):
    appointment = move_to(booked, status, frozen, people)
    calls = {
        "cancel": lambda: transitions.cancel_appointment(appointment=appointment, actor=people.desk),
        "check_in": lambda: transitions.check_in(appointment=appointment, actor=people.desk),
        "no_show": lambda: transitions.mark_no_show(appointment=appointment, actor=people.desk),
        "complete": lambda: transitions.complete(appointment=appointment, actor=people.desk),
        "reschedule": lambda: reschedule_appointment(appointment=appointment, start=at(15), actor=people.desk),
    }
    events_before = appointment.events.count()
    with pytest.raises(Conflict) as err:
        calls[action]()
    assert err.value.code == "illegal_transition"
    assert err.value.extra["from_status"] == status
    assert f"from {S(status).label.lower()} to" in err.value.detail
    appointment.refresh_from_db()
    assert appointment.status == status and appointment.events.count() == events_before


def test_a_cancellation_frees_the_time_at_once(booked, clinic, people):
    transitions.cancel_appointment(appointment=booked, actor=people.desk, reason="Clinic closed")
    booked.refresh_from_db()
    assert (booked.status, booked.cancelled_by, booked.cancel_reason) == (S.CANCELLED, "clinic", "Clinic closed")
    assert not booked.allocations.exists()
    again = book_appointment(patient=people.ben, service=clinic.service, location=clinic.location, start=at(9),
                             actor=people.ben.user)
    assert again.status == S.BOOKED


def test_a_patient_cancels_before_the_window_without_it_being_late(booked, people, frozen):
    frozen.move_to(booked.start - dt.timedelta(hours=24, minutes=1))
    transitions.cancel_appointment(appointment=booked, actor=people.ana.user, reason="Feeling better")
    booked.refresh_from_db()
    assert (booked.status, booked.cancelled_by, booked.late_cancellation) == (S.CANCELLED, "patient", False)


def test_inside_the_window_a_patient_is_sent_to_the_desk(booked, people, frozen):
    frozen.move_to(booked.start - dt.timedelta(hours=23, minutes=59))
    with pytest.raises(Unprocessable) as err:
        transitions.cancel_appointment(appointment=booked, actor=people.ana.user)
    assert err.value.code == "cancellation_window_passed"
    assert "24 hours" in err.value.detail and "call the clinic" in err.value.detail
    booked.refresh_from_db()
    assert booked.status == S.BOOKED


def test_the_desk_cancelling_for_the_patient_inside_the_window_flags_it_late(booked, people, frozen):
    frozen.move_to(booked.start - dt.timedelta(hours=3))
    transitions.cancel_appointment(appointment=booked, actor=people.desk, cancelled_by="patient", reason="Called in")
    booked.refresh_from_db()
    assert (booked.cancelled_by, booked.late_cancellation) == ("patient", True)
    assert booked.events.last().data == {"cancelled_by": "patient", "late_cancellation": True}


def test_a_cancellation_by_the_clinic_is_never_late(booked, people, frozen):
    frozen.move_to(booked.start - dt.timedelta(hours=1))
    transitions.cancel_appointment(appointment=booked, actor=people.desk, reason="Nurse ill")
    booked.refresh_from_db()
    assert (booked.cancelled_by, booked.late_cancellation) == ("clinic", False)


def test_the_window_follows_the_service_setting(clinic, people, frozen):
    clinic.service.cancellation_window_hours = 48
    clinic.service.save()
    appointment = book_appointment(patient=people.ana, service=clinic.service, location=clinic.location,
                                   start=at(9), actor=people.ana.user)
    frozen.move_to(appointment.start - dt.timedelta(hours=30))
    with pytest.raises(Unprocessable):
        transitions.cancel_appointment(appointment=appointment, actor=people.ana.user)


def test_a_no_show_only_after_the_start_and_it_frees_the_chair(booked, people, frozen):
    frozen.move_to(booked.start - dt.timedelta(minutes=1))
    with pytest.raises(Unprocessable) as err:
        transitions.mark_no_show(appointment=booked, actor=people.desk)
    assert err.value.code == "too_early_for_no_show"
    frozen.move_to(booked.start + dt.timedelta(minutes=15))
    transitions.mark_no_show(appointment=booked, actor=people.desk, reason="No answer by phone")
    booked.refresh_from_db()
    assert booked.status == S.NO_SHOW and not booked.allocations.exists()
    assert booked.events.last().reason == "No answer by phone"


def test_a_hold_can_be_released_or_expire_but_not_checked_in(clinic, people, frozen):
    held = hold_slot(patient=people.ana, service=clinic.service, location=clinic.location, start=at(9),
                     actor=people.ana.user)
    with pytest.raises(Conflict):
        transitions.check_in(appointment=held, actor=people.desk)
    transitions.cancel_appointment(appointment=held, actor=people.ana.user)
    held.refresh_from_db()
    assert held.status == S.CANCELLED and held.late_cancellation is False and not held.allocations.exists()


def test_a_reschedule_moves_the_visit_and_points_old_to_new(booked, clinic, people):
    new = reschedule_appointment(appointment=booked, start=at(13), actor=people.ana.user, reason="Work")
    booked.refresh_from_db()
    assert (booked.status, booked.rescheduled_to_id) == (S.RESCHEDULED, new.pk)
    assert not booked.allocations.exists()
    assert (new.status, new.start, new.patient_id) == (S.BOOKED, at(13), people.ana.pk)
    assert new.allocations.filter(resource=clinic.chair).exists()
    assert booked.events.last().data["rescheduled_to"] == new.pk
    assert new.events.get().data["rescheduled_from"] == booked.pk


def test_a_reschedule_may_overlap_its_own_old_time_on_the_same_chair(booked, people):
    new = reschedule_appointment(appointment=booked, start=at(9, 30), actor=people.desk)
    assert new.start == at(9, 30)


def test_a_reschedule_to_a_taken_time_leaves_the_old_booking_untouched(booked, clinic, people):
    other = book_appointment(patient=people.ben, service=clinic.service, location=clinic.location, start=at(13),
                             actor=people.ben.user)
    before = list(booked.allocations.order_by("pk").values_list("start", "end", "staff_id", "resource_id"))
    with pytest.raises(Conflict) as err:
        reschedule_appointment(appointment=booked, start=at(13), actor=people.ana.user)
    assert err.value.code == "slot_taken"
    booked.refresh_from_db()
    assert booked.status == S.BOOKED and booked.rescheduled_to is None
    assert list(booked.allocations.order_by("pk").values_list("start", "end", "staff_id", "resource_id")) == before
    assert list(booked.events.values_list("action", flat=True)) == ["booked"]
    assert Appointment.objects.count() == 2 and other.status == S.BOOKED


def test_a_patient_cannot_move_a_visit_inside_the_window(booked, people, frozen):
    frozen.move_to(booked.start - dt.timedelta(hours=2))
    with pytest.raises(Unprocessable) as err:
        reschedule_appointment(appointment=booked, start=at(13), actor=people.ana.user)
    assert err.value.code == "cancellation_window_passed"


def test_every_change_is_on_record_with_who_when_from_to_and_why(clinic, people, frozen):
    held = hold_slot(patient=people.ana, service=clinic.service, location=clinic.location, start=at(9),
                     actor=people.ana.user)
    booked = convert_hold(hold=held, patient=people.ana, actor=people.ana.user)
    moved = reschedule_appointment(appointment=booked, start=at(13), actor=people.desk, reason="Patient called")
    frozen.move_to(moved.start + dt.timedelta(minutes=30))
    transitions.mark_no_show(appointment=moved, actor=people.nurse, reason="Did not arrive")
    rows = list(AppointmentEvent.objects.order_by("pk").values_list(
        "appointment_id", "action", "actor", "actor_kind", "from_status", "to_status", "reason"))
    assert rows == [
        (held.pk, "held", people.ana.user.pk, "patient", "", S.HELD, ""),
        (held.pk, "booked", people.ana.user.pk, "patient", S.HELD, S.BOOKED, ""),
        (held.pk, "rescheduled", people.desk.pk, "staff", S.BOOKED, S.RESCHEDULED, "Patient called"),
        (moved.pk, "booked", people.desk.pk, "staff", "", S.BOOKED, "Patient called"),
        (moved.pk, "no_show", people.nurse.pk, "staff", S.BOOKED, S.NO_SHOW, "Did not arrive"),
    ]
    assert all(e.at is not None for e in AppointmentEvent.objects.all())


# --- Time rules: check-in opens shortly before the start, completion waits for it ------------

def test_check_in_opens_an_hour_before_the_start_unless_the_site_says_otherwise(booked, people, frozen):
    frozen.move_to(booked.start - dt.timedelta(minutes=61))
    with pytest.raises(Unprocessable) as err:
        transitions.check_in(appointment=booked, actor=people.desk)
    assert err.value.code == "too_early_for_check_in"
    assert err.value.extra["opens_at"] == (booked.start - dt.timedelta(hours=1)).isoformat()
    assert "opens at Mon 10 Mar 2025 08:00 MST, 1 hour before it starts" in err.value.detail  # the site's zone
    frozen.move_to(booked.start - dt.timedelta(minutes=60))
    transitions.check_in(appointment=booked, actor=people.desk)
    booked.refresh_from_db()
    assert booked.status == S.CHECKED_IN
    assert booked.events.last().data == {} and booked.events.last().reason == ""


def test_a_site_sets_its_own_check_in_window(clinic, booked, people, frozen):
    clinic.location.check_in_opens_minutes = 15
    clinic.location.save()
    frozen.move_to(booked.start - dt.timedelta(minutes=20))
    with pytest.raises(Unprocessable) as err:
        transitions.check_in(appointment=booked, actor=people.desk)
    assert "08:45 MST, 15 minutes before" in err.value.detail
    frozen.move_to(booked.start - dt.timedelta(minutes=15))
    assert transitions.check_in(appointment=booked, actor=people.desk).status == S.CHECKED_IN


@pytest.mark.parametrize("minutes", [-1, 1441])
def test_a_check_in_window_outside_0_to_1440_minutes_is_refused(clinic, minutes):
    clinic.location.check_in_opens_minutes = minutes
    with pytest.raises(ValidationError) as err:
        clinic.location.full_clean()
    assert "check_in_opens_minutes" in err.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        clinic.location.save()


def test_the_desk_checks_in_early_with_a_reason_kept_on_the_event(booked, people, frozen):
    transitions.check_in(appointment=booked, actor=people.desk, override_reason="Patient arrived a day early")
    booked.refresh_from_db()
    event = booked.events.last()
    assert (booked.status, event.reason) == (S.CHECKED_IN, "Patient arrived a day early")
    assert event.data == {"overridden_time_rule": "too_early_for_check_in"}


def test_a_patient_can_never_override_the_check_in_window(booked, people, frozen):
    with pytest.raises(Forbidden):
        transitions.check_in(appointment=booked, actor=people.ana.user, override_reason="I am here already")
    booked.refresh_from_db()
    assert booked.status == S.BOOKED


def test_completing_waits_for_the_start_unless_the_desk_gives_a_reason(booked, people, frozen):
    frozen.move_to(booked.start - dt.timedelta(minutes=30))
    transitions.check_in(appointment=booked, actor=people.desk)
    frozen.move_to(booked.start - dt.timedelta(seconds=1))
    with pytest.raises(Unprocessable) as err:
        transitions.complete(appointment=booked, actor=people.nurse)
    assert err.value.code == "too_early_to_complete"
    assert "starts at Mon 10 Mar 2025 09:00 MST" in err.value.detail
    booked.refresh_from_db()
    assert booked.status == S.CHECKED_IN
    transitions.complete(appointment=booked, actor=people.desk, override_reason="Visit moved up; chart closed early")
    booked.refresh_from_db()
    event = booked.events.last()
    assert (booked.status, event.reason, event.data) == (
        S.COMPLETED, "Visit moved up; chart closed early", {"overridden_time_rule": "too_early_to_complete"})


def test_a_visit_is_completed_from_its_start(booked, people, frozen):
    frozen.move_to(booked.start - dt.timedelta(minutes=30))
    transitions.check_in(appointment=booked, actor=people.desk)
    frozen.move_to(booked.start)
    assert transitions.complete(appointment=booked, actor=people.nurse).status == S.COMPLETED
