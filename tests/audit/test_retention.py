"""Removing audit entries is the schema owner's act, on purpose: retention (`purge_audit_log`)
and emptying the whole database (`flush`, which `seed_demo --reset` and the suite's resets use).
Each turns the trigger off inside its own transaction only; afterwards it refuses again."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, IntegrityError, transaction

from audit.models import Action, AuditEntry
from audit.services import record

pytestmark = pytest.mark.django_db

UTC = dt.UTC


def entry_at(moment: dt.datetime, summary: str) -> AuditEntry:
    with time_machine.travel(moment, tick=False):
        return record(action=Action.CHANGE, kind="scheduling.location", record_id=1, summary=summary)


def purge(*args: str) -> str:
    out = StringIO()
    call_command("purge_audit_log", *args, stdout=out)
    return out.getvalue()


def test_purging_deletes_the_entries_before_the_day_and_records_that_it_did():
    entry_at(dt.datetime(2018, 3, 1, 9, tzinfo=UTC), "old")
    entry_at(dt.datetime(2018, 12, 31, 23, 59, tzinfo=UTC), "last of the year")
    kept = entry_at(dt.datetime(2019, 1, 1, 0, 0, tzinfo=UTC), "first of the next")

    output = purge("--before", "2019-01-01")

    assert "Deleted 2 audit entries recorded before 2019-01-01" in output
    remaining = list(AuditEntry.objects.order_by("id").values_list("summary", "action"))
    assert remaining == [(kept.summary, Action.CHANGE),
                         ("retention: purged 2 entries recorded before 2019-01-01", Action.DELETE)]


@pytest.mark.postgres
def test_after_a_purge_the_trigger_refuses_again():
    entry_at(dt.datetime(2018, 3, 1, tzinfo=UTC), "old")
    kept = entry_at(dt.datetime(2019, 3, 1, tzinfo=UTC), "kept")

    purge("--before", "2019-01-01")

    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("DELETE FROM audit_auditentry")
    assert AuditEntry.objects.filter(pk=kept.pk).exists()


def test_a_dry_run_counts_and_deletes_nothing():
    entry_at(dt.datetime(2018, 3, 1, tzinfo=UTC), "old")

    output = purge("--before", "2019-01-01", "--dry-run")

    assert "1 audit entries were recorded before 2019-01-01; nothing deleted" in output
    assert list(AuditEntry.objects.values_list("summary", flat=True)) == ["old"]


@pytest.mark.parametrize(("before", "message"), [
    ("01/01/2019", "--before must be a date as YYYY-MM-DD, not '01/01/2019'"),
    ("2019-02-30", "--before must be a date as YYYY-MM-DD"),
    ("2031-06-02", "--before 2031-06-02 is in the future"),
])
def test_a_day_that_is_not_one_or_is_in_the_future_is_refused(before, message):
    entry_at(dt.datetime(2018, 3, 1, tzinfo=UTC), "old")

    with time_machine.travel(dt.datetime(2031, 6, 1, 12, tzinfo=UTC), tick=False), \
            pytest.raises(CommandError, match=message):
        purge("--before", before)

    assert AuditEntry.objects.count() == 1


@pytest.mark.django_db(transaction=True)  # flush empties every table: not inside a test's transaction
def test_flushing_the_database_as_the_owner_empties_the_log_and_leaves_the_trigger_on():
    record(action=Action.CHANGE, kind="scheduling.location", record_id=1, summary="before the flush")

    call_command("flush", interactive=False, verbosity=0)

    assert not AuditEntry.objects.exists()
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT DISTINCT tgenabled FROM pg_trigger WHERE tgrelid = 'audit_auditentry'::regclass")
            assert cursor.fetchall() == [("O",)]
