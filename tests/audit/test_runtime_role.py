"""The app's own database role cannot erase the audit log (issue 19, finding 3).

The web, the worker and beat connect as a runtime role that owns nothing (README, Database
roles). Connected as that role, with the privileges a deploy gives it (post_migrate, audit/owner.py),
it may add to and read the audit log and do its ordinary work on every other table, and every way
of removing or hiding audit rows is refused by PostgreSQL itself: UPDATE, DELETE, TRUNCATE,
disabling or dropping the trigger, replacing its function, `session_replication_role`.

The role is RUNTIME_DATABASE_URL's when set (.ci/run creates `clearday_app`); otherwise the test
makes a role of its own through the suite's connection, so it runs wherever PostgreSQL runs.
"""

from __future__ import annotations

import os
from contextlib import contextmanager
from types import SimpleNamespace

import dj_database_url
import psycopg
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.urls import reverse

from audit.models import Action, AuditEntry
from audit.owner import grant_runtime_role, RuntimeRoleRefused
from audit.services import record
from tests.audit.conftest import api_client

pytestmark = pytest.mark.postgres

TEST_ROLE = "clearday_test_runtime"  # made here when RUNTIME_DATABASE_URL is not set
INSUFFICIENT_PRIVILEGE = "42501"

ERASERS = [
    "UPDATE audit_auditentry SET summary = 'edited'",
    "DELETE FROM audit_auditentry",
    "TRUNCATE audit_auditentry",
    "ALTER TABLE audit_auditentry DISABLE TRIGGER audit_entry_append_only",
    "ALTER TABLE audit_auditentry DISABLE TRIGGER ALL",
    "DROP TRIGGER audit_entry_append_only ON audit_auditentry",
    "DROP TRIGGER audit_entry_no_truncate ON audit_auditentry",
    "SET session_replication_role = replica",
    "CREATE OR REPLACE FUNCTION audit_entry_refuse_change() RETURNS trigger LANGUAGE plpgsql AS "
    "$$ BEGIN RETURN NULL; END $$",
    "ALTER TABLE audit_auditentry RENAME TO audit_gone",
    "DROP TABLE audit_auditentry",
]


@pytest.fixture(scope="session")
def runtime_role(django_db_setup, django_db_blocker) -> SimpleNamespace:
    url = os.environ.get("RUNTIME_DATABASE_URL", "")
    if url:
        parsed = dj_database_url.parse(url)
        return SimpleNamespace(name=parsed["USER"], password=parsed["PASSWORD"])
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        # Two test runs on one server may both create it: the loser's error is the winner's role.
        cursor.execute(f"""DO $$ BEGIN
            CREATE ROLE {TEST_ROLE} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE PASSWORD '{TEST_ROLE}';
            EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL; END $$""")
    return SimpleNamespace(name=TEST_ROLE, password=TEST_ROLE)


@contextmanager
def connected_as(role) -> psycopg.Connection:
    """A connection of its own, logged in as `role`, to the test database."""
    db = connection.settings_dict
    with psycopg.connect(host=db["HOST"] or "localhost", port=db["PORT"] or 5432, dbname=db["NAME"], user=role.name,
                         password=role.password, autocommit=True, connect_timeout=5) as app:
        yield app


def sqlstate(app: psycopg.Connection, statement: str) -> str:
    try:
        app.execute(statement)
    except psycopg.Error as error:
        return error.sqlstate
    return "done"


def privileges(app: psycopg.Connection) -> dict[str, set[str]]:
    """What the connected role may do to each table of the schema."""
    rows = app.execute("""
        SELECT c.relname, p.privilege FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        CROSS JOIN unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']) AS p(privilege)
        WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')
          AND has_table_privilege(c.oid, p.privilege)""").fetchall()
    tables = {name: set() for name in connection.introspection.table_names()}
    for table, privilege in rows:
        tables[table].add(privilege)
    return tables


@pytest.mark.django_db(transaction=True)  # the runtime role's own connection sees committed rows only
def test_connected_as_the_runtime_role_the_app_adds_to_and_reads_the_log_but_cannot_erase_it(runtime_role, settings):
    settings.DATABASE_RUNTIME_ROLE = runtime_role.name
    call_command("migrate", verbosity=0)  # as a deploy does: the runtime role gets its privileges after migrating
    entry = record(action=Action.CHANGE, kind="scheduling.patient", record_id=7, patient=7, summary="consent recorded")
    with connection.cursor() as cursor:
        columns = ", ".join(column.name for column in connection.introspection.get_table_description(
            cursor, "audit_auditentry") if column.name != "id")

    with connected_as(runtime_role) as app:
        assert app.execute("SELECT current_user, rolsuper FROM pg_roles WHERE rolname = current_user").fetchone() == (
            runtime_role.name, False)
        added = app.execute(f"INSERT INTO audit_auditentry ({columns}) SELECT {columns} FROM audit_auditentry "
                            "WHERE id = %s RETURNING id", [entry.pk]).fetchone()[0]
        read = app.execute("SELECT id, summary FROM audit_auditentry ORDER BY id").fetchall()
        app.execute("SET clearday.audit_truncate = 'allow'")  # the old escape hatch, which anyone may set
        outcomes = {statement: sqlstate(app, statement) for statement in ERASERS}
        tables = privileges(app)

    assert read == [(entry.pk, "consent recorded"), (added, "consent recorded")]
    assert outcomes == dict.fromkeys(ERASERS, INSUFFICIENT_PRIVILEGE)
    assert AuditEntry.objects.filter(summary="consent recorded").count() == 2
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgname, tgenabled FROM pg_trigger WHERE tgrelid = 'audit_auditentry'::regclass")
        assert sorted(cursor.fetchall()) == [("audit_entry_append_only", "O"), ("audit_entry_no_truncate", "O")]
    # Every other table, those of later migrations included, gets what the app's work needs and no TRUNCATE.
    audit_table = tables.pop("audit_auditentry")
    assert audit_table == {"SELECT", "INSERT"}
    assert {table: granted for table, granted in tables.items() if granted != {"SELECT", "INSERT", "UPDATE",
                                                                                "DELETE"}} == {}


@pytest.mark.django_db(transaction=True)
def test_the_runtime_role_does_its_ordinary_work_on_other_tables_over_its_own_connection(runtime_role):
    call_command("grant_runtime_role", runtime_role.name, verbosity=0)

    with connected_as(runtime_role) as app:
        app.execute("INSERT INTO django_session (session_key, session_data, expire_date) "
                    "VALUES ('runtime-role-check', 'e30', now() + interval '1 hour')")
        app.execute("UPDATE django_session SET session_data = 'e31' WHERE session_key = 'runtime-role-check'")
        kept = app.execute("SELECT session_data FROM django_session WHERE session_key = 'runtime-role-check'"
                           ).fetchone()
        app.execute("DELETE FROM django_session WHERE session_key = 'runtime-role-check'")
        visits = app.execute("SELECT count(*) FROM scheduling_appointment").fetchone()

    assert kept == ("e31",) and visits == (0,)


def test_the_desk_reads_and_cancels_a_visit_with_the_runtime_roles_privileges_and_its_read_is_logged(site, runtime_role):
    grant_runtime_role(runtime_role.name)
    desk = api_client(site.desk)
    with connection.cursor() as cursor:  # this test's transaction only: the app's requests run as the runtime role
        cursor.execute(f"SET LOCAL ROLE {connection.ops.quote_name(runtime_role.name)}")

    read = desk.get(reverse("api:appointment", args=[site.visit.pk]))
    cancelled = desk.post(reverse("api:appointment-cancel", args=[site.visit.pk]), {"reason": "Patient called"},
                          format="json")

    assert (read.status_code, cancelled.status_code) == (200, 200), cancelled.content
    site.visit.refresh_from_db()
    assert site.visit.status == "cancelled" and site.visit.events.exists()
    assert AuditEntry.objects.filter(patient_id=site.patient.pk, action=Action.READ, actor=site.desk).exists()
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        assert cursor.fetchone() == (runtime_role.name,)


def test_emptying_or_trimming_the_log_is_refused_to_the_runtime_role(site, runtime_role):
    record(action=Action.READ, target=site.patient, actor=site.desk)
    grant_runtime_role(runtime_role.name)
    with connection.cursor() as cursor:
        cursor.execute(f"SET LOCAL ROLE {connection.ops.quote_name(runtime_role.name)}")

    with pytest.raises(CommandError, match="Only the owner of audit_auditentry"):
        call_command("purge_audit_log", "--before", "2019-01-01")
    with pytest.raises(CommandError, match="Only the owner of audit_auditentry"):
        call_command("flush", interactive=False, verbosity=0)

    assert AuditEntry.objects.count() == 1


@pytest.mark.django_db
def test_a_runtime_role_that_would_not_protect_the_log_is_refused(runtime_role):
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_user")
        (owner,) = cursor.fetchone()

    with pytest.raises(RuntimeRoleRefused, match="does not exist"):
        grant_runtime_role("clearday_no_such_role")
    with pytest.raises(RuntimeRoleRefused, match="superuser|the owner"):
        grant_runtime_role(owner)
