"""Encrypt the bodies of the texts received before they were encrypted at rest (0003 made the
column an encrypted field). Reversible: going back writes them out in clear again, so only roll
back to recover, never as routine."""

from django.db import migrations

from config.encrypted_columns import migration_step


class Migration(migrations.Migration):

    dependencies = [
        ("notifications", "0003_encrypt_inbound_bodies_at_rest"),
    ]

    operations = [
        migrations.RunPython(migration_step("notifications", "InboundMessage", ["body"]),
                             migration_step("notifications", "InboundMessage", ["body"], backward=True)),
    ]
