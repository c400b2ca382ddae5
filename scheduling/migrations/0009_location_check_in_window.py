"""A site chooses how long before a visit starts check-in opens (an hour unless it says otherwise):
the desk can no longer check a patient in days early by mistake, and can still do it with a reason."""

import django.core.validators
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0008_delete_idempotencyrecord")]

    operations = [
        migrations.AddField(
            model_name="location",
            name="check_in_opens_minutes",
            field=models.PositiveSmallIntegerField(
                default=60,
                help_text="How many minutes before a visit starts the patient can be checked in (0 to 1440). "
                          "Earlier, only the front desk can, with a reason.",
                validators=[django.core.validators.MinValueValidator(0),
                            django.core.validators.MaxValueValidator(1440)]),
        ),
        migrations.AddConstraint(
            model_name="location",
            constraint=models.CheckConstraint(condition=models.Q(check_in_opens_minutes__lte=1440),
                                              name="location_check_in_window_at_most_a_day"),
        ),
    ]
