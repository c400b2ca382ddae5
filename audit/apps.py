from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.db.models.signals import post_migrate


def grant_the_runtime_role(sender, using, **kwargs):
    """After every migrate (and flush) on PostgreSQL with a runtime role configured, the runtime
    role gets its privileges on the tables the migrations just made (audit/owner.py)."""
    from django.conf import settings
    from django.db import connections

    from .owner import grant_runtime_role

    if settings.DATABASE_RUNTIME_ROLE and connections[using].vendor == "postgresql":
        grant_runtime_role(settings.DATABASE_RUNTIME_ROLE, using=using)


class AuditConfig(AppConfig):
    default = True
    name = "audit"
    verbose_name = "Audit log"

    def ready(self):
        post_migrate.connect(grant_the_runtime_role, sender=self)


class AuditedAdminConfig(admin_apps.AdminConfig):
    """The Django admin, with every add, change and delete also written to the audit log
    (`audit.admin_site`). Listed in INSTALLED_APPS in place of `django.contrib.admin`."""

    default = False
    default_site = "audit.admin_site.AuditedAdminSite"
