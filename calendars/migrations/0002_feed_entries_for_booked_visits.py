"""Clinicians' feeds start with the visits already booked: one entry per clinician a live visit holds."""

from django.db import migrations


def backfill(apps, schema_editor):
    Allocation = apps.get_model("scheduling", "Allocation")
    Appointment = apps.get_model("scheduling", "Appointment")
    FeedEntry = apps.get_model("calendars", "FeedEntry")
    earlier = dict(Appointment.objects.filter(rescheduled_to__isnull=False).values_list("rescheduled_to_id", "pk"))
    pairs = (
        Allocation.objects.filter(staff__isnull=False, appointment__status__in=("booked", "checked_in", "completed"))
        .values_list("appointment_id", "staff_id")
        .distinct()
    )
    rows = {}
    for appointment_id, staff_id in pairs:
        root, moves = appointment_id, 0
        while root in earlier:
            root, moves = earlier[root], moves + 1
        rows[(staff_id, root)] = FeedEntry(staff_id=staff_id, root_id=root, appointment_id=appointment_id, moves=moves)
    FeedEntry.objects.bulk_create(rows.values(), batch_size=1000, ignore_conflicts=True)


class Migration(migrations.Migration):
    dependencies = [("calendars", "0001_feeds")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
