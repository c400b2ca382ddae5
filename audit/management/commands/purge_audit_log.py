"""`manage.py purge_audit_log --before YYYY-MM-DD`: retention. Deletes the audit entries recorded
before 00:00 UTC of that day, as the schema's owner (the trigger is off only inside the command's
own transaction: audit/owner.py), and records that it did, with how many and up to when.

    manage.py purge_audit_log --before 2019-01-01 --dry-run    how many would go
    manage.py purge_audit_log --before 2019-01-01              delete them

Keep what the clinic's retention policy requires (HIPAA asks six years of its documentation).
"""

import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from audit.models import Action, AuditEntry
from audit.owner import NotTheOwner, purge_before
from audit.services import record


def day(value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise CommandError(f"--before must be a date as YYYY-MM-DD, not {value!r}.") from None


class Command(BaseCommand):
    help = "Delete the audit entries recorded before a day (retention). Run as the schema's owner."

    def add_arguments(self, parser):
        parser.add_argument("--before", required=True, help="YYYY-MM-DD: entries before 00:00 UTC of this day go.")
        parser.add_argument("--dry-run", action="store_true", help="Count them; delete nothing.")

    def handle(self, *args, before: str, dry_run: bool, **options):
        cutoff = day(before)
        today = timezone.now().astimezone(dt.UTC).date()
        if cutoff > today:
            raise CommandError(f"--before {cutoff} is in the future: it would delete today's entries too.")
        moment = dt.datetime.combine(cutoff, dt.time(), tzinfo=dt.UTC)
        if dry_run:
            count = AuditEntry.objects.filter(at__lt=moment).count()
            self.stdout.write(f"{count} audit entries were recorded before {cutoff}; nothing deleted (--dry-run).")
            return
        try:
            with transaction.atomic():  # the deletion and the entry saying so, together
                count = purge_before(moment)
                record(action=Action.DELETE, kind=AuditEntry._meta.label_lower,
                       summary=f"retention: purged {count} entries recorded before {cutoff}")
        except NotTheOwner as refused:
            raise CommandError(str(refused)) from refused
        self.stdout.write(f"Deleted {count} audit entries recorded before {cutoff}.")
