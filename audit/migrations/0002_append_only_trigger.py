"""On PostgreSQL the database itself refuses to change the audit log: UPDATE and DELETE of a
row, and TRUNCATE of the table, raise.

TRUNCATE is let through only in a session that has set `clearday.audit_truncate` to `allow`:
emptying a whole database (`seed_demo --reset`, the test suite between transactional tests)
truncates every table at once. Nothing in the application's requests or tasks sets it.
"""

from django.db import migrations

TABLE = "audit_auditentry"

INSTALL = f"""
CREATE OR REPLACE FUNCTION audit_entry_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' AND current_setting('clearday.audit_truncate', true) = 'allow' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'The audit log is append-only: % on {TABLE} is refused.', TG_OP
        USING ERRCODE = 'restrict_violation';
END
$$;
CREATE TRIGGER audit_entry_append_only BEFORE UPDATE OR DELETE ON {TABLE}
    FOR EACH ROW EXECUTE FUNCTION audit_entry_refuse_change();
CREATE TRIGGER audit_entry_no_truncate BEFORE TRUNCATE ON {TABLE}
    FOR EACH STATEMENT EXECUTE FUNCTION audit_entry_refuse_change();
"""

UNINSTALL = f"""
DROP TRIGGER IF EXISTS audit_entry_no_truncate ON {TABLE};
DROP TRIGGER IF EXISTS audit_entry_append_only ON {TABLE};
DROP FUNCTION IF EXISTS audit_entry_refuse_change();
"""


def on_postgresql(sql: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)
    return run


class Migration(migrations.Migration):

    dependencies = [("audit", "0001_initial")]

    operations = [migrations.RunPython(on_postgresql(INSTALL), on_postgresql(UNINSTALL), elidable=False)]
