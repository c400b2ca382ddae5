"""Once installed database triggers on the messaging set-up; scheduling 0007 drops them where
they are still installed, and the set-up's version now changes from the ORM (scheduling.catalog)."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("notifications", "0001_outbox"), ("scheduling", "0006_catalog_version")]

    operations = []
