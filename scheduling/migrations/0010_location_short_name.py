from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0009_location_check_in_window")]

    operations = [
        migrations.AddField(
            model_name="location",
            name="short_name",
            field=models.CharField(
                blank=True,
                help_text='How texts to patients name the site, e.g. "San Diego" (a place, never a treatment word). '
                "Blank: the name, if it is short enough.",
                max_length=20,
            ),
        )
    ]
