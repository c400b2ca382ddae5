"""Screening answers and clearance notes become text columns holding Fernet tokens
(config/field_encryption.py); 0003 encrypts the rows already there."""

import config.field_encryption
from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('care', '0001_initial'),
    ]

    operations = [
        migrations.AlterField(
            model_name='clearance',
            name='notes',
            field=config.field_encryption.EncryptedTextField(blank=True, help_text='Required when the screening has findings: how they were weighed.'),
        ),
        migrations.AlterField(
            model_name='clearance',
            name='revoke_reason',
            field=config.field_encryption.EncryptedTextField(blank=True, max_length=300),
        ),
        migrations.AlterField(
            model_name='contraindicationscreening',
            name='aneurysmal_vascular_disease',
            field=config.field_encryption.EncryptedBooleanField(),
        ),
        migrations.AlterField(
            model_name='contraindicationscreening',
            name='details',
            field=config.field_encryption.EncryptedTextField(blank=True, help_text="The patient's own words, medications, dates."),
        ),
        migrations.AlterField(
            model_name='contraindicationscreening',
            name='hypersensitivity',
            field=config.field_encryption.EncryptedBooleanField(),
        ),
        migrations.AlterField(
            model_name='contraindicationscreening',
            name='intracerebral_hemorrhage',
            field=config.field_encryption.EncryptedBooleanField(),
        ),
        migrations.AlterField(
            model_name='contraindicationscreening',
            name='pregnancy',
            field=config.field_encryption.EncryptedBooleanField(),
        ),
        migrations.AlterField(
            model_name='contraindicationscreening',
            name='psychosis_or_mania',
            field=config.field_encryption.EncryptedBooleanField(),
        ),
        migrations.AlterField(
            model_name='contraindicationscreening',
            name='substance_use',
            field=config.field_encryption.EncryptedBooleanField(),
        ),
        migrations.AlterField(
            model_name='contraindicationscreening',
            name='uncontrolled_hypertension',
            field=config.field_encryption.EncryptedBooleanField(),
        ),
    ]
