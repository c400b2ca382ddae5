#!/usr/bin/env python
import os
import sys

# The commands that change the schema or empty the audit log connect as the schema's owner
# (MIGRATE_DATABASE_URL) when it is set; everything else, like the web, worker and beat, connects
# as DATABASE_URL's runtime role (config/settings.py, Database).
OWNER_COMMANDS = {"migrate", "flush", "seed_demo", "grant_runtime_role", "purge_audit_log"}

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    if len(sys.argv) > 1 and sys.argv[1] in OWNER_COMMANDS:
        os.environ.setdefault("CLEARDAY_DATABASE_AS_OWNER", "true")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
