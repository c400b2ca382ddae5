"""Idempotency records belong to the API that answers retries (api.models), not among the
scheduling models. Keys live a day, so none are carried over."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0007_catalog_version_from_orm")]

    operations = [migrations.DeleteModel(name="IdempotencyRecord")]
