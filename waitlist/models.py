"""The waitlist: patients who would take a time sooner than they could book, the time that frees
up, and the offers made of it.

- `WaitlistEntry`: who wants what, where and when (in the patient's own zone), and how urgently.
- `FreedTime`: a span a cancellation, a move or a lapsed hold gave back, written in the very
  transaction that freed it (the outbox pattern: the matcher reads rows, never memory).
- `Offer`: one freed time offered to one entry, with its claim link and its own expiry; its
  texts and emails are ordinary outbox rows (`notifications.OutboundMessage`).
- `WaitlistSettings`: the clinic's choice of offering mode (one row, pk=1).
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models


class OfferMode(models.TextChoices):
    ONE_AT_A_TIME = "one_at_a_time", "One at a time, with the time held"
    FIRST_K = "first_k", "To several at once; the first to claim wins"


class WaitlistSettings(models.Model):
    """How the clinic offers freed time: one row (pk=1), edited in the admin."""

    mode = models.CharField(max_length=16, choices=OfferMode.choices, default=OfferMode.ONE_AT_A_TIME)
    hold_minutes = models.PositiveSmallIntegerField(
        default=15,
        validators=[MinValueValidator(5), MaxValueValidator(240)],
        help_text="How long an offer stays open (one at a time: how long the time is held for the patient).",
    )
    first_k = models.PositiveSmallIntegerField(
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(20)],
        help_text="First K: how many patients are offered the same time at once.",
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "waitlist settings"

    def __str__(self) -> str:
        return "Waitlist settings"

    @classmethod
    def current(cls) -> WaitlistSettings:
        found = cls.objects.filter(pk=1).first()
        return found if found is not None else cls.objects.get_or_create(pk=1)[0]


class Place(models.TextChoices):
    LOCATION = "location", "At a site"
    VIDEO = "video", "By video"
    ANY = "any", "Any site or video"


class EntryStatus(models.TextChoices):
    WAITING = "waiting", "Waiting"
    OFFERED = "offered", "Offered a time"
    BOOKED = "booked", "Booked"
    WITHDRAWN = "withdrawn", "Withdrawn"
    EXPIRED = "expired", "Expired"


# An entry that may still be offered time.
OPEN_STATUSES = (EntryStatus.WAITING, EntryStatus.OFFERED)

WEEKDAYS = range(7)  # Monday is 0, as date.weekday()


def validate_weekdays(value) -> None:
    if not isinstance(value, list) or not value or any(day not in WEEKDAYS for day in value):
        raise ValidationError("Weekdays are a non-empty list of 0 (Monday) to 6 (Sunday).")


def validate_time_ranges(value) -> None:
    """[["HH:MM", "HH:MM"], ...] on the patient's clock; an empty list accepts any time of day."""
    import datetime as dt

    if not isinstance(value, list):
        raise ValidationError('Times of day are a list of ["HH:MM", "HH:MM"] ranges.')
    for pair in value:
        try:
            start, end = (dt.time.fromisoformat(part) for part in pair)
        except (TypeError, ValueError):
            raise ValidationError(f'{pair!r}: give a range as ["HH:MM", "HH:MM"], e.g. ["08:00", "12:00"].') from None
        if start >= end:
            raise ValidationError(f"{pair[0]}-{pair[1]}: a range must start before it ends.")


class WaitlistEntry(models.Model):
    patient = models.ForeignKey("scheduling.Patient", on_delete=models.PROTECT, related_name="waitlist_entries")
    service = models.ForeignKey("scheduling.Service", on_delete=models.PROTECT, related_name="+")
    place = models.CharField(max_length=10, choices=Place.choices, default=Place.ANY)
    location = models.ForeignKey(
        "scheduling.Location",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="The site, when place is 'location'.",
    )
    staff = models.ForeignKey(
        "scheduling.StaffMember",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="A clinician the patient wants; blank for anyone.",
    )
    earliest_date = models.DateField(help_text="The first day the patient accepts (their own calendar).")
    latest_date = models.DateField(help_text="The last day the patient accepts.")
    weekdays = models.JSONField(default=list, validators=[validate_weekdays])
    time_ranges = models.JSONField(
        default=list,
        blank=True,
        validators=[validate_time_ranges],
        help_text='Times of day on the patient\'s clock, e.g. [["08:00", "12:00"]]; empty for any time.',
    )
    move_up = models.ForeignKey(
        "scheduling.Appointment",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The booked visit an earlier time would replace.",
    )
    priority = models.SmallIntegerField(default=0, help_text="Higher is offered first; a clinician may raise it.")
    status = models.CharField(max_length=10, choices=EntryStatus.choices, default=EntryStatus.WAITING)
    expires_on = models.DateField(help_text="The entry closes after this day.")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField()
    booked_appointment = models.ForeignKey(
        "scheduling.Appointment",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The visit the waitlist booked.",
    )
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-priority", "created_at", "id"]
        verbose_name_plural = "waitlist entries"
        indexes = [models.Index(fields=["service", "status"], name="waitlist_service_status")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(earliest_date__lte=models.F("latest_date")), name="waitlist_dates_in_order"
            ),
            models.CheckConstraint(
                condition=~models.Q(place="location") | models.Q(location__isnull=False), name="waitlist_site_named"
            ),
            # One open entry per patient and service: joining twice finds the first.
            models.UniqueConstraint(
                fields=["patient", "service"],
                condition=models.Q(status__in=OPEN_STATUSES),
                name="waitlist_one_open_entry",
            ),
        ]

    def __str__(self) -> str:
        return f"Waitlist entry {self.pk}: patient {self.patient_id} for {self.service_id} ({self.status})"


class FreedTime(models.Model):
    """A span given back to the calendar, planned as a row in the transaction that freed it."""

    class Status(models.TextChoices):
        OPEN = "open", "Looking for a patient"
        OFFERED = "offered", "Offer in flight"
        REFILLED = "refilled", "Refilled from the waitlist"
        UNFILLED = "unfilled", "Nobody on the waitlist took it"

    service = models.ForeignKey("scheduling.Service", on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey(
        "scheduling.Location",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Blank for video.",
    )
    start = models.DateTimeField()
    end = models.DateTimeField()
    source = models.ForeignKey(
        "scheduling.Appointment",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The visit or hold that gave the time back.",
    )
    reason = models.CharField(max_length=20, help_text="cancelled, rescheduled, expired, ...")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    freed_at = models.DateTimeField(help_text="When the change that freed it committed (its transaction's time).")
    refilled_at = models.DateTimeField(null=True, blank=True)
    refilled_by = models.ForeignKey(
        "scheduling.Appointment", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    matched_at = models.DateTimeField(null=True, blank=True, help_text="When the matcher last looked at it.")

    class Meta:
        ordering = ["start", "id"]
        indexes = [models.Index(fields=["status", "start"], name="freed_status_start")]

    def __str__(self) -> str:
        return f"Freed {self.start:%Y-%m-%d %H:%M}Z ({self.status})"


class OfferStatus(models.TextChoices):
    SENT = "sent", "Offered"
    CLAIMED = "claimed", "Claimed"
    DECLINED = "declined", "Declined"
    EXPIRED = "expired", "Expired"
    TAKEN = "taken", "Taken by another patient"


class Offer(models.Model):
    entry = models.ForeignKey(WaitlistEntry, on_delete=models.CASCADE, related_name="offers")
    freed = models.ForeignKey(FreedTime, on_delete=models.CASCADE, related_name="offers")
    service = models.ForeignKey("scheduling.Service", on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey(
        "scheduling.Location",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        help_text="Blank for video.",
    )
    staff = models.ForeignKey(
        "scheduling.StaffMember", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    start = models.DateTimeField()
    end = models.DateTimeField()
    mode = models.CharField(max_length=16, choices=OfferMode.choices)
    hold = models.ForeignKey(
        "scheduling.Appointment",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="One at a time: the hold keeping the time for the patient.",
    )
    status = models.CharField(max_length=10, choices=OfferStatus.choices, default=OfferStatus.SENT)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField(help_text="The offer (and its hold) lapse at this time, by themselves.")
    closed_at = models.DateTimeField(null=True, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The desk member who offered it by hand; blank: the matcher.",
    )
    appointment = models.ForeignKey(
        "scheduling.Appointment",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text="The visit a claim booked (or moved to).",
    )
    link_nonce = models.CharField(max_length=32)
    token_hash = models.CharField(max_length=64, unique=True)
    messages = models.ManyToManyField("notifications.OutboundMessage", blank=True, related_name="waitlist_offers")

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["status", "expires_at"], name="offer_status_expiry")]
        constraints = [
            # Never offer the same freed time to the same entry twice.
            models.UniqueConstraint(fields=["entry", "freed"], name="offer_once_per_entry_and_time")
        ]

    def __str__(self) -> str:
        return f"Offer {self.pk} of {self.start:%Y-%m-%d %H:%M}Z to entry {self.entry_id} ({self.status})"

    def is_live(self, now) -> bool:
        return self.status == OfferStatus.SENT and self.expires_at > now
