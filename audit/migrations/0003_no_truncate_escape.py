"""The trigger of 0002 refused UPDATE, DELETE and TRUNCATE unless a session had set
`clearday.audit_truncate` to `allow`, which any session may set: anyone holding the app's
database credentials could empty the log. The function now refuses always.

Emptying the table (the whole-database flush of `seed_demo --reset` and of the test suite, and
retention's `purge_audit_log`) is the schema owner's act: it disables the trigger for the length
of its own transaction (`audit/owner.py`), which PostgreSQL allows the table's owner only. The
app itself connects as a runtime role that owns nothing (README, Database roles).
"""

from django.db import migrations

TABLE = "audit_auditentry"

ALWAYS_REFUSE = f"""
CREATE OR REPLACE FUNCTION audit_entry_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'The audit log is append-only: % on {TABLE} is refused.', TG_OP
        USING ERRCODE = 'restrict_violation';
END
$$;
"""

WITH_THE_ESCAPE = f"""
CREATE OR REPLACE FUNCTION audit_entry_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' AND current_setting('clearday.audit_truncate', true) = 'allow' THEN
        RETURN NULL;
    END IF;
    RAISE EXCEPTION 'The audit log is append-only: % on {TABLE} is refused.', TG_OP
        USING ERRCODE = 'restrict_violation';
END
$$;
"""


def on_postgresql(sql: str):
    def run(apps, schema_editor):
        if schema_editor.connection.vendor == "postgresql":
            schema_editor.execute(sql, params=None)
    return run


class Migration(migrations.Migration):

    dependencies = [("audit", "0002_append_only_trigger")]

    operations = [migrations.RunPython(on_postgresql(ALWAYS_REFUSE), on_postgresql(WITH_THE_ESCAPE), elidable=False)]
