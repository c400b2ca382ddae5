"""What only the schema's owner may do on PostgreSQL: give the runtime role its privileges, and
empty or trim the audit log.

Two roles (README, Database roles). The owner owns the tables and runs the migrations and these
commands (`MIGRATE_DATABASE_URL`). The runtime role, which the web, the worker and beat connect
as (`DATABASE_URL`), owns nothing: it may read and write every table but the audit log, which it
may only INSERT into and SELECT from. Owning nothing, it can neither disable nor drop the
log's trigger, nor replace its function; not being a superuser, it cannot set
`session_replication_role` to skip the trigger. So the app's credentials, or an SQL injection,
cannot erase the trail; only the owner can, and only on purpose, through `append_only_suspended`.

The statements here are hand-made SQL because the ORM has no words for privileges and triggers.
"""

from __future__ import annotations

from contextlib import contextmanager

from django.db import connections, DEFAULT_DB_ALIAS, ProgrammingError, transaction

from .models import AuditEntry


class NotTheOwner(Exception):
    """The connection's role may not do this: only the schema's owner may (MIGRATE_DATABASE_URL)."""


class RuntimeRoleRefused(Exception):
    """The role named as the runtime role would not make the audit log safe (missing, a superuser, the owner)."""


def audit_table() -> str:
    return AuditEntry._meta.db_table


@contextmanager
def append_only_suspended(using: str = DEFAULT_DB_ALIAS):
    """A transaction in which the audit log's trigger is off, so the block may delete or truncate
    its rows. ALTER TABLE ... DISABLE TRIGGER is transactional and locks the table: no other
    session ever sees the trigger off, and if the block fails the trigger was never off at all.
    PostgreSQL lets only the table's owner (or a superuser) do it. Elsewhere (SQLite) there is no
    trigger and this is a plain transaction."""
    connection = connections[using]
    with transaction.atomic(using=using):
        if connection.vendor != "postgresql":
            yield
            return
        table = connection.ops.quote_name(audit_table())
        try:
            with connection.cursor() as cursor:
                cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        except ProgrammingError as error:  # insufficient privilege: not the owner
            raise NotTheOwner(f"Only the owner of {audit_table()} may remove audit entries; this connection's role "
                              f"may not ({error}). Run it with MIGRATE_DATABASE_URL set to the owner's URL.") from error
        yield
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")


def grant_runtime_role(role: str, using: str = DEFAULT_DB_ALIAS) -> None:
    """Give `role` the ordinary privileges on every table and sequence of the schema, then take
    back UPDATE, DELETE and TRUNCATE on the audit log; and the same for the tables later
    migrations create (default privileges, and this runs again after every migrate). Run as the
    owner. Idempotent."""
    connection = connections[using]
    if connection.vendor != "postgresql":
        raise RuntimeRoleRefused("Database roles exist on PostgreSQL only; this database is "
                                 f"{connection.vendor}.")
    quote = connection.ops.quote_name
    with transaction.atomic(using=using), connection.cursor() as cursor:
        cursor.execute("SELECT current_user, current_schema(), "
                       "(SELECT rolsuper FROM pg_roles WHERE rolname = %s)", [role])
        owner, schema, superuser = cursor.fetchone()
        if superuser is None:
            raise RuntimeRoleRefused(f"The runtime role {role!r} does not exist; create it first "
                                     "(README, Database roles).")
        if superuser:
            raise RuntimeRoleRefused(f"The runtime role {role!r} is a superuser, which could still erase the audit "
                                     "log; give the app a role with NOSUPERUSER.")
        if role == owner:
            raise RuntimeRoleRefused(f"The runtime role {role!r} is the role running the migrations, the owner; the "
                                     "app must connect as another role (README, Database roles).")
        role, schema, table = quote(role), quote(schema), quote(audit_table())
        for statement in (
            f"GRANT USAGE ON SCHEMA {schema} TO {role}",
            f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA {schema} TO {role}",
            f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA {schema} TO {role}",
            f"REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON {table} FROM {role}",
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role}",
            f"ALTER DEFAULT PRIVILEGES IN SCHEMA {schema} GRANT USAGE, SELECT ON SEQUENCES TO {role}",
        ):
            cursor.execute(statement)


def purge_before(moment, using: str = DEFAULT_DB_ALIAS) -> int:
    """Delete the audit entries older than `moment` (retention), as the owner; returns how many.
    Plain SQL: the model's queryset refuses every delete, by design."""
    connection = connections[using]
    table = connection.ops.quote_name(audit_table())
    with append_only_suspended(using), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {table} WHERE at < %s", [moment])  # nosec B608 - the model's quoted table name
        return cursor.rowcount
