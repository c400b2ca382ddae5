"""The clinic's set-up is kept in memory per process and read again whenever any write to it
(however made) has changed the catalog version."""

import datetime as dt

import pytest
from django.db import connection, transaction

from scheduling import catalog
from scheduling.models import Closure, HoursOverride, Resource, StaffMember, WorkingHours
from tests.factories import ResourceFactory, StaffMemberFactory, weekly_hours

pytestmark = pytest.mark.django_db


def version() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT version FROM scheduling_catalogversion WHERE id = 1")
        return cursor.fetchone()[0]


def test_an_unchanged_set_up_is_not_read_again(iv_clinic):
    first = catalog.current()
    assert catalog.current() is first


def test_every_kind_of_write_changes_the_version(iv_clinic):
    location = iv_clinic["location"]
    seen = {version()}

    def changed() -> None:
        now = version()
        assert now not in seen
        seen.add(now)

    member = StaffMemberFactory(locations=[location])
    changed()
    weekly_hours(staff=member)
    changed()
    WorkingHours.objects.bulk_create([WorkingHours(resource=iv_clinic["chairs"][0], weekday=0,
                                                   start_time=dt.time(8), end_time=dt.time(9))])
    changed()
    HoursOverride.objects.create(staff=member, date=dt.date(2030, 1, 2), kind=HoursOverride.Kind.UNAVAILABLE)
    changed()
    Closure.objects.create(location=location, start_date=dt.date(2030, 1, 1), end_date=dt.date(2030, 1, 1))
    changed()
    Resource.objects.filter(pk=iv_clinic["chairs"][1].pk).update(active=False)
    changed()
    member.locations.clear()
    changed()
    with connection.cursor() as cursor:
        cursor.execute("UPDATE scheduling_staffmember SET watch_capacity = 2 WHERE id = %s", [member.pk])
    changed()
    HoursOverride.objects.all().delete()
    changed()


def test_the_next_read_after_a_change_sees_it(iv_clinic):
    before = catalog.current()
    chair = ResourceFactory(location=iv_clinic["location"])
    after = catalog.current()
    assert after is not before
    assert chair.pk in {r.pk for r in after.resources}
    StaffMember.objects.filter(pk=iv_clinic["nurse"].pk).update(active=False)
    assert iv_clinic["nurse"].pk not in {m.pk for m in catalog.current().staff}


def test_a_change_rolled_back_is_not_kept(iv_clinic):
    before = version()
    with pytest.raises(RuntimeError), transaction.atomic():
        ResourceFactory(location=iv_clinic["location"], name="Chair 99")
        assert "Chair 99" in {r.name for r in catalog.current().resources}
        raise RuntimeError("rolled back")
    assert version() == before
    assert "Chair 99" not in {r.name for r in catalog.current().resources}
