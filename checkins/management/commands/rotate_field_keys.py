"""Re-encrypt every value of every encrypted field with the newest key in FIELD_ENCRYPTION_KEYS.

Rotation: put the new key first and keep the old ones after it (`FIELD_ENCRYPTION_KEYS=new,old`),
deploy, run this command, then drop the old keys. It works in batches, leaves values the newest key
already opens alone, and never overwrites a value the application saved meanwhile, so it can run
while the clinic works and can be run again after an interruption.
"""

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from config import encrypted_columns, field_encryption


class Command(BaseCommand):
    help = "Re-encrypt every encrypted value with the newest key in FIELD_ENCRYPTION_KEYS (batched, resumable)."

    def add_arguments(self, parser):
        parser.add_argument("--batch-size", type=int, default=encrypted_columns.BATCH_SIZE,
                            help="Rows per transaction (default %(default)s).")

    def handle(self, *args, batch_size: int, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        keys = field_encryption.configured_keys()
        self.stdout.write(f"Rotating to the first of {len(keys)} key(s) in FIELD_ENCRYPTION_KEYS.")
        for model, fields in field_encryption.encrypted_fields():
            try:
                tally = encrypted_columns.rotate_rows(connection, model, fields, batch_size=batch_size)
            except field_encryption.UnreadableValue as exc:
                raise CommandError(str(exc)) from None
            line = f"{tally.label}: {tally.rows} rows read, {tally.values_changed} values re-encrypted"
            if tally.skipped_changed_meanwhile:
                line += (f", {tally.skipped_changed_meanwhile} values saved by the application meanwhile "
                         "(left as saved, already under the newest key)")
            self.stdout.write(line + ".")
