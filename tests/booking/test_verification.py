"""The check the booking service makes under its locks must agree with the engine: if anyone
took part of a plan since it was made, the plan must be refused, and never otherwise."""

import datetime as dt

import pytest
from django.db import transaction
from hypothesis import given, HealthCheck, settings, strategies as st

from scheduling.availability import plan_slot, SlotUnavailable
from scheduling.models import Resource, StaffMember
from scheduling.services.placement import rows_in_the_way, still_free
from tests.factories import book_slot

from .conftest import at, make_clinic, NOW

pytestmark = pytest.mark.django_db

STARTS = [at(9) + dt.timedelta(minutes=15 * k) for k in range(12)]


def verdict(slot) -> bool:
    live = [r for r in rows_in_the_way(slot=slot) if r.hold_expires_at is None or r.hold_expires_at > NOW]
    return still_free(slot=slot, live=live)


def engine_accepts_only(slot, clinic) -> bool:
    """The engine's answer when the slot's own chair and nurse are the only ones it may use."""
    with transaction.atomic():
        Resource.objects.exclude(pk__in=slot.resource_ids).update(active=False)
        StaffMember.objects.exclude(pk__in=slot.staff_ids).update(active=False)
        try:
            again = plan_slot(service=clinic.service, location=clinic.location, start=slot.start, now=NOW)
            accepted = set(again.resource_ids) == set(slot.resource_ids) and set(again.staff_ids) == set(slot.staff_ids)
        except SlotUnavailable:
            accepted = False
        transaction.set_rollback(True)
    return accepted


def test_a_chair_taken_since_the_plan_is_caught(db):
    clinic = make_clinic(chairs=2, nurses=2)
    slot = plan_slot(service=clinic.service, location=clinic.location, start=at(9), now=NOW)
    assert verdict(slot)
    rival = plan_slot(service=clinic.service, location=clinic.location, start=at(10), now=NOW)
    assert rival.resource_ids == slot.resource_ids
    book_slot(rival, service=clinic.service, location=clinic.location)
    assert not verdict(slot)


def test_a_nurse_at_watch_capacity_is_caught_but_her_hands_on_set_up_next_to_a_watch_is_not_a_clash(db):
    clinic = make_clinic(chairs=3, nurses=1, watch_capacity=1)
    slot = plan_slot(service=clinic.service, location=clinic.location, start=at(9), now=NOW)
    # Another chair's set-up at 9:15 is hands-on while this visit's infusion is watched: allowed.
    book_slot(plan_slot(service=clinic.service, location=clinic.location, start=at(8, 45), now=NOW),
              service=clinic.service, location=clinic.location)
    assert verdict(slot) == engine_accepts_only(slot, clinic)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(planned=st.sampled_from(STARTS), others=st.lists(st.sampled_from(STARTS), max_size=6),
       capacity=st.integers(min_value=1, max_value=2))
def test_the_check_under_the_locks_agrees_with_the_engine(db, planned, others, capacity):
    with transaction.atomic():
        clinic = make_clinic(chairs=3, nurses=2, watch_capacity=capacity)
        slot = plan_slot(service=clinic.service, location=clinic.location, start=planned, now=NOW)
        for start in others:  # bookings that land after the plan was made
            try:
                later = plan_slot(service=clinic.service, location=clinic.location, start=start, now=NOW)
            except SlotUnavailable:
                continue
            book_slot(later, service=clinic.service, location=clinic.location)
        assert verdict(slot) == engine_accepts_only(slot, clinic)
        transaction.set_rollback(True)
