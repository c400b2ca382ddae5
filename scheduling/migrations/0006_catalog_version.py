"""The catalog version row and the triggers that change it (scheduling.catalog_triggers)."""

from django.db import migrations, models

from scheduling import catalog_triggers
from scheduling.models.catalog_version import CATALOG_TABLES


def forwards(apps, schema_editor):
    catalog_triggers.add_triggers(schema_editor, CATALOG_TABLES)
    schema_editor.execute("INSERT INTO scheduling_catalogversion (id, version) VALUES (1, 1)")


def backwards(apps, schema_editor):
    catalog_triggers.drop_triggers(schema_editor, CATALOG_TABLES)
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("DROP FUNCTION IF EXISTS scheduling_bump_catalog_version()")


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0005_courses")]

    operations = [
        migrations.CreateModel(
            name="CatalogVersion",
            fields=[
                ("id", models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False)),
                ("version", models.BigIntegerField()),
            ],
            options={"verbose_name": "catalog version"},
        ),
        migrations.RunPython(forwards, backwards),
    ]
