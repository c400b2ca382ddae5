from django.apps import AppConfig
from django.db.backends.signals import connection_created
from django.db.models.signals import post_migrate


class SchedulingConfig(AppConfig):
    name = "scheduling"
    verbose_name = "Scheduling"

    def ready(self) -> None:
        from config.prepared_statements import keep_on_rollback

        post_migrate.connect(_ensure_catalog_triggers, sender=self)
        connection_created.connect(keep_on_rollback, dispatch_uid="clearday.keep_on_rollback")


def _ensure_catalog_triggers(sender, using="default", **kwargs) -> None:
    from django.db import connections

    from scheduling.catalog_triggers import ensure_triggers

    ensure_triggers(connections[using])
