import datetime as dt

import pytest

from scheduling.availability import find_slots, plan_slot, SlotUnavailable
from tests.factories import book_slot

from .conftest import MONDAY, NOW

pytestmark = pytest.mark.django_db

PHX = dt.timezone(dt.timedelta(hours=-7))


def at(hour: int, minute: int = 0, day: dt.date = MONDAY) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=PHX)


def test_an_open_day_offers_every_quarter_hour_that_fits_before_closing(iv_clinic):
    result = find_slots(service=iv_clinic["service"], location=iv_clinic["location"],
                        start=at(0), end=at(23, 59), now=NOW)
    starts = [s.start for s in result.slots]
    # 85-minute visit inside 9:00-17:00: the last start is 15:35 -> 15:30 on the 15-minute grid.
    assert starts[0] == at(9) and starts[-1] == at(15, 30)
    assert len(starts) == 27
    assert result.earliest == result.slots[0]


def test_a_slot_holds_the_nurse_for_set_up_and_infusion_and_one_chair_throughout(iv_clinic):
    slot = find_slots(service=iv_clinic["service"], location=iv_clinic["location"],
                      start=at(9), end=at(9, 1), now=NOW).slots[0]
    nurse, chair1 = iv_clinic["nurse"], iv_clinic["chairs"][0]
    held = [(a.start, a.end, a.staff_id, a.resource_id, a.exclusive, a.share) for a in slot.assignments]
    assert held == [
        (at(9), at(9, 15), nurse.id, None, True, 0),
        (at(9), at(9, 15), None, chair1.id, True, 0),
        (at(9, 15), at(9, 55), nurse.id, None, False, 1),
        (at(9, 15), at(9, 55), None, chair1.id, True, 0),
        (at(9, 55), at(10, 25), None, chair1.id, True, 0),
    ]
    assert slot.end == at(10, 25)


def test_a_booked_visit_moves_the_next_one_to_the_other_chair_and_the_nurse_after_set_up(iv_clinic):
    service, location = iv_clinic["service"], iv_clinic["location"]
    book_slot(plan_slot(service=service, location=location, start=at(9), now=NOW), service=service, location=location)
    starts = {s.start: s for s in find_slots(service=service, location=location, start=at(9), end=at(10),
                                             now=NOW).slots}
    assert at(9) not in starts  # the nurse is hands-on with the first patient until 9:15
    assert starts[at(9, 15)].resource_ids == [iv_clinic["chairs"][1].id]


def test_plan_slot_names_the_chair_that_is_taken(iv_clinic):
    service, location = iv_clinic["service"], iv_clinic["location"]
    iv_clinic["chairs"][1].delete()
    book_slot(plan_slot(service=service, location=location, start=at(9), now=NOW), service=service, location=location)
    with pytest.raises(SlotUnavailable) as err:
        plan_slot(service=service, location=location, start=at(9, 30), now=NOW, name_resources=True)
    assert err.value.code == "taken"
    assert err.value.detail == "Chair 1 is taken Mon 10 Mar 2025 09:00-10:25 MST."
