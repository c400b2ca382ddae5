"""The one table the ceiling endpoint writes: the shape of an exclusive allocation."""

from django.db import models


class CeilingRow(models.Model):
    """One time range held by one resource. On PostgreSQL the same exclusion constraint as
    scheduling_allocation (btree_gist, tstzrange overlap) guards it: see migration 0001."""

    resource_id = models.BigIntegerField()
    start = models.DateTimeField()
    end = models.DateTimeField()
    exclusive = models.BooleanField(default=True)

    class Meta:
        db_table = "bench_ceiling_row"
