"""A dated override can set the day's hours ("these are the hours that day"). The set-up's
version changes with it, so no process keeps reading overrides with the old meaning."""

import secrets

from django.db import migrations, models


def new_catalog_version(apps, schema_editor):
    apps.get_model("scheduling", "CatalogVersion").objects.filter(pk=1).update(version=secrets.randbits(63))


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0011_patient_interpreter_language")]

    operations = [
        migrations.AlterField(
            model_name="hoursoverride",
            name="kind",
            field=models.CharField(
                choices=[
                    ("available", "Extra hours"),
                    ("unavailable", "Time off / blocked"),
                    ("hours", "These are the hours (replaces the weekly hours; no times = closed)"),
                ],
                max_length=20,
            ),
        ),
        migrations.RunPython(new_catalog_version, migrations.RunPython.noop),
    ]
