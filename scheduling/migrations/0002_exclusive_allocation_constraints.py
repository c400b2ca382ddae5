"""No double booking, enforced by PostgreSQL: exclusive allocations of one staff member or one
resource may not overlap. Half-open ranges, so 10:00-11:00 and 11:00-12:00 may both stand.

SQLite has no exclusion constraints; there the booking service's IMMEDIATE transactions
serialise writers (docs/concurrency.md)."""

from django.db import migrations

CONSTRAINTS = {
    "allocation_no_overlap_resource": "resource_id",
    "allocation_no_overlap_staff": "staff_id",
}


def add_constraints(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
    for name, column in CONSTRAINTS.items():
        schema_editor.execute(
            f"ALTER TABLE scheduling_allocation ADD CONSTRAINT {name} EXCLUDE USING gist "
            f"({column} WITH =, tstzrange(start, \"end\", '[)') WITH &&) "
            f"WHERE (exclusive AND {column} IS NOT NULL)"
        )


def drop_constraints(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in CONSTRAINTS:
        schema_editor.execute(f"ALTER TABLE scheduling_allocation DROP CONSTRAINT IF EXISTS {name}")


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0001_initial")]

    operations = [migrations.RunPython(add_constraints, drop_constraints)]
