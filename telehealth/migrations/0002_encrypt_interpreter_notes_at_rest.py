"""The desk's interpreter notes become a text column holding a Fernet token
(config/field_encryption.py); 0003 encrypts the rows already there."""

import config.field_encryption
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('telehealth', '0001_initial'),
    ]

    operations = [
        migrations.AlterField(
            model_name='interpreterneed',
            name='notes',
            field=config.field_encryption.EncryptedTextField(blank=True, help_text='Agency, phone line or booking reference.', max_length=300),
        ),
    ]
