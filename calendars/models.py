"""Clinicians' private calendar feeds: the settings, the secret URLs, and which visits each feed shows."""

from __future__ import annotations

from django.conf import settings
from django.db import models

from scheduling.models import Appointment, StaffMember


class FeedSettings(models.Model):
    """The clinic's calendar-feed settings: one row (pk=1), edited in the admin."""

    show_patient_initials = models.BooleanField(
        default=False,
        help_text="Add the patient's initials to each visit's title in clinicians' calendar feeds. "
        "Off by default: feeds are read by outside calendar apps.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = verbose_name_plural = "calendar feed settings"

    def __str__(self) -> str:
        return "Calendar feed settings"

    @classmethod
    def current(cls) -> FeedSettings:
        row = cls.objects.filter(pk=1).first()
        return row if row is not None else cls.objects.get_or_create(pk=1)[0]


class FeedToken(models.Model):
    """A clinician's feed URL. Only a hash of its secret is kept: the URL is shown once, when it
    is issued; issuing a new one ends the old one, and deleting the row revokes it."""

    staff = models.OneToOneField(StaffMember, on_delete=models.CASCADE, related_name="calendar_feed")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    last_read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = "calendar feed URL"

    def __str__(self) -> str:
        return f"Calendar feed of {self.staff}"


class FeedEntry(models.Model):
    """One visit in one clinician's feed: the row of the visit they are on now (a move updates it
    when they stay on the visit; when they leave it, it keeps the row they were on, which the
    feed shows as cancelled). `root_id` is the visit's first booking, the event's UID."""

    staff = models.ForeignKey(StaffMember, on_delete=models.CASCADE, related_name="+")
    root_id = models.BigIntegerField()
    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="+")
    moves = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["staff", "root_id"], name="feed_entry_one_per_visit")]
        indexes = [models.Index(fields=["staff", "appointment"], name="feed_entry_staff_appointment")]
