import datetime as dt

import pytest
import time_machine
from django.db import transaction

from config.celery import app
from core.errors import Conflict, Forbidden, NotFound, Unprocessable
from scheduling import hooks
from scheduling.models import Allocation, Appointment, AppointmentEvent, AppointmentStatus as S, ResourceKind
from scheduling.services.booking import book_appointment, convert_hold
from scheduling.services.holds import hold_slot
from scheduling.services.housekeeping import expire_lapsed_holds
from tests.factories import PhaseFactory, ServiceFactory, StaffMemberFactory, video_therapy_service, weekly_hours

from .conftest import at, NOW

pytestmark = pytest.mark.django_db


def book(clinic, patient, start, **kwargs):
    return book_appointment(patient=patient, service=clinic.service, location=clinic.location, start=start,
                            actor=kwargs.pop("actor", patient.user), **kwargs)


def hold(clinic, patient, start, **kwargs):
    return hold_slot(patient=patient, service=clinic.service, location=clinic.location, start=start,
                     actor=kwargs.pop("actor", patient.user), **kwargs)


def test_a_booking_holds_the_chair_and_nurse_the_plan_assigned_and_is_on_record(clinic, people, frozen):
    appointment = book(clinic, people.ana, at(9))
    assert appointment.status == S.BOOKED and appointment.end == at(10, 25)
    rows = {(a.staff_id, a.resource_id, a.exclusive) for a in appointment.allocations.all()}
    assert (clinic.nurse.id, None, True) in rows and (None, clinic.chair.id, True) in rows
    event = AppointmentEvent.objects.get(appointment=appointment)
    assert (event.action, event.from_status, event.to_status, event.actor) == ("booked", "", S.BOOKED, people.ana.user)


def test_a_taken_chair_is_a_409_naming_when_and_the_chair_to_the_desk_only(clinic, people, frozen):
    book(clinic, people.ana, at(9))
    with pytest.raises(Conflict) as err:
        book(clinic, people.ben, at(9, 30))
    assert err.value.code == "slot_taken"
    assert err.value.detail == "No infusion chair is free Mon 10 Mar 2025 09:30-10:55 MST."  # a patient: no names
    with pytest.raises(Conflict) as err:
        book(clinic, people.ben, at(9, 30), actor=people.desk)
    assert err.value.detail == "Chair 1 is taken Mon 10 Mar 2025 09:00-10:25 MST."
    assert Appointment.objects.filter(patient=people.ben).count() == 0


def test_a_taken_chair_is_named_for_the_whole_visit_that_holds_it_however_long_ago_it_began(clinic, people, frozen):
    # A six-hour ketamine-assisted session keeps the chair in two phases; the infusion asked for
    # at 12:30 collides only with the second, yet the answer names the whole visit.
    long_visit = ServiceFactory(name="Extended session", code="extended", is_dosing=False,
                                locations=[clinic.location])
    for order, name in ((1, "Dosing"), (2, "Recovery")):
        PhaseFactory(service=long_visit, order=order, name=name, duration_minutes=180,
                     resource_kind=ResourceKind.INFUSION_CHAIR)
    book_appointment(patient=people.ana, service=long_visit, location=clinic.location, start=at(7),
                     actor=people.ana.user)
    with pytest.raises(Conflict) as err:
        book(clinic, people.ben, at(12, 30))
    assert err.value.detail == "No infusion chair is free Mon 10 Mar 2025 12:30-13:55 MST."
    with pytest.raises(Conflict) as err:  # the desk reads the chair and the whole visit holding it
        book_appointment(patient=people.ben, service=clinic.service, location=clinic.location, start=at(12, 30),
                         actor=people.desk)
    assert err.value.detail == "Chair 1 is taken Mon 10 Mar 2025 07:00-13:00 MST."


def test_a_rule_the_engine_enforces_is_a_422(clinic, people, frozen):
    clinic.service.min_notice_minutes = 60 * 24 * 30
    clinic.service.save()
    with pytest.raises(Unprocessable) as err:
        book(clinic, people.ana, at(9))
    assert err.value.code == "min_notice"


def test_the_desk_overrides_minimum_notice_with_a_recorded_reason(clinic, people, frozen):
    clinic.service.min_notice_minutes = 60 * 24 * 30
    clinic.service.save()
    appointment = book(clinic, people.ana, at(9), actor=people.desk, channel="phone",
                       override_reason="Prescriber asked for this week")
    event = appointment.events.get()
    assert event.reason == "Prescriber asked for this week" and event.data["override"] is True


def test_an_override_never_books_over_a_conflict(clinic, people, frozen):
    book(clinic, people.ana, at(9))
    with pytest.raises(Conflict):
        book(clinic, people.ben, at(9), actor=people.desk, override_reason="VIP")


def test_a_patient_cannot_override_booking_rules(clinic, people, frozen):
    with pytest.raises(Forbidden):
        book(clinic, people.ana, at(9), override_reason="please")


def test_the_desk_books_a_staff_only_service_under_the_normal_rules(clinic, people, frozen):
    clinic.service.bookable_online = False
    clinic.service.save()
    with pytest.raises(Unprocessable) as err:
        book(clinic, people.ana, at(9))
    assert err.value.code == "staff_only"
    assert book(clinic, people.ana, at(9), actor=people.desk).status == S.BOOKED


def test_a_live_hold_makes_the_time_busy_for_everyone_else(clinic, people, frozen):
    held = hold(clinic, people.ana, at(9))
    assert held.status == S.HELD and held.hold_expires_at == NOW + dt.timedelta(minutes=5)
    assert set(held.allocations.values_list("hold_expires_at", flat=True)) == {held.hold_expires_at}
    with pytest.raises(Conflict):
        book(clinic, people.ben, at(9))


def test_a_hold_converts_into_the_booking_in_place(clinic, people, frozen):
    held = hold(clinic, people.ana, at(9))
    booked = convert_hold(hold=held, patient=people.ana, actor=people.ana.user)
    assert booked.pk == held.pk and booked.status == S.BOOKED and booked.hold_expires_at is None
    assert not Allocation.objects.filter(appointment=booked, hold_expires_at__isnull=False).exists()
    assert list(booked.events.values_list("action", flat=True)) == ["held", "booked"]


def test_a_hold_cannot_be_converted_for_another_patient(clinic, people, frozen):
    held = hold(clinic, people.ana, at(9))
    with pytest.raises(NotFound):
        convert_hold(hold=held, patient=people.ben, actor=people.ben.user)


def test_a_lapsed_hold_cannot_be_converted(clinic, people, frozen):
    held = hold(clinic, people.ana, at(9))
    frozen.shift(dt.timedelta(minutes=5, seconds=1))
    with pytest.raises(Conflict) as err:
        convert_hold(hold=held, patient=people.ana, actor=people.ana.user)
    assert err.value.code == "hold_expired"


def test_a_lapsed_hold_frees_the_time_without_any_job_running(clinic, people, frozen):
    held = hold(clinic, people.ana, at(9))
    frozen.shift(dt.timedelta(minutes=6))
    taken = book(clinic, people.ben, at(9))
    held.refresh_from_db()
    assert taken.status == S.BOOKED
    assert held.status == S.EXPIRED and not held.allocations.exists()
    assert held.events.last().action == "expired"


def test_housekeeping_marks_lapsed_holds_expired_and_leaves_live_ones(clinic, people, frozen):
    lapsed = hold(clinic, people.ana, at(9))
    frozen.shift(dt.timedelta(minutes=4))
    live = hold(clinic, people.ben, at(12))
    frozen.shift(dt.timedelta(minutes=2))
    assert expire_lapsed_holds() == 1
    lapsed.refresh_from_db()
    live.refresh_from_db()
    assert (lapsed.status, live.status) == (S.EXPIRED, S.HELD)
    assert not lapsed.allocations.exists() and live.allocations.exists()


def test_hold_minutes_is_a_setting(clinic, people, frozen, settings):
    settings.HOLD_MINUTES = 10
    assert hold(clinic, people.ana, at(9)).hold_expires_at == NOW + dt.timedelta(minutes=10)


def test_every_change_tells_the_apps_above_inside_the_transaction(clinic, people, frozen, monkeypatch):
    seen = []
    monkeypatch.setattr(hooks, "_changed", [])  # only this test's listener
    hooks.on_appointment_changed(lambda appointment, action, new, now: seen.append(
        (appointment.status, action, new, transaction.get_connection().in_atomic_block)))
    held = hold(clinic, people.ana, at(9))
    convert_hold(hold=held, patient=people.ana, actor=people.ana.user)
    assert seen == [(S.HELD, "held", True, True), (S.BOOKED, "booked", False, True)]


def test_a_video_visit_is_stored_without_a_location(db, people):
    therapist = StaffMemberFactory(display_name="Dr Lee", roles=["therapist"], time_zone="America/Phoenix")
    weekly_hours(staff=therapist)
    service = video_therapy_service()
    with time_machine.travel(NOW, tick=False):
        appointment = book_appointment(patient=people.ana, service=service, location=None, start=at(10),
                                       actor=people.ana.user)
    assert appointment.location is None and appointment.modality == "video"
    assert list(appointment.allocations.values_list("staff_id", flat=True)) == [therapist.id]


def test_housekeeping_runs_from_celery_beat():
    tasks = {entry["task"] for entry in app.conf.beat_schedule.values()}
    assert "scheduling.expire_lapsed_holds" in tasks
