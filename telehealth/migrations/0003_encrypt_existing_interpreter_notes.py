"""Encrypt the interpreter notes written before they were encrypted at rest (0002 turned the
column into text). Reversible: going back writes them out in clear again (the API and the admin
still cap them at the old column's 300 characters), so only roll back to recover, never as routine."""

from django.db import migrations

from config.encrypted_columns import migration_step


class Migration(migrations.Migration):

    dependencies = [
        ("telehealth", "0002_encrypt_interpreter_notes_at_rest"),
    ]

    operations = [
        migrations.RunPython(migration_step("telehealth", "InterpreterNeed", ["notes"]),
                             migration_step("telehealth", "InterpreterNeed", ["notes"], backward=True)),
    ]
