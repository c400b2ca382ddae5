"""Check-in answers, scores, alert reasons and notes become text columns holding Fernet tokens
(config/field_encryption.py); 0004 encrypts the rows already there. The acknowledged-alert check
no longer reads the note (a token is never empty): checkins.alerts requires the note."""

import config.field_encryption
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('checkins', '0002_default_risk_rules'),
        ('notifications', '0001_outbox'),
        ('scheduling', '0005_courses'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name='riskalert',
            name='riskalert_acknowledged_with_note',
        ),
        migrations.AlterField(
            model_name='checkinanswers',
            name='free_text',
            field=config.field_encryption.EncryptedTextField(blank=True),
        ),
        migrations.AlterField(
            model_name='checkinanswers',
            name='gad7_items',
            field=config.field_encryption.EncryptedJSONField(blank=True, default=list),
        ),
        migrations.AlterField(
            model_name='checkinanswers',
            name='gad7_score',
            field=config.field_encryption.EncryptedIntegerField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name='checkinanswers',
            name='mood',
            field=config.field_encryption.EncryptedIntegerField(blank=True, help_text='0 (very low) to 10 (very good).', null=True),
        ),
        migrations.AlterField(
            model_name='checkinanswers',
            name='phq2_score',
            field=config.field_encryption.EncryptedIntegerField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name='checkinanswers',
            name='phq9_score',
            field=config.field_encryption.EncryptedIntegerField(blank=True, null=True),
        ),
        migrations.AlterField(
            model_name='checkinanswers',
            name='phq_items',
            field=config.field_encryption.EncryptedJSONField(blank=True, default=list, help_text='PHQ-9 answers in item order (2 for a PHQ-2).'),
        ),
        migrations.AlterField(
            model_name='checkinanswers',
            name='side_effects',
            field=config.field_encryption.EncryptedJSONField(blank=True, default=list, help_text='nausea, dizziness, dissociation (lasting), other; empty for none.'),
        ),
        migrations.AlterField(
            model_name='checkinanswers',
            name='side_effects_other',
            field=config.field_encryption.EncryptedTextField(blank=True, max_length=300),
        ),
        migrations.AlterField(
            model_name='checkinanswers',
            name='sleep',
            field=config.field_encryption.EncryptedIntegerField(blank=True, help_text='0 (very badly) to 10 (very well).', null=True),
        ),
        migrations.AlterField(
            model_name='riskalert',
            name='note',
            field=config.field_encryption.EncryptedTextField(blank=True, help_text='What the clinician did; checkins.alerts requires it.'),
        ),
        migrations.AlterField(
            model_name='riskalert',
            name='reasons',
            field=config.field_encryption.EncryptedJSONField(default=list, help_text='What raised it, for clinicians: [{code, detail}].'),
        ),
        migrations.AddConstraint(
            model_name='riskalert',
            constraint=models.CheckConstraint(condition=models.Q(('status', 'open'), models.Q(('acknowledged_at__isnull', False), ('acknowledged_by__isnull', False)), _connector='OR'), name='riskalert_acknowledged_by_someone'),
        ),
    ]
