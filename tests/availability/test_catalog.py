"""The clinic's set-up is kept in memory per process and read again once a change to it, made
through the ORM, has been saved; a change rolled back is never seen."""

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from scheduling import catalog
from scheduling.models import CatalogVersion, Closure, HoursOverride, Phase, StaffMember, WorkingHours
from tests.factories import LocationFactory, ResourceFactory, ServiceFactory, StaffMemberFactory, weekly_hours

pytestmark = pytest.mark.django_db


def version() -> int:
    return CatalogVersion.objects.get(pk=1).version


def test_an_unchanged_set_up_is_not_read_again(iv_clinic):
    first = catalog.current()
    with CaptureQueriesContext(connection) as captured:
        assert catalog.current() is first
    assert len(captured.captured_queries) == 1  # the version


def test_every_save_delete_and_many_to_many_change_of_the_set_up_changes_the_version(iv_clinic):
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
    HoursOverride.objects.create(staff=member, date=dt.date(2030, 1, 2), kind=HoursOverride.Kind.UNAVAILABLE)
    changed()
    Closure.objects.create(location=location, start_date=dt.date(2030, 1, 1), end_date=dt.date(2030, 1, 1))
    changed()
    chair = iv_clinic["chairs"][1]
    chair.active = False
    chair.save()
    changed()
    member.locations.clear()
    changed()
    HoursOverride.objects.all().delete()
    changed()
    service = ServiceFactory(name="Evaluation")
    changed()
    Phase.objects.create(service=service, order=1, name="Visit", duration_minutes=60)
    changed()
    service.locations.add(LocationFactory(name="Tucson"))
    changed()
    service.delete()
    changed()


def test_the_next_read_after_a_saved_change_sees_it(iv_clinic):
    before = catalog.current()
    chair = ResourceFactory(location=iv_clinic["location"])
    after = catalog.current()
    assert after is not before
    assert chair.pk in {r.pk for r in after.resources}
    nurse = iv_clinic["nurse"]
    nurse.active = False
    nurse.save()
    assert nurse.pk not in {m.pk for m in catalog.current().staff}


def test_the_next_read_after_a_deletion_or_a_many_to_many_change_sees_it(iv_clinic):
    nurse, location = iv_clinic["nurse"], iv_clinic["location"]
    assert location.pk in catalog.current().staff_locations[nurse.pk]
    nurse.locations.remove(location)
    assert location.pk not in catalog.current().staff_locations.get(nurse.pk, ())
    weeks = len(catalog.current().rules[("staff", nurse.pk)])
    WorkingHours.objects.filter(staff=nurse).first().delete()
    assert len(catalog.current().rules[("staff", nurse.pk)]) == weeks - 1


def test_a_bulk_write_is_seen_once_its_writer_says_the_set_up_changed(iv_clinic):
    nurse = iv_clinic["nurse"]
    catalog.current()
    StaffMember.objects.filter(pk=nurse.pk).update(active=False)  # no signal: the kept copy stands
    assert nurse.pk in {m.pk for m in catalog.current().staff}
    catalog.changed()
    assert nurse.pk not in {m.pk for m in catalog.current().staff}


def test_a_change_rolled_back_is_not_kept(iv_clinic):
    before = version()
    catalog.current()
    with pytest.raises(RuntimeError), transaction.atomic():
        ResourceFactory(location=iv_clinic["location"], name="Chair 99")
        assert "Chair 99" in {r.name for r in catalog.current().resources}
        raise RuntimeError("rolled back")
    assert version() == before
    assert "Chair 99" not in {r.name for r in catalog.current().resources}


def test_an_emptied_database_gets_its_version_back_with_the_first_change(iv_clinic):
    CatalogVersion.objects.all().delete()
    assert catalog.current() is not catalog.current()  # no version: nothing is kept
    ResourceFactory(location=iv_clinic["location"])
    assert catalog.current() is catalog.current()


def test_one_request_reads_the_set_up_once(iv_clinic):
    catalog.current()
    with catalog.pinned(), CaptureQueriesContext(connection) as captured:
        first = catalog.current()
        ResourceFactory(location=iv_clinic["location"])
        assert catalog.current() is first
    assert sum("scheduling_catalogversion" in q["sql"] and q["sql"].startswith("SELECT")
               for q in captured.captured_queries) == 1


def test_the_longest_visit_is_the_longest_service_with_its_buffers(iv_clinic):
    assert catalog.current().longest_visit == dt.timedelta(minutes=85)  # set-up 15, infusion 40, recovery 30

    service = iv_clinic["service"]
    service.buffer_before_minutes, service.buffer_after_minutes = 10, 20
    service.save()
    assert catalog.current().longest_visit == dt.timedelta(minutes=115)
