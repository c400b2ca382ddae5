"""The rules that decide whether a start is bookable: closures, time off, watch capacity, rooms a
location lacks, notice and horizon boundaries, holds, buffers, filters and who must be on site."""

import datetime as dt

import pytest

from scheduling import catalog
from scheduling.availability import find_slots, plan_slot, SlotUnavailable
from scheduling.models import HoursOverride
from tests.factories import (
    book_slot,
    ClosureFactory,
    HoursOverrideFactory,
    LocationFactory,
    PatientFactory,
    PhaseFactory,
    ResourceFactory,
    StaffMemberFactory,
    video_therapy_service,
    weekly_hours,
    WorkingHoursFactory,
)

from .conftest import MONDAY, NOW

pytestmark = pytest.mark.django_db

PHX = dt.timezone(dt.timedelta(hours=-7))


def at(hour: int, minute: int = 0, day: dt.date = MONDAY) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=PHX)


def starts(clinic, *, day: dt.date = MONDAY, now=NOW, **kwargs) -> list[str]:
    result = find_slots(service=clinic["service"], location=clinic["location"], start=at(0, day=day),
                        end=at(0, day=day + dt.timedelta(days=1)), now=now, **kwargs)
    return [s.start.astimezone(PHX).strftime("%H:%M") for s in result.slots]


def book(clinic, start: dt.datetime, **kwargs):
    slot = plan_slot(service=clinic["service"], location=clinic["location"], start=start, now=NOW)
    return book_slot(slot, service=clinic["service"], location=clinic["location"], **kwargs)


def test_a_holiday_closure_offers_nothing_that_day_and_says_why(iv_clinic):
    ClosureFactory(location=iv_clinic["location"], start_date=MONDAY, end_date=MONDAY, reason="Holiday")
    assert starts(iv_clinic) == []
    assert starts(iv_clinic, day=MONDAY + dt.timedelta(days=1))[:1] == ["09:00"]
    with pytest.raises(SlotUnavailable) as err:
        plan_slot(service=iv_clinic["service"], location=iv_clinic["location"], start=at(9), now=NOW)
    assert (err.value.code, err.value.detail) == ("closed", "Phoenix is closed on Mon 10 Mar 2025 (Holiday).")


def test_the_only_nurse_taking_the_day_off_leaves_no_infusion_slot(iv_clinic):
    HoursOverrideFactory(staff=iv_clinic["nurse"], date=MONDAY, reason="Vacation")
    assert starts(iv_clinic) == []
    with pytest.raises(SlotUnavailable) as err:
        plan_slot(service=iv_clinic["service"], location=iv_clinic["location"], start=at(9), now=NOW)
    assert (err.value.code, err.value.detail) == ("time_off", "Nurse Kim is unavailable on Mon 10 Mar 2025 (Vacation).")


def test_a_few_hours_of_time_off_remove_only_the_visits_that_would_need_the_nurse_then(iv_clinic):
    HoursOverrideFactory(staff=iv_clinic["nurse"], date=MONDAY, start_time=dt.time(10), end_time=dt.time(12))
    offered = starts(iv_clinic)
    # The nurse is needed for the first 55 minutes (set-up and infusion), not for recovery.
    assert "09:00" in offered and "09:15" not in offered and "11:45" not in offered and "12:00" in offered


def test_a_chair_out_of_service_is_skipped_for_the_other_one(iv_clinic):
    chair1, chair2 = iv_clinic["chairs"]
    HoursOverrideFactory(resource=chair1, date=MONDAY, start_time=dt.time(9), end_time=dt.time(12))
    slot = find_slots(service=iv_clinic["service"], location=iv_clinic["location"], start=at(9), end=at(9, 1),
                      now=NOW).slots[0]
    assert slot.resource_ids == [chair2.id]


def test_a_nurse_at_watch_capacity_cannot_take_another_infusion(iv_clinic):
    """Capacity 2: infusions running 9:15-9:55 and 9:30-10:10 fill her watch until 9:55."""
    ResourceFactory(location=iv_clinic["location"], name="Chair 3")
    book(iv_clinic, at(9))
    book(iv_clinic, at(9, 15))
    offered = starts(iv_clinic)
    # 9:30 would infuse from 9:45, a third chair; 9:45 infuses from 10:00, when one has finished.
    assert "09:30" not in offered and "09:45" in offered
    with pytest.raises(SlotUnavailable) as err:
        plan_slot(service=iv_clinic["service"], location=iv_clinic["location"], start=at(9, 30), now=NOW)
    assert err.value.code == "capacity"
    assert err.value.detail == "Nurse Kim is already watching 2 chairs during Mon 10 Mar 2025 09:45-10:25 MST."


def test_a_second_nurse_takes_the_visit_when_the_first_is_at_capacity(iv_clinic):
    ResourceFactory(location=iv_clinic["location"], name="Chair 3")
    other = StaffMemberFactory(display_name="Nurse Ortiz", locations=[iv_clinic["location"]])
    weekly_hours(staff=other)
    book(iv_clinic, at(9))
    book(iv_clinic, at(9, 15))
    slot = plan_slot(service=iv_clinic["service"], location=iv_clinic["location"], start=at(9, 30), now=NOW)
    assert slot.staff_ids == [other.id]


def test_a_phase_needing_a_room_the_location_lacks_offers_nothing_and_says_so(iv_clinic):
    service = iv_clinic["service"]
    PhaseFactory(service=service, order=4, name="Observation", duration_minutes=30, resource_kind="monitoring_room")
    assert starts(iv_clinic) == []
    with pytest.raises(SlotUnavailable) as err:
        plan_slot(service=service, location=iv_clinic["location"], start=at(9), now=NOW)
    assert (err.value.code, err.value.detail) == ("no_resource", "Phoenix has no monitoring room.")


def test_minimum_notice_is_exact_to_the_minute(iv_clinic):
    service = iv_clinic["service"]
    service.min_notice_minutes = 120
    service.save()
    now = at(8)
    assert starts(iv_clinic, now=now)[0] == "10:00"
    assert starts(iv_clinic, now=now + dt.timedelta(seconds=1))[0] == "10:15"
    plan_slot(service=service, location=iv_clinic["location"], start=at(10), now=now)
    with pytest.raises(SlotUnavailable) as err:
        plan_slot(service=service, location=iv_clinic["location"], start=at(9, 45), now=now)
    assert err.value.code == "min_notice"
    assert err.value.detail.startswith("Less than 2 hours' notice")
    # The desk may override notice, never the calendar.
    plan_slot(service=service, location=iv_clinic["location"], start=at(9, 45), now=now, enforce_booking_rules=False)


def test_the_horizon_includes_its_last_instant_and_nothing_after(iv_clinic):
    service = iv_clinic["service"]
    service.horizon_days = 7
    service.save()
    now = at(10, day=MONDAY - dt.timedelta(days=7))
    offered = starts(iv_clinic, now=now)
    assert offered[0] == "09:00" and offered[-1] == "10:00"
    with pytest.raises(SlotUnavailable) as err:
        plan_slot(service=service, location=iv_clinic["location"], start=at(10, 15), now=now)
    assert err.value.code == "horizon"


def test_a_live_hold_is_busy_and_an_expired_one_is_free(iv_clinic):
    iv_clinic["chairs"][1].delete()
    hold = book(iv_clinic, at(9), status="held", hold_expires_at=NOW + dt.timedelta(minutes=5))
    assert "09:30" not in starts(iv_clinic)
    assert "09:30" in starts(iv_clinic, now=NOW + dt.timedelta(minutes=5))
    assert "09:30" in starts(iv_clinic, exclude_appointment_ids=[hold.id])


def test_buffers_keep_the_chair_before_and_after_the_visit(iv_clinic):
    service = iv_clinic["service"]
    service.buffer_before_minutes, service.buffer_after_minutes = 10, 20
    service.save()
    iv_clinic["chairs"][1].delete()
    offered = starts(iv_clinic)
    # Open at 9:00: the set-up buffer pushes the first start to 9:15; the last must end (with 20
    # minutes of cleaning) by 17:00.
    assert offered[0] == "09:15" and offered[-1] == "15:15"
    slot = book(iv_clinic, at(9, 15))
    assert slot.allocations.order_by("start").first().start == at(9, 5)
    # Next visit: after 10:40 recovery, 20 min cleaning, then 10 min set-up buffer -> 11:15.
    assert [s for s in starts(iv_clinic) if s > "09:15"][0] == "11:15"


def test_a_present_role_needs_someone_on_site_but_takes_nothing(iv_clinic):
    service = iv_clinic["service"]
    service.phases.filter(order=1).update(present_role="prescriber")
    assert starts(iv_clinic) == []
    prescriber = StaffMemberFactory(roles=["prescriber"], locations=[iv_clinic["location"]])
    WorkingHoursFactory(staff=prescriber, weekday=MONDAY.weekday(), start_time=dt.time(12), end_time=dt.time(13))
    offered = starts(iv_clinic)
    assert offered == ["12:00", "12:15", "12:30", "12:45"]
    slot = plan_slot(service=service, location=iv_clinic["location"], start=at(12), now=NOW)
    assert prescriber.id not in slot.staff_ids


def test_staff_and_language_filters_pick_the_clinician(iv_clinic):
    spanish = StaffMemberFactory(display_name="Nurse Ortiz", languages=["en", "es"], locations=[iv_clinic["location"]])
    weekly_hours(staff=spanish)
    result = find_slots(service=iv_clinic["service"], location=iv_clinic["location"], start=at(9), end=at(10),
                        language="es", now=NOW)
    assert {pk for s in result.slots for pk in s.staff_ids} == {spanish.id}
    result = find_slots(service=iv_clinic["service"], location=iv_clinic["location"], start=at(9), end=at(10),
                        staff=iv_clinic["nurse"], now=NOW)
    assert {pk for s in result.slots for pk in s.staff_ids} == {iv_clinic["nurse"].id}


def test_staff_hours_named_for_another_location_do_not_count_here(iv_clinic):
    nurse = iv_clinic["nurse"]
    nurse.locations.add(other := LocationFactory(name="Tucson"))
    from scheduling.models import WorkingHours
    WorkingHours.objects.filter(staff=nurse).update(location_for_staff=other)
    catalog.changed()  # a bulk update sends no signal
    assert starts(iv_clinic) == []
    WorkingHours.objects.filter(staff=nurse, weekday=MONDAY.weekday()).update(location_for_staff=iv_clinic["location"])
    catalog.changed()
    assert starts(iv_clinic)[0] == "09:00"


def test_weekly_rules_apply_only_between_their_effective_dates(iv_clinic):
    from scheduling.models import WorkingHours
    WorkingHours.objects.filter(location=iv_clinic["location"]).update(effective_from=MONDAY + dt.timedelta(days=1))
    catalog.changed()  # a bulk update sends no signal
    assert starts(iv_clinic) == []
    WorkingHours.objects.filter(location=iv_clinic["location"]).update(effective_from=None, effective_to=MONDAY)
    catalog.changed()
    assert starts(iv_clinic)[0] == "09:00"
    assert starts(iv_clinic, day=MONDAY + dt.timedelta(days=1)) == []


def test_a_chair_with_its_own_hours_ignores_the_locations_and_extra_hours_add_time(iv_clinic):
    chair1, chair2 = iv_clinic["chairs"]
    chair2.delete()
    WorkingHoursFactory(resource=chair1, weekday=MONDAY.weekday(), start_time=dt.time(12), end_time=dt.time(17))
    assert starts(iv_clinic)[0] == "12:00"
    HoursOverrideFactory(resource=chair1, date=MONDAY, kind=HoursOverride.Kind.AVAILABLE,
                         start_time=dt.time(10), end_time=dt.time(12))
    assert starts(iv_clinic)[0] == "10:00"


def test_video_visits_need_a_clinician_licensed_in_the_patients_state():
    az = StaffMemberFactory(display_name="AZ therapist", roles=["therapist"], licensed_states=["AZ"])
    ca = StaffMemberFactory(display_name="CA therapist", roles=["therapist"], licensed_states=["CA"])
    for member in (az, ca):
        weekly_hours(staff=member)
    service = video_therapy_service()
    start = at(0)
    result = find_slots(service=service, location=None, start=start, end=start + dt.timedelta(days=1),
                        patient=PatientFactory(state="CA"), now=NOW)
    assert result.slots and {pk for s in result.slots for pk in s.staff_ids} == {ca.id}
    with pytest.raises(SlotUnavailable) as err:
        plan_slot(service=service, location=None, start=at(9), patient=PatientFactory(state="TX"), now=NOW)
    assert (err.value.code, err.value.detail) == ("no_staff", "No therapist licensed in TX works for video visits.")


def test_an_in_person_service_is_not_offered_at_a_location_that_does_not_list_it(iv_clinic):
    elsewhere = LocationFactory(name="Tucson")
    assert find_slots(service=iv_clinic["service"], location=elsewhere, start=at(0), end=at(23), now=NOW).slots == []
    with pytest.raises(SlotUnavailable) as err:
        plan_slot(service=iv_clinic["service"], location=elsewhere, start=at(9), now=NOW)
    assert err.value.code == "not_offered"


def test_a_start_off_the_step_is_refused_unless_the_desk_overrides(iv_clinic):
    with pytest.raises(SlotUnavailable) as err:
        plan_slot(service=iv_clinic["service"], location=iv_clinic["location"], start=at(9, 5), now=NOW)
    assert err.value.code == "off_grid"
    slot = plan_slot(service=iv_clinic["service"], location=iv_clinic["location"], start=at(9, 5), now=NOW,
                     enforce_booking_rules=False)
    assert slot.start == at(9, 5)


def test_a_taken_chair_is_named_with_the_whole_visit_it_holds(iv_clinic):
    iv_clinic["chairs"][1].delete()
    book(iv_clinic, at(9))
    with pytest.raises(SlotUnavailable) as err:
        plan_slot(service=iv_clinic["service"], location=iv_clinic["location"], start=at(10), now=NOW,
                  name_resources=True)
    assert (err.value.code, err.value.detail) == ("taken", "Chair 1 is taken Mon 10 Mar 2025 09:00-10:25 MST.")
    with pytest.raises(SlotUnavailable) as err:  # a patient reads no chair's name
        plan_slot(service=iv_clinic["service"], location=iv_clinic["location"], start=at(10), now=NOW)
    assert (err.value.code, err.value.detail) == ("taken", "No infusion chair is free Mon 10 Mar 2025 10:00-11:25 MST.")


def test_outside_the_clinics_hours_says_when_it_is_open(iv_clinic):
    with pytest.raises(SlotUnavailable) as err:
        plan_slot(service=iv_clinic["service"], location=iv_clinic["location"], start=at(16), now=NOW)
    assert err.value.code == "outside_hours"
    assert err.value.detail == ("Outside Phoenix's hours: Mon 10 Mar 2025 16:00-17:25 MST does not fit in 09:00-17:00 MST.")
