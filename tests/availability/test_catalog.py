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


def triggers_by_table() -> dict[str, int]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT tgrelid::regclass::text, count(*) FROM pg_trigger "
                           "WHERE tgname LIKE '%%_catalog_version' GROUP BY 1")
        else:
            cursor.execute("SELECT tbl_name, count(*) FROM sqlite_master WHERE type = 'trigger' "
                           "AND name LIKE '%_catalog_version_%' GROUP BY 1")
        return dict(cursor.fetchall())


def test_every_table_of_the_set_up_has_its_triggers():
    from scheduling.models.catalog_version import CATALOG_TABLES, MESSAGING_TABLES

    per_table = 1 if connection.vendor == "postgresql" else 3
    assert triggers_by_table() == {table: per_table for table in (*CATALOG_TABLES, *MESSAGING_TABLES)}


def test_a_set_up_table_altered_by_a_migration_keeps_its_triggers():
    """PostgreSQL keeps triggers through ALTER TABLE; SQLite rebuilds the table without them, and
    they are put back after migrate (scheduling/apps.py runs ensure_triggers)."""
    from scheduling.catalog_triggers import ensure_triggers

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE scheduling_resource ADD COLUMN scratch integer")
            cursor.execute("ALTER TABLE scheduling_resource DROP COLUMN scratch")
        else:
            for event in ("insert", "update", "delete"):  # what a rebuild leaves
                cursor.execute(f"DROP TRIGGER scheduling_resource_catalog_version_{event}")
            assert "scheduling_resource" not in triggers_by_table()
    ensure_triggers(connection)
    assert triggers_by_table()["scheduling_resource"] == (1 if connection.vendor == "postgresql" else 3)


def test_writes_to_services_phases_locations_and_messaging_change_the_version(iv_clinic):
    from notifications.models import MessagingPolicy, ServiceMessagePlan
    from scheduling.models import Location, Phase
    from tests.factories import LocationFactory, ServiceFactory

    seen = {version()}

    def changed() -> None:
        now = version()
        assert now not in seen
        seen.add(now)

    service = ServiceFactory(name="Evaluation")
    changed()
    Phase.objects.create(service=service, order=1, name="Visit", duration_minutes=60)
    changed()
    tucson = LocationFactory(name="Tucson")
    changed()
    service.locations.add(tucson)
    changed()
    Location.objects.filter(pk=iv_clinic["location"].pk).update(phone="+16025550100")
    changed()
    MessagingPolicy.current().save()
    changed()
    ServiceMessagePlan.objects.create(service=service, steps=[])
    changed()


def test_the_longest_visit_is_the_longest_service_with_its_buffers(iv_clinic):
    assert catalog.current().longest_visit == dt.timedelta(minutes=85)  # set-up 15, infusion 40, recovery 30

    service = iv_clinic["service"]
    service.buffer_before_minutes, service.buffer_after_minutes = 10, 20
    service.save()
    assert catalog.current().longest_visit == dt.timedelta(minutes=115)


def test_what_follows_from_the_set_up_is_worked_out_once_per_version(iv_clinic):
    setup = catalog.current()
    built = []

    def build():
        built.append(1)
        return object()

    first = setup.remember(("example",), build)
    assert setup.remember(("example",), build) is first and len(built) == 1
    ResourceFactory(location=iv_clinic["location"])  # a new version remembers nothing yet
    assert catalog.current().remember(("example",), build) is not first and len(built) == 2


def test_remembered_results_are_bounded(iv_clinic, monkeypatch):
    monkeypatch.setattr(catalog, "REMEMBERED", 3)
    setup = catalog.current()
    for n in range(5):
        setup.remember(("n", n), lambda n=n: n)
    assert setup.remember(("n", 4), lambda: "again") == 4
    assert setup.remember(("n", 0), lambda: "again") == "again"  # the oldest went first


def test_hours_remembered_for_one_version_are_not_used_by_the_next(iv_clinic):
    from scheduling.availability import find_slots

    from .conftest import MONDAY, NOW

    def offered() -> list[dt.datetime]:
        setup = catalog.current()
        service, location = setup.services[iv_clinic["service"].pk], setup.locations[iv_clinic["location"].pk]
        window = dt.datetime.combine(MONDAY, dt.time(0), tzinfo=dt.UTC)
        return [s.start for s in find_slots(service=service, location=location, start=window,
                                            end=window + dt.timedelta(days=1), now=NOW).slots]

    before = offered()
    assert before and offered() == before  # the second answer comes from what was remembered
    HoursOverride.objects.create(staff=iv_clinic["nurse"], date=MONDAY, kind=HoursOverride.Kind.UNAVAILABLE)
    assert offered() == []


def test_a_service_the_set_up_does_not_hold_is_worked_out_afresh(iv_clinic):
    from scheduling.availability import loader

    from .conftest import MONDAY, NOW

    window = dt.datetime.combine(MONDAY, dt.time(16), tzinfo=dt.UTC)
    with catalog.pinned():
        setup = catalog.current()
        own = setup.services[iv_clinic["service"].pk]
        location = setup.locations[iv_clinic["location"].pk]
        kept = loader.load(service=own, location=location, window_start=window,
                           window_end=window + dt.timedelta(hours=1), now=NOW)
        # A phase changed after this request pinned its set-up: a fresh copy of the service has it.
        iv_clinic["service"].phases.filter(order=3).update(duration_minutes=45)
        fresh = type(own).objects.get(pk=own.pk)
        loaded = loader.load(service=fresh, location=location, window_start=window,
                             window_end=window + dt.timedelta(hours=1), now=NOW)
    assert kept.needs[-1].end == 85 * 60 and loaded.needs[-1].end == 100 * 60


def test_a_version_read_along_with_another_statement_saves_the_query_of_its_own(iv_clinic):
    from django.test.utils import CaptureQueriesContext

    kept = catalog.current()
    with catalog.pinned():
        catalog.read_with(version())
        with CaptureQueriesContext(connection) as captured:
            assert catalog.current() is kept
        assert captured.captured_queries == []
    ResourceFactory(location=iv_clinic["location"])  # a change: the version read along is a new one
    with catalog.pinned():
        catalog.read_with(version())
        assert catalog.current() is not kept
    with catalog.pinned(), CaptureQueriesContext(connection) as captured:
        catalog.read_with(None)  # nothing read along: the version is asked for on its own
        catalog.current()
    assert [q["sql"] for q in captured.captured_queries] == [catalog.VERSION_SQL]
