"""The catalog version row (scheduling.catalog.changed() sets it)."""

from django.db import migrations, models


def first_version(apps, schema_editor):
    apps.get_model("scheduling", "CatalogVersion").objects.create(pk=1, version=1)


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
        migrations.RunPython(first_version, migrations.RunPython.noop),
    ]
