"""Appointments and what they hold. Rows here change only through scheduling.services."""

from django.conf import settings
from django.db import models

from .clinic import Location, Modality, Phase, Resource, Service, StaffMember
from .patients import Patient


class AppointmentStatus(models.TextChoices):
    HELD = "held", "Held"
    BOOKED = "booked", "Booked"
    CHECKED_IN = "checked_in", "Checked in"
    COMPLETED = "completed", "Completed"
    CANCELLED = "cancelled", "Cancelled"
    NO_SHOW = "no_show", "No-show"
    RESCHEDULED = "rescheduled", "Rescheduled"
    EXPIRED = "expired", "Hold expired"


# Statuses whose allocations occupy the calendar (a held one only until it expires).
ACTIVE_STATUSES = (AppointmentStatus.HELD, AppointmentStatus.BOOKED, AppointmentStatus.CHECKED_IN,
                   AppointmentStatus.COMPLETED)


class BookingChannel(models.TextChoices):
    ONLINE = "online", "Online"
    FRONT_DESK = "front_desk", "Front desk"
    PHONE = "phone", "Phone"
    SMS = "sms", "SMS"


class Appointment(models.Model):
    class CancelledBy(models.TextChoices):
        PATIENT = "patient", "Patient"
        CLINIC = "clinic", "Clinic"

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="appointments")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="appointments")
    location = models.ForeignKey(Location, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="appointments", help_text="Blank for a video visit.")
    modality = models.CharField(max_length=20, choices=[c for c in Modality.choices if c[0] != "either"])
    start = models.DateTimeField(db_index=True)
    end = models.DateTimeField()
    status = models.CharField(max_length=20, choices=AppointmentStatus.choices, default=AppointmentStatus.BOOKED)
    hold_expires_at = models.DateTimeField(null=True, blank=True)
    booked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                  related_name="+")
    channel = models.CharField(max_length=20, choices=BookingChannel.choices, default=BookingChannel.ONLINE)
    staff_notes = models.TextField(blank=True)
    cancelled_by = models.CharField(max_length=20, choices=CancelledBy.choices, blank=True)
    cancel_reason = models.CharField(max_length=300, blank=True)
    late_cancellation = models.BooleanField(default=False)
    rescheduled_to = models.OneToOneField("self", null=True, blank=True, on_delete=models.SET_NULL,
                                          related_name="rescheduled_from")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["start"]
        indexes = [models.Index(fields=["patient", "start"]), models.Index(fields=["status", "start"]),
                   models.Index(fields=["location", "start"], name="appointment_location_start")]
        constraints = [
            models.CheckConstraint(condition=models.Q(end__gt=models.F("start")), name="appointment_end_after_start"),
            # A hold without an expiry would block the calendar for ever.
            models.CheckConstraint(
                condition=~models.Q(status=AppointmentStatus.HELD) | models.Q(hold_expires_at__isnull=False),
                name="appointment_hold_expires"),
        ]

    def __str__(self) -> str:
        return f"{self.service.code} for patient {self.patient_id} at {self.start:%Y-%m-%d %H:%M}Z"


class Allocation(models.Model):
    """What one phase of an appointment holds: one staff member or one resource for a time range.

    Exclusive rows may never overlap for the same staff member or resource (a PostgreSQL
    exclusion constraint, see migration 0002). Shared rows take `share` units of a nurse's watch
    capacity, checked by the booking service under the staff member's lock. Rows are deleted
    when the appointment stops holding time (cancelled, moved, hold expired)."""

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="allocations")
    phase = models.ForeignKey(Phase, on_delete=models.PROTECT, related_name="+")
    staff = models.ForeignKey(StaffMember, null=True, blank=True, on_delete=models.PROTECT, related_name="allocations")
    resource = models.ForeignKey(Resource, null=True, blank=True, on_delete=models.PROTECT, related_name="allocations")
    start = models.DateTimeField()
    end = models.DateTimeField()
    exclusive = models.BooleanField(default=True)
    share = models.PositiveSmallIntegerField(default=0, help_text="Units of watch capacity when not exclusive.")
    hold_expires_at = models.DateTimeField(null=True, blank=True, help_text="Copied from a held appointment.")

    class Meta:
        ordering = ["start"]
        indexes = [
            models.Index(fields=["resource", "start", "end"]),
            models.Index(fields=["staff", "start", "end"]),
            models.Index(fields=["start", "end"]),
        ]
        constraints = [
            models.CheckConstraint(condition=models.Q(end__gt=models.F("start")), name="allocation_end_after_start"),
            models.CheckConstraint(
                condition=(models.Q(staff__isnull=False, resource__isnull=True)
                           | models.Q(staff__isnull=True, resource__isnull=False)),
                name="allocation_one_holder"),
            models.CheckConstraint(condition=models.Q(exclusive=True) | models.Q(share__gte=1),
                                   name="allocation_shared_takes_capacity"),
        ]


class AppointmentEvent(models.Model):
    """Append-only record of every change to an appointment: who, when, from -> to, why."""

    appointment = models.ForeignKey(Appointment, on_delete=models.PROTECT, related_name="events")
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                              related_name="+")
    actor_kind = models.CharField(max_length=20, help_text="patient, staff, system or sms")
    action = models.CharField(max_length=40)
    from_status = models.CharField(max_length=20, blank=True)
    to_status = models.CharField(max_length=20, blank=True)
    reason = models.CharField(max_length=300, blank=True)
    data = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]

