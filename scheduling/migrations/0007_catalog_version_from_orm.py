"""The set-up's version now changes from the ORM, in the transaction of the change
(scheduling.catalog.changed()): drop the database triggers that used to change it, where a
database still has them. Raw SQL: the ORM has no operation for triggers."""

from django.db import migrations

TABLES = (
    "scheduling_location", "scheduling_resource", "scheduling_staffmember", "scheduling_staffmember_locations",
    "scheduling_service", "scheduling_service_locations", "scheduling_phase", "scheduling_workinghours",
    "scheduling_hoursoverride", "scheduling_closure", "notifications_messagingpolicy",
    "notifications_servicemessageplan",
)


def drop_triggers(apps, schema_editor):
    execute = schema_editor.execute
    if schema_editor.connection.vendor == "postgresql":
        for table in TABLES:
            execute(f"DROP TRIGGER IF EXISTS {table}_catalog_version ON {table}")
        execute("DROP FUNCTION IF EXISTS scheduling_bump_catalog_version()")
    elif schema_editor.connection.vendor == "sqlite":
        for table in TABLES:
            for event in ("insert", "update", "delete"):
                execute(f"DROP TRIGGER IF EXISTS {table}_catalog_version_{event}")


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0006_catalog_version"), ("notifications", "0002_messaging_catalog_version")]

    operations = [migrations.RunPython(drop_triggers, migrations.RunPython.noop)]
