"""People who sign in. A role says what they may do; the server checks it on every request."""

from django.contrib.auth.models import AbstractUser, UserManager as DjangoUserManager
from django.db import models


class Role(models.TextChoices):
    PATIENT = "patient", "Patient"
    FRONT_DESK = "front_desk", "Front desk"
    CLINICIAN = "clinician", "Clinician"
    ADMIN = "admin", "Clinic admin"


STAFF_ROLES = frozenset({Role.FRONT_DESK, Role.CLINICIAN, Role.ADMIN})


class UserManager(DjangoUserManager):
    def create_superuser(self, username, email=None, password=None, **extra_fields):
        # `createsuperuser` makes the clinic's first admin, not a patient with superpowers.
        extra_fields.setdefault("role", Role.ADMIN)
        return super().create_superuser(username, email, password, **extra_fields)


class User(AbstractUser):
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.PATIENT)

    objects = UserManager()

    @property
    def is_patient(self) -> bool:
        return self.role == Role.PATIENT

    @property
    def is_clinic_staff(self) -> bool:
        return self.role in STAFF_ROLES

    def has_role(self, *roles: str) -> bool:
        return self.is_active and self.role in roles


class OneTimeCode(models.Model):
    """A sign-in code sent to a patient's phone or email. Only its HMAC is stored.

    A request for a destination that matches no patient stores a decoy row (no patient, a code
    nobody was sent), so limits, lockouts and answers are the same whether or not an account
    exists. Only the newest row of a destination can be used.
    """

    class Channel(models.TextChoices):
        SMS = "sms", "SMS"
        EMAIL = "email", "Email"

    destination = models.CharField(max_length=254, help_text="E.164 phone or lower-cased email.")
    channel = models.CharField(max_length=5, choices=Channel.choices)
    code_hash = models.CharField(max_length=64)
    patient = models.ForeignKey("scheduling.Patient", null=True, blank=True, on_delete=models.CASCADE,
                                related_name="+", help_text="Empty for a decoy: no patient has this destination.")
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    attempts = models.PositiveSmallIntegerField(default=0, help_text="Wrong codes tried against this row.")
    used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["destination", "-created_at"], name="otp_destination_newest"),
            models.Index(fields=["created_at"], name="otp_created"),
        ]

    def __str__(self) -> str:
        return f"{self.channel} code created {self.created_at:%Y-%m-%d %H:%M}"
