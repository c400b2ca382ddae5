"""The messaging policy and the services' message plans are part of the clinic's set-up that
processes keep in memory (scheduling.catalog): writes to them change the catalog version too."""

from django.db import migrations

from scheduling import catalog_triggers
from scheduling.models.catalog_version import MESSAGING_TABLES as TABLES


def forwards(apps, schema_editor):
    catalog_triggers.add_triggers(schema_editor, TABLES)


def backwards(apps, schema_editor):
    catalog_triggers.drop_triggers(schema_editor, TABLES)


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_outbox"), ("scheduling", "0006_catalog_version")]

    operations = [migrations.RunPython(forwards, backwards)]
