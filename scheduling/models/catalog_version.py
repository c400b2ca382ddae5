"""A number that changes whenever the clinic's set-up changes, so processes can keep the set-up in
memory (scheduling.catalog) and still never book against an outdated copy."""

from django.db import models


class CatalogVersion(models.Model):
    """One row. scheduling.catalog.changed() sets `version` to a fresh random number in the same
    transaction as each change to the set-up, so a rolled-back change rolls it back with the data."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    version = models.BigIntegerField()

    class Meta:
        verbose_name = "catalog version"
