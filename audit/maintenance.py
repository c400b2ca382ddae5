"""Emptying a whole database on purpose. The audit log's PostgreSQL trigger refuses TRUNCATE
unless the session has set `clearday.audit_truncate` to `allow` (audit/migrations/0002); the
two places that wipe every table, `seed_demo --reset` and the test suite's resets between
transactional tests, say so here. Nothing that serves requests or runs tasks calls these."""

from __future__ import annotations

from django.db import connection


def allow_truncate_in_this_session() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET clearday.audit_truncate = 'allow'")


def allow_truncate_in_this_database() -> None:
    """Every later session on this database (threads and workers in tests open their own)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ALTER DATABASE {connection.ops.quote_name(connection.settings_dict['NAME'])} "
                           "SET clearday.audit_truncate = 'allow'")
        allow_truncate_in_this_session()
