"""Encrypt the screening answers and the clearance notes stored before they were encrypted at rest
(0002 turned their columns into text). Reversible: going back writes them out in clear again, in
the form the old column types cast from, so only roll back to recover, never as routine."""

from django.db import migrations

from config.encrypted_columns import migration_step

SCREENING = ["uncontrolled_hypertension", "psychosis_or_mania", "pregnancy", "aneurysmal_vascular_disease",
             "intracerebral_hemorrhage", "hypersensitivity", "substance_use", "details"]
CLEARANCE = ["notes", "revoke_reason"]


def forward(apps, schema_editor):
    migration_step("care", "ContraindicationScreening", SCREENING)(apps, schema_editor)
    migration_step("care", "Clearance", CLEARANCE)(apps, schema_editor)


def backward(apps, schema_editor):
    migration_step("care", "ContraindicationScreening", SCREENING, backward=True)(apps, schema_editor)
    migration_step("care", "Clearance", CLEARANCE, backward=True)(apps, schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ("care", "0002_encrypt_screenings_at_rest"),
    ]

    operations = [
        migrations.RunPython(forward, backward),
    ]
