"""`manage.py flush`, Django's own, which also empties the audit log.

Flushing truncates every table in one statement, and the audit log's trigger refuses TRUNCATE
(audit/migrations/0003). This flush runs Django's inside `append_only_suspended`, which only the
schema's owner may: `seed_demo --reset` and the test suite's resets between transactional tests
(both as the owner) work, and the runtime role gets a clear refusal. An app's command of the same
name replaces Django's built-in one, so `call_command("flush")` everywhere means this one.
"""

from django.core.management.base import CommandError
from django.core.management.commands import flush

from audit.owner import append_only_suspended, NotTheOwner


class Command(flush.Command):
    help = flush.Command.help + " The audit log included: run as the schema's owner."

    def handle(self, **options):
        try:
            with append_only_suspended(options["database"]):
                super().handle(**options)
        except NotTheOwner as refused:
            raise CommandError(str(refused)) from refused
