"""The database triggers that change the catalog version (scheduling.models.catalog_version) with
every write to a table of the clinic's set-up. Used by the migrations that create those tables'
triggers: scheduling 0006 for scheduling's tables, notifications 0002 for the messaging set-up.

PostgreSQL: one statement-level trigger per table (insert, update, delete, truncate). SQLite has
row-level triggers only: three per table. Both upsert the row, so a test database emptied by
TRUNCATE gets it back with the first write to the set-up."""

PG_FUNCTION = """
CREATE OR REPLACE FUNCTION scheduling_bump_catalog_version() RETURNS trigger AS $$
BEGIN
    INSERT INTO scheduling_catalogversion (id, version)
    VALUES (1, floor(random() * 9007199254740991)::bigint)
    ON CONFLICT (id) DO UPDATE SET version = EXCLUDED.version;
    RETURN NULL;
END $$ LANGUAGE plpgsql"""
# Two statements, not one INSERT OR REPLACE: SQLite applies the firing statement's conflict policy
# to the trigger's statements, so under Django's INSERT OR IGNORE (a many-to-many add) a REPLACE
# would be ignored and the version would not change. The UPDATE has no conflict to resolve.
SQLITE_BUMP = ("INSERT OR IGNORE INTO scheduling_catalogversion (id, version) VALUES (1, 0); "
               "UPDATE scheduling_catalogversion SET version = random() WHERE id = 1;")
SQLITE_EVENTS = ("insert", "update", "delete")


def add_triggers(schema_editor, tables) -> None:
    execute = schema_editor.execute
    if schema_editor.connection.vendor == "postgresql":
        execute(PG_FUNCTION)
        for table in tables:
            execute(f"CREATE TRIGGER {table}_catalog_version AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE "
                    f"ON {table} FOR EACH STATEMENT EXECUTE FUNCTION scheduling_bump_catalog_version()")
    elif schema_editor.connection.vendor == "sqlite":
        for table in tables:
            for event in SQLITE_EVENTS:
                execute(f"CREATE TRIGGER {table}_catalog_version_{event} AFTER {event.upper()} ON {table} "
                        f"BEGIN {SQLITE_BUMP} END")


def drop_triggers(schema_editor, tables) -> None:
    execute = schema_editor.execute
    if schema_editor.connection.vendor == "postgresql":
        for table in tables:
            execute(f"DROP TRIGGER IF EXISTS {table}_catalog_version ON {table}")
    elif schema_editor.connection.vendor == "sqlite":
        for table in tables:
            for event in SQLITE_EVENTS:
                execute(f"DROP TRIGGER IF EXISTS {table}_catalog_version_{event}")


def ensure_triggers(connection) -> None:
    """Put back any trigger SQLite dropped: it rebuilds a table for most ALTERs, and a rebuilt
    table has none, so the kept set-up would never be read again. Run after every migrate.
    PostgreSQL keeps triggers through ALTER TABLE."""
    from scheduling.models.catalog_version import CATALOG_TABLES, MESSAGING_TABLES

    if connection.vendor != "sqlite":
        return
    present = set(connection.introspection.table_names())
    if "scheduling_catalogversion" not in present:
        return
    with connection.cursor() as cursor:
        for table in (t for t in (*CATALOG_TABLES, *MESSAGING_TABLES) if t in present):
            for event in SQLITE_EVENTS:
                cursor.execute(f"CREATE TRIGGER IF NOT EXISTS {table}_catalog_version_{event} AFTER {event.upper()} "
                               f"ON {table} BEGIN {SQLITE_BUMP} END")

