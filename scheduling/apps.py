from django.apps import AppConfig
from django.db.models.signals import post_migrate


class SchedulingConfig(AppConfig):
    name = "scheduling"
    verbose_name = "Scheduling"

    def ready(self) -> None:
        post_migrate.connect(_ensure_catalog_triggers, sender=self)


def _ensure_catalog_triggers(sender, using="default", **kwargs) -> None:
    from django.db import connections

    from scheduling.catalog_triggers import ensure_triggers

    ensure_triggers(connections[using])
