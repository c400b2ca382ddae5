"""The message outbox and what decides it: the clinic's messaging policy, per-service plans,
consent history and the replies patients send.

An `OutboundMessage` row is written in the same transaction as the booking change that caused
it and is the only record of a message: the dispatcher claims due rows, a worker sends them and
writes the outcome back on the row. docs/architecture.md ("Messages") has the state machine.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from phonenumber_field.modelfields import PhoneNumberField

from config.field_encryption import EncryptedTextField

DEFAULT_STATE_QUIET_HOURS = {
    "FL": ["08:00", "20:00"], "MD": ["08:00", "20:00"], "OK": ["08:00", "20:00"], "NJ": ["08:00", "20:00"],
    "CT": ["09:00", "20:00"],
}


def default_state_quiet_hours() -> dict:
    return {state: list(window) for state, window in DEFAULT_STATE_QUIET_HOURS.items()}


def validate_state_quiet_hours(value) -> None:
    from scheduling.models.clinic import US_STATES

    if not isinstance(value, dict):
        raise ValidationError('Texting windows per state must map a state to ["HH:MM", "HH:MM"], e.g. {"FL": ["08:00", "20:00"]}.')
    for state, window in value.items():
        if state not in US_STATES:
            raise ValidationError(f"{state!r} is not a two-letter US state code.")
        try:
            start, end = (dt.time.fromisoformat(part) for part in window)
        except (TypeError, ValueError):
            raise ValidationError(f'{state}: give the window as ["HH:MM", "HH:MM"], for example ["08:00", "20:00"].') from None
        if start >= end:
            raise ValidationError(f"{state}: the window must start before it ends ({window[0]}-{window[1]}).")


class MessagingPolicy(models.Model):
    """The clinic's messaging settings: one row (pk=1), edited in the admin."""

    brand_name = models.CharField(max_length=30, default="Clearday Clinic",
                                  help_text="Neutral sender name that starts every text (no drug or therapy words).")
    phone = PhoneNumberField(default="+16025550100", help_text="Number patients call; named in every text.")
    quiet_start = models.TimeField(default=dt.time(8), help_text="Texts go out from this local time...")
    quiet_end = models.TimeField(default=dt.time(21), help_text="...until this local time.")
    quiet_hours_by_state = models.JSONField(default=default_state_quiet_hours, validators=[validate_state_quiet_hours],
                                            help_text="Stricter windows by the patient's state of residence.")
    consented_daily_cap = models.PositiveSmallIntegerField(
        default=2, help_text="Most texts a day to a patient who gave explicit SMS consent.")
    consented_weekly_cap = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Most texts in 7 days with explicit consent; blank for no weekly limit.")
    confirmation_grace_minutes = models.PositiveSmallIntegerField(
        default=3, help_text="A booking undone within this time sends nothing.")
    max_attempts = models.PositiveSmallIntegerField(default=5, help_text="Tries before a message counts as failed.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "messaging policy"

    def __str__(self) -> str:
        return "Messaging policy"

    def clean(self) -> None:
        if self.quiet_start >= self.quiet_end:
            raise ValidationError("The texting window must start before it ends.")
        from notifications.rendering import deny_listed_words

        if words := deny_listed_words(self.brand_name):
            raise ValidationError({"brand_name": f"The sender name must stay neutral; remove: {', '.join(words)}."})
        from notifications.sms_fit import brand_problem

        if problem := brand_problem(brand=self.brand_name, phone=str(self.phone) if self.phone else ""):
            raise ValidationError({"brand_name": problem})

    @classmethod
    def current(cls) -> MessagingPolicy:
        policy = cls.objects.filter(pk=1).first()
        return policy if policy is not None else cls.objects.get_or_create(pk=1)[0]


class ServiceMessagePlan(models.Model):
    """A service's own message plan; services without one use `plans.DEFAULT_STEPS`."""

    service = models.OneToOneField("scheduling.Service", on_delete=models.CASCADE, related_name="message_plan")
    steps = models.JSONField(help_text='A list of steps, e.g. [{"key": "reminder_24h", "template": "reminder", '
                                       '"minutes_before": 1440, "priority": 40}]. See notifications/plans.py.')
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Message plan for {self.service}"

    def clean(self) -> None:
        from notifications.plans import parse_steps

        parse_steps(self.steps)


class Channel(models.TextChoices):
    SMS = "sms", "SMS"
    EMAIL = "email", "Email"


class MessageStatus(models.TextChoices):
    PLANNED = "planned", "Planned"
    CAPPED = "capped", "Held back by a frequency limit"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"
    SUPERSEDED = "superseded", "Superseded"
    DROPPED = "dropped", "Not sent (rule)"


# Rows a booking change may still supersede. A row in `sending` is superseded only while no
# worker holds its lock; one that is mid-send finishes first (see sending.py).
PENDING_STATUSES = (MessageStatus.PLANNED, MessageStatus.CAPPED, MessageStatus.SENDING)
# The message reached (or may have reached) the provider.
WENT_OUT_STATUSES = (MessageStatus.SENDING, MessageStatus.SENT, MessageStatus.DELIVERED, MessageStatus.FAILED)


class OutboundMessage(models.Model):
    """One planned message: what, to whom, when, and every fact about its delivery."""

    patient = models.ForeignKey("scheduling.Patient", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="outbound_messages", help_text="Blank for a reply to an unknown number.")
    appointment = models.ForeignKey("scheduling.Appointment", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="outbound_messages")
    kind = models.CharField(max_length=40, help_text="The plan step: confirmation, reminder_24h, join_link, reply_help...")
    template = models.CharField(max_length=30)
    channel = models.CharField(max_length=10, choices=Channel.choices)
    priority = models.SmallIntegerField(default=0, help_text="Which message a frequency limit keeps first.")
    status = models.CharField(max_length=12, choices=MessageStatus.choices, default=MessageStatus.PLANNED)
    status_reason = models.CharField(max_length=300, blank=True, help_text="Why it was dropped, held or superseded.")
    planned_for_start = models.DateTimeField(null=True, blank=True,
                                             help_text="The appointment start this was planned for (a move supersedes it).")
    due_at = models.DateTimeField(help_text="When the plan wants it sent (already outside quiet hours).")
    next_attempt_at = models.DateTimeField(help_text="When the dispatcher may claim it next.")
    attempts = models.PositiveSmallIntegerField(default=0)
    attempt_id = models.UUIDField(null=True, blank=True, help_text="The claim that owns a row in `sending`.")
    claimed_at = models.DateTimeField(null=True, blank=True)
    handed_off_at = models.DateTimeField(null=True, blank=True,
                                         help_text="Set just before the provider call: the message may have gone out.")
    sent_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    provider_id = models.CharField(max_length=64, blank=True, db_index=True)
    provider_status = models.CharField(max_length=20, blank=True)
    provider_error_code = models.CharField(max_length=20, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    language = models.CharField(max_length=2, default="en")
    to_address = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="outbound_due"),
            models.Index(fields=["status", "claimed_at"], name="outbound_claimed"),
            models.Index(fields=["patient", "channel", "handed_off_at"], name="outbound_patient_sent"),
            models.Index(fields=["appointment", "kind"], name="outbound_appointment_kind"),
        ]
        constraints = [
            # Re-planning is idempotent: one live row per step, channel and planned start.
            models.UniqueConstraint(
                fields=["appointment", "kind", "channel", "planned_for_start"],
                condition=models.Q(appointment__isnull=False) & ~models.Q(status="superseded"),
                name="outbound_one_live_row_per_step"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} by {self.channel} to patient {self.patient_id} ({self.status})"


class ConsentEvent(models.Model):
    """Append-only history of SMS consent; Patient.sms_consent / sms_opted_out hold the current state."""

    class Action(models.TextChoices):
        GRANTED = "granted", "Consent given"
        REVOKED = "revoked", "Opted out"
        RESUBSCRIBED = "resubscribed", "Opted back in"

    patient = models.ForeignKey("scheduling.Patient", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="consent_events")
    phone = models.CharField(max_length=20, blank=True)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.SMS)
    action = models.CharField(max_length=20, choices=Action.choices)
    source = models.CharField(max_length=20, help_text="sms_keyword, front_desk, web_form, paper or provider")
    detail = models.CharField(max_length=300, blank=True, help_text="The keyword or note behind the change.")
    inbound = models.ForeignKey("InboundMessage", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["at", "id"]


class InboundMessage(models.Model):
    """A text a patient sent us. Ones no keyword explains wait in the front-desk inbox.

    The body is the patient's own words and is encrypted at rest (config/field_encryption.py):
    keywords are matched in Python as the text arrives (notifications.inbound), never in SQL."""

    class Action(models.TextChoices):
        CONFIRM = "confirm", "Confirmed the visit"
        RESCHEDULE = "reschedule", "Asked to reschedule"
        STOP = "stop", "Opted out"
        START = "start", "Opted back in"
        HELP = "help", "Asked for help"
        OTHER = "other", "Needs a person"

    provider_id = models.CharField(max_length=64, unique=True)
    from_number = models.CharField(max_length=20, db_index=True)
    to_number = models.CharField(max_length=20, blank=True)
    body = EncryptedTextField(blank=True, help_text="The patient's own words, as received.")
    received_at = models.DateTimeField(db_index=True)
    patient = models.ForeignKey("scheduling.Patient", null=True, blank=True, on_delete=models.PROTECT,
                                related_name="inbound_messages")
    appointment = models.ForeignKey("scheduling.Appointment", null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="inbound_messages",
                                    help_text="The visit the reply is about: the patient's next one.")
    action = models.CharField(max_length=20, choices=Action.choices)
    needs_attention = models.BooleanField(default=False)
    attention_reason = models.CharField(max_length=200, blank=True)
    handled_at = models.DateTimeField(null=True, blank=True)
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")

    class Meta:
        ordering = ["-received_at", "-id"]
        indexes = [models.Index(fields=["needs_attention", "handled_at"], name="inbound_inbox")]

    def __str__(self) -> str:
        return f"Text from {self.from_number} at {self.received_at:%Y-%m-%d %H:%M}Z ({self.action})"


class AppointmentLink(models.Model):
    """The unguessable token behind a visit's patient links (/visit/<token>, /manage/<token>)."""

    appointment = models.OneToOneField("scheduling.Appointment", on_delete=models.CASCADE, related_name="link")
    token = models.CharField(max_length=32, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
