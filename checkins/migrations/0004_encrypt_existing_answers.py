"""Encrypt the answers, scores, alert reasons and notes stored before they were encrypted at rest
(0003 turned their columns into text). Reversible: going back writes them out in clear again, in
the form the old column types cast from, so only roll back to recover, never as routine."""

from django.db import migrations

from config.encrypted_columns import migration_step

ANSWERS = ["mood", "sleep", "side_effects", "side_effects_other", "phq_items", "gad7_items", "phq2_score",
           "phq9_score", "gad7_score", "free_text"]
ALERT = ["reasons", "note"]


def forward(apps, schema_editor):
    migration_step("checkins", "CheckInAnswers", ANSWERS)(apps, schema_editor)
    migration_step("checkins", "RiskAlert", ALERT)(apps, schema_editor)


def backward(apps, schema_editor):
    migration_step("checkins", "CheckInAnswers", ANSWERS, backward=True)(apps, schema_editor)
    migration_step("checkins", "RiskAlert", ALERT, backward=True)(apps, schema_editor)


class Migration(migrations.Migration):

    dependencies = [
        ("checkins", "0003_encrypt_answers_at_rest"),
    ]

    operations = [
        migrations.RunPython(forward, backward),
    ]
