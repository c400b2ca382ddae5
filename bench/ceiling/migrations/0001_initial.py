"""The ceiling table, with the exclusion constraint scheduling_allocation has (migration
scheduling 0002), so the ceiling's insert pays the same index and constraint check."""

from django.db import migrations, models


def add_constraint(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    schema_editor.execute(
        "ALTER TABLE bench_ceiling_row ADD CONSTRAINT bench_ceiling_no_overlap EXCLUDE USING gist "
        "(resource_id WITH =, tstzrange(start, \"end\", '[)') WITH &&) WHERE (exclusive AND resource_id IS NOT NULL)"
    )


def drop_constraint(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("ALTER TABLE bench_ceiling_row DROP CONSTRAINT IF EXISTS bench_ceiling_no_overlap")


class Migration(migrations.Migration):
    initial = True
    dependencies: list = []

    operations = [
        migrations.CreateModel(
            name="CeilingRow",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("resource_id", models.BigIntegerField()),
                ("start", models.DateTimeField()),
                ("end", models.DateTimeField()),
                ("exclusive", models.BooleanField(default=True)),
            ],
            options={"db_table": "bench_ceiling_row"},
        ),
        migrations.RunPython(add_constraint, drop_constraint),
    ]
