from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps


class AuditConfig(AppConfig):
    default = True
    name = "audit"
    verbose_name = "Audit log"


class AuditedAdminConfig(admin_apps.AdminConfig):
    """The Django admin, with every add, change and delete also written to the audit log
    (`audit.admin_site`). Listed in INSTALLED_APPS in place of `django.contrib.admin`."""

    default = False
    default_site = "audit.admin_site.AuditedAdminSite"
