"""The patient record the schedule needs: who, how to reach them, in what language and zone."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from phonenumber_field.modelfields import PhoneNumberField

from .clinic import US_STATES, validate_time_zone


def validate_state(value: str) -> None:
    if value and value not in US_STATES:
        raise ValidationError(f"{value!r} is not a two-letter US state code.")


class Patient(models.Model):
    class Language(models.TextChoices):
        ENGLISH = "en", "English"
        SPANISH = "es", "Español"

    class ConsentSource(models.TextChoices):
        WEB_FORM = "web_form", "Booking form"
        FRONT_DESK = "front_desk", "Front desk (verbal)"
        SMS_KEYWORD = "sms_keyword", "SMS keyword"
        PAPER = "paper", "Paper intake"

    user = models.OneToOneField(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="patient")
    legal_first_name = models.CharField(max_length=80)
    legal_last_name = models.CharField(max_length=80)
    preferred_name = models.CharField(max_length=80, blank=True)
    date_of_birth = models.DateField()
    phone = PhoneNumberField(blank=True, help_text="Mobile, E.164.")
    email = models.EmailField(blank=True)
    time_zone = models.CharField(max_length=64, default="America/Phoenix", validators=[validate_time_zone])
    language = models.CharField(max_length=2, choices=Language.choices, default=Language.ENGLISH)
    state = models.CharField(max_length=2, blank=True, validators=[validate_state],
                             help_text="State of residence (telehealth licensure).")
    interpreter_language = models.CharField(
        max_length=40, blank=True,
        help_text="The language an interpreter is needed in (e.g. Vietnamese, ASL); blank when none is needed.")
    # Current SMS consent; its history is kept by notifications.
    sms_consent = models.BooleanField(default=False, help_text="Explicit consent to SMS beyond care reminders.")
    sms_consent_at = models.DateTimeField(null=True, blank=True)
    sms_consent_source = models.CharField(max_length=20, choices=ConsentSource.choices, blank=True)
    sms_opted_out = models.BooleanField(default=False, help_text="Replied STOP: no SMS at all until START.")
    prefers_email = models.BooleanField(default=False)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["legal_last_name", "legal_first_name"]
        indexes = [models.Index(fields=["phone"]), models.Index(fields=["email"])]

    def __str__(self) -> str:
        return self.display_name

    def clean(self) -> None:
        if self.sms_consent and not (self.sms_consent_at and self.sms_consent_source):
            raise ValidationError({"sms_consent": "Record when and how the patient gave SMS consent "
                                                  "(consent date and source), or leave consent off."})
        if self.date_of_birth and self.date_of_birth > timezone.localdate():
            raise ValidationError({"date_of_birth": "The date of birth is in the future; check the year."})

    @property
    def display_name(self) -> str:
        first = self.preferred_name or self.legal_first_name
        return f"{first} {self.legal_last_name}"

    @property
    def initials(self) -> str:
        first = self.preferred_name or self.legal_first_name
        return f"{first[:1]}{self.legal_last_name[:1]}".upper()
