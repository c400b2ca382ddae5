"""`manage.py grant_runtime_role [ROLE]`: give the app's runtime role its privileges on PostgreSQL,
INSERT and SELECT only on the audit log (audit/owner.py). Run as the owner (MIGRATE_DATABASE_URL).

`migrate` does the same after every run when a runtime role is configured (DATABASE_RUNTIME_ROLE,
or DATABASE_URL's user when MIGRATE_DATABASE_URL is set), so a deploy needs no extra step; this
command is for a database migrated before the role existed.
"""

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS

from audit.owner import grant_runtime_role, RuntimeRoleRefused


class Command(BaseCommand):
    help = "Grant the app's runtime role its privileges (INSERT and SELECT only on the audit log). PostgreSQL."

    def add_arguments(self, parser):
        parser.add_argument("role", nargs="?", default="",
                            help="The runtime role (default: the configured one, DATABASE_RUNTIME_ROLE).")
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)

    def handle(self, *args, role: str, database: str, **options):
        role = role or settings.DATABASE_RUNTIME_ROLE
        if not role:
            raise CommandError("Name the runtime role, or set DATABASE_RUNTIME_ROLE (or MIGRATE_DATABASE_URL beside "
                               "DATABASE_URL, whose user is then the runtime role).")
        try:
            grant_runtime_role(role, using=database)
        except RuntimeRoleRefused as refused:
            raise CommandError(str(refused)) from refused
        self.stdout.write(f"Granted {role} its privileges: every table, and only INSERT and SELECT on the audit log.")
