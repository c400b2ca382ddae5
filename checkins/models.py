"""Post-session check-ins and risk escalation: per-service plans, one row per check-in a patient is
asked to answer, the answers with their scores, the clinic's risk rules, who is on call, and the
alerts that stay open until a clinician acknowledges them.

Messages (the check-in texts and emails, the on-call alerts) are ordinary outbox rows
(`notifications.OutboundMessage`) linked here, so they obey the outbox's rules and show their
delivery.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Coalesce
from phonenumber_field.modelfields import PhoneNumberField

from config.field_encryption import EncryptedIntegerField, EncryptedJSONField, EncryptedTextField


class CheckInPlan(models.Model):
    """A service's own check-in plan; dosing services without one use `plans.DEFAULT_STEPS`."""

    service = models.OneToOneField("scheduling.Service", on_delete=models.CASCADE, related_name="checkin_plan")
    steps = models.JSONField(
        default=list, blank=True,
        help_text='A list of steps, e.g. [{"key": "72h", "hours_after": 72, "sections": ["mood", "sleep"], '
                  '"questionnaires": ["phq2"], "nudge_after_hours": 24, "open_hours": 72}]; an empty list turns '
                  "check-ins off for this service. See checkins/plans.py.")
    integration_service = models.ForeignKey(
        "scheduling.Service", null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
        help_text="What 'book integration therapy?' offers after these visits; blank for the clinic's "
                  "integration service.")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Check-in plan for {self.service}"

    def clean(self) -> None:
        from checkins.plans import parse_steps

        parse_steps(self.steps)


class CheckInStatus(models.TextChoices):
    PENDING = "pending", "Waiting for an answer"
    IN_PROGRESS = "in_progress", "Started, not finished"
    ANSWERED = "answered", "Answered"


class CheckIn(models.Model):
    """One check-in a patient is asked to answer after a visit. The step's sections and
    questionnaires are copied here when it is planned, so editing a plan never changes a form
    already sent."""

    patient = models.ForeignKey("scheduling.Patient", on_delete=models.PROTECT, related_name="checkins")
    appointment = models.ForeignKey("scheduling.Appointment", on_delete=models.PROTECT, related_name="checkins",
                                    help_text="The visit this check-in follows.")
    location = models.ForeignKey("scheduling.Location", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", help_text="The visit's site (blank for video).")
    step_key = models.CharField(max_length=20)
    sections = models.JSONField(default=list)
    questionnaires = models.JSONField(default=list)
    due_at = models.DateTimeField(help_text="When the patient is first asked.")
    expires_at = models.DateTimeField(help_text="The link stops working at this time.")
    link_nonce = models.CharField(max_length=32, help_text="With the server's secret, derives the link's token.")
    token_hash = models.CharField(max_length=64, unique=True, help_text="SHA-256 of the link's token.")
    status = models.CharField(max_length=12, choices=CheckInStatus.choices, default=CheckInStatus.PENDING)
    language = models.CharField(max_length=2, default="en")
    started_at = models.DateTimeField(null=True, blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)
    messages = models.ManyToManyField("notifications.OutboundMessage", blank=True, related_name="checkins",
                                      help_text="The texts and emails asking for this check-in (and the nudge).")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["due_at", "id"]
        indexes = [models.Index(fields=["patient", "due_at"], name="checkin_patient_due")]
        constraints = [
            # Planning is idempotent: one check-in per visit and step.
            models.UniqueConstraint(fields=["appointment", "step_key"], name="checkin_one_per_visit_step"),
        ]

    def __str__(self) -> str:
        return f"Check-in {self.step_key} after visit {self.appointment_id} ({self.status})"


class CheckInAnswers(models.Model):
    """What the patient answered, with the scores computed by checkins.questionnaires. A check-in
    that continues from the PHQ-2 to the PHQ-9 keeps its first page here until the second comes.

    Every answer and score is encrypted at rest (config/field_encryption.py); only whether the
    patient wants integration therapy, a booking preference, is stored in clear."""

    checkin = models.OneToOneField(CheckIn, on_delete=models.CASCADE, related_name="answers")
    mood = EncryptedIntegerField(null=True, blank=True, help_text="0 (very low) to 10 (very good).")
    sleep = EncryptedIntegerField(null=True, blank=True, help_text="0 (very badly) to 10 (very well).")
    side_effects = EncryptedJSONField(default=list, blank=True,
                                      help_text="nausea, dizziness, dissociation (lasting), other; empty for none.")
    side_effects_other = EncryptedTextField(max_length=300, blank=True)
    phq_items = EncryptedJSONField(default=list, blank=True, help_text="PHQ-9 answers in item order (2 for a PHQ-2).")
    gad7_items = EncryptedJSONField(default=list, blank=True)
    phq2_score = EncryptedIntegerField(null=True, blank=True)
    phq9_score = EncryptedIntegerField(null=True, blank=True)
    gad7_score = EncryptedIntegerField(null=True, blank=True)
    free_text = EncryptedTextField(blank=True)
    wants_integration = models.BooleanField(null=True, blank=True,
                                            help_text="Answer to 'would you like to book integration therapy?'.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = "check-in answers"


class RiskRule(models.Model):
    """A pattern the clinic wants a clinician to see at once: words or a regular expression in the
    patient's own words (free text, "other" side effect), or an answer past a threshold.

    Text rules match accent-folded, lower-case text; every active rule is applied whatever the
    language of the form (patients mix languages), `language` only sorts the list."""

    class Kind(models.TextChoices):
        KEYWORD = "keyword", "Words (start of a word, case and accents ignored)"
        REGEX = "regex", "Regular expression (on lower-case text without accents)"
        ANSWER = "answer", "An answer past a threshold"

    class Answer(models.TextChoices):
        MOOD = "mood", "Mood (0-10)"
        SLEEP = "sleep", "Sleep (0-10)"
        PHQ2 = "phq2_score", "PHQ-2 total (0-6)"
        PHQ9 = "phq9_score", "PHQ-9 total (0-27)"
        GAD7 = "gad7_score", "GAD-7 total (0-21)"

    class Comparison(models.TextChoices):
        AT_LEAST = "at_least", "at least"
        AT_MOST = "at_most", "at most"

    location = models.ForeignKey("scheduling.Location", null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="+", help_text="Blank: every location (and video visits).")
    kind = models.CharField(max_length=10, choices=Kind.choices, default=Kind.KEYWORD)
    language = models.CharField(max_length=2, blank=True, choices=[("en", "English"), ("es", "Español")])
    pattern = models.CharField(max_length=200, blank=True, help_text="The words or expression (text rules).")
    answer = models.CharField(max_length=12, choices=Answer.choices, blank=True)
    comparison = models.CharField(max_length=10, choices=Comparison.choices, blank=True)
    threshold = models.SmallIntegerField(null=True, blank=True)
    description = models.CharField(max_length=120, help_text="What the clinician reads, e.g. 'Mentions ending "
                                                             "their life'.")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["kind", "language", "pattern", "id"]

    def __str__(self) -> str:
        return self.description

    def clean(self) -> None:
        if self.kind == self.Kind.ANSWER:
            if not (self.answer and self.comparison and self.threshold is not None):
                raise ValidationError("An answer rule needs the answer, the comparison and the threshold.")
            return
        if not self.pattern.strip():
            raise ValidationError({"pattern": "A text rule needs words or an expression to look for."})
        if self.kind == self.Kind.REGEX:
            try:
                re.compile(self.pattern)
            except re.error as exc:
                raise ValidationError({"pattern": f"This is not a valid regular expression: {exc}."}) from None


class OnCallClinician(models.Model):
    """Who gets the urgent alert for a location's check-ins; the row without a location covers the
    whole clinic (video visits, and sites without their own)."""

    location = models.ForeignKey("scheduling.Location", null=True, blank=True, on_delete=models.CASCADE,
                                 related_name="+", help_text="Blank: the whole clinic.")
    staff = models.ForeignKey("scheduling.StaffMember", on_delete=models.PROTECT, related_name="+")
    sms_number = PhoneNumberField(blank=True, help_text="Mobile for urgent texts (no clinical details are sent).")
    email = models.EmailField(blank=True, help_text="Blank: the clinician's sign-in email.")
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "on-call clinician"
        constraints = [
            models.UniqueConstraint(Coalesce("location", 0), name="oncall_one_per_location"),
        ]

    def __str__(self) -> str:
        return f"{self.staff} on call for {self.location or 'the whole clinic'}"

    @property
    def email_address(self) -> str:
        return self.email or self.staff.user.email


class AlertStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"


class RiskAlert(models.Model):
    """A check-in answer that signals risk. Raised in the patient's request; stays open until a
    clinician acknowledges it with a note. The reasons and the note are encrypted at rest."""

    patient = models.ForeignKey("scheduling.Patient", on_delete=models.PROTECT, related_name="risk_alerts")
    checkin = models.OneToOneField(CheckIn, on_delete=models.PROTECT, related_name="risk_alert")
    location = models.ForeignKey("scheduling.Location", null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+")
    reasons = EncryptedJSONField(default=list, help_text="What raised it, for clinicians: [{code, detail}].")
    status = models.CharField(max_length=12, choices=AlertStatus.choices, default=AlertStatus.OPEN)
    on_call = models.ForeignKey("scheduling.StaffMember", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="+", help_text="Who was paged.")
    delivery_problem = models.CharField(max_length=300, blank=True,
                                        help_text="Why nobody could be paged (no on-call clinician, no number).")
    messages = models.ManyToManyField("notifications.OutboundMessage", blank=True, related_name="risk_alerts")
    created_at = models.DateTimeField()
    acknowledged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                        related_name="+")
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    note = EncryptedTextField(blank=True, help_text="What the clinician did; checkins.alerts requires it.")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["status", "created_at"], name="riskalert_status_created")]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status="open") | (models.Q(acknowledged_at__isnull=False)
                                                     & models.Q(acknowledged_by__isnull=False)),
                name="riskalert_acknowledged_by_someone"),
        ]

    def __str__(self) -> str:
        return f"Risk alert {self.pk} for patient {self.patient_id} ({self.status})"


class AlertCall(models.Model):
    """A call to the patient about a risk alert, with how it went. Append-only: every attempt is
    a row, so the alert keeps its history whether or not it is acknowledged yet. The note is
    encrypted at rest, like the alert's."""

    class Outcome(models.TextChoices):
        REACHED = "reached", "Reached the patient"
        LEFT_MESSAGE = "left_message", "Left a message"
        NO_ANSWER = "no_answer", "No answer"
        WRONG_NUMBER = "wrong_number", "Wrong number"

    alert = models.ForeignKey(RiskAlert, on_delete=models.CASCADE, related_name="calls")
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    note = EncryptedTextField(blank=True)
    called_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"Call about risk alert {self.alert_id}: {self.outcome}"
