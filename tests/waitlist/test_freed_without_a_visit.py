"""Time that opens without a visit leaving it: a block removed, hours added. scheduling announces
it (scheduling.freeing, through hooks.time_freed) in the transaction that deletes or saves the
row; the waitlist plans a FreedTime row per service someone waits for, and the matcher offers it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction

from scheduling.models import HoursOverride, StaffMember, WorkingHours
from tests.factories import UserFactory
from tests.waitlist.conftest import phx
from waitlist import joining, matching
from waitlist.models import FreedTime

pytestmark = pytest.mark.django_db


def chair_blocked_on_tuesday(clinic) -> HoursOverride:
    chair = clinic.site.resources.get()
    return HoursOverride.objects.create(resource=chair, date=dt.date(2025, 3, 4), kind="unavailable", reason="Repair")


def test_a_removed_block_is_offered_to_the_waiting_patient(clinic, clock):
    block = chair_blocked_on_tuesday(clinic)
    ana = clinic.patient(legal_first_name="Ana", phone="+16025550111")
    joining.join(patient=ana, service=clinic.infusion, now=phx(3, 10))
    assert clinic.free_starts(phx(4, 0), phx(5, 0), now=phx(3, 10)) == []

    block.delete()

    [freed] = FreedTime.objects.all()
    assert (freed.reason, freed.service, freed.location, freed.source) == (
        "block_removed",
        clinic.infusion,
        clinic.site,
        None,
    )
    assert (freed.start, freed.end) == (phx(4, 0), phx(5, 0))
    [offer] = matching.match(freed.pk, now=phx(3, 10))
    assert offer.entry.patient == ana and offer.start == phx(4, 8) and offer.location == clinic.site


def test_nothing_is_planned_when_nobody_waits_or_the_removal_rolls_back(clinic, clock):
    chair_blocked_on_tuesday(clinic).delete()
    assert not FreedTime.objects.exists()

    block = chair_blocked_on_tuesday(clinic)
    block_id = block.pk
    joining.join(patient=clinic.patient(phone="+16025550112"), service=clinic.infusion, now=phx(3, 10))
    with pytest.raises(RuntimeError), transaction.atomic():
        block.delete()
        assert FreedTime.objects.count() == 1
        raise RuntimeError("the admin's request failed")
    assert not FreedTime.objects.exists() and HoursOverride.objects.filter(pk=block_id).exists()


def test_a_past_block_removed_frees_nothing(clinic, clock):
    joining.join(patient=clinic.patient(phone="+16025550113"), service=clinic.infusion, now=phx(3, 10))
    chair = clinic.site.resources.get()
    past = HoursOverride.objects.create(resource=chair, date=dt.date(2025, 3, 2), kind="unavailable")
    past.delete()

    assert not FreedTime.objects.exists()


def test_hours_added_by_the_admin_are_offered(clinic, clock):
    """Extra evening hours for the site, its chair and the nurse on Tuesday: a waiting patient is
    offered 18:00, which no one could book before."""
    ana = clinic.patient(legal_first_name="Ana", phone="+16025550111")
    joining.join(patient=ana, service=clinic.infusion, now=phx(3, 10))
    chair = clinic.site.resources.get()
    nurse = StaffMember.objects.get(locations=clinic.site)
    day = dt.date(2025, 3, 4)
    for owner in ({"location": clinic.site}, {"resource": chair}, {"staff": nurse}):
        HoursOverride.objects.create(date=day, kind="available", start_time=dt.time(18), end_time=dt.time(21), **owner)

    # One row per owner at the site (the nurse's video side has no infusion waiting).
    spans = FreedTime.objects.filter(reason="hours_added")
    assert spans.count() == 3 and {(f.start, f.end, f.location) for f in spans} == {
        (phx(4, 18), phx(4, 21), clinic.site)
    }
    offers = [o for f in spans for o in matching.match(f.pk, now=phx(3, 10))]
    assert offers and offers[0].start >= phx(4, 18) and offers[0].entry.patient == ana


def test_a_new_weekly_rule_frees_its_days_in_the_coming_four_weeks(clinic, clock):
    joining.join(patient=clinic.patient(phone="+16025550114"), service=clinic.infusion, now=phx(3, 10))

    WorkingHours.objects.create(location=clinic.site, weekday=5, start_time=dt.time(9), end_time=dt.time(13))

    starts = sorted(f.start for f in FreedTime.objects.filter(reason="hours_added"))
    assert starts == [phx(8, 9), phx(15, 9), phx(22, 9), phx(29, 9)]


def test_a_block_deleted_in_the_admin_is_planned_as_freed_time(client, clinic, clock):
    block = chair_blocked_on_tuesday(clinic)
    joining.join(patient=clinic.patient(phone="+16025550115"), service=clinic.infusion, now=phx(3, 10))
    client.force_login(UserFactory(username="boss", role="admin", is_staff=True, is_superuser=True))

    response = client.post(f"/admin/scheduling/hoursoverride/{block.pk}/delete/", {"post": "yes"})

    assert response.status_code == 302 and not HoursOverride.objects.filter(pk=block.pk).exists()
    [freed] = FreedTime.objects.all()
    assert (freed.reason, freed.location, freed.start) == ("block_removed", clinic.site, phx(4, 0))
