"""The body of a text a patient sends us becomes a text column holding a Fernet token
(config/field_encryption.py); 0004 encrypts the rows already there."""

import config.field_encryption
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('notifications', '0002_messaging_catalog_version'),
    ]

    operations = [
        migrations.AlterField(
            model_name='inboundmessage',
            name='body',
            field=config.field_encryption.EncryptedTextField(blank=True, help_text="The patient's own words, as received."),
        ),
    ]
