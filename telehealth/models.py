"""What a video visit needs beyond the booking: its room, each person's way in, the waiting room,
and the facts the telehealth rules read (identity checked, interpreter, in-person evaluations,
dial-in numbers). Rows change only through telehealth.services and telehealth.passes."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from phonenumber_field.modelfields import PhoneNumberField

from config.field_encryption import EncryptedTextField
from scheduling.models import Appointment, Location, Patient, StaffMember


class VideoRoom(models.Model):
    """The one room of a video appointment on the video backend. The name is random (it is part
    of the room's URL), so knowing one visit's room says nothing about another's."""

    appointment = models.OneToOneField(Appointment, on_delete=models.CASCADE, related_name="video_room")
    backend = models.CharField(max_length=40, help_text="The video backend that serves the room, e.g. jitsi.")
    name = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"{self.backend} room for appointment {self.appointment_id}"


class Participant(models.TextChoices):
    PATIENT = "patient", "Patient"
    CLINICIAN = "clinician", "Clinician"


class PresenceState(models.TextChoices):
    """Where a person is, as the waiting room sees it (computed from JoinPass, never stored)."""

    NOT_ARRIVED = "not_arrived", "Not arrived"
    WAITING = "waiting", "In the waiting room"
    IN_ROOM = "in_room", "In the video room"
    LEFT = "left", "Left the waiting room"


class JoinPass(models.Model):
    """One person's way into one video visit, and where that person is in the waiting room.

    The link carries `lookup` followed by an HMAC of it under SECRET_KEY (telehealth.passes):
    only `lookup` is stored, so the table alone cannot produce a working link. A clinician's
    pass works only while that clinician is still allocated to the visit."""

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="join_passes")
    participant = models.CharField(max_length=20, choices=Participant.choices)
    staff = models.ForeignKey(StaffMember, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    lookup = models.CharField(max_length=16, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    # Waiting room. `arrived_at` restarts when the person comes back after the page lost them.
    arrived_at = models.DateTimeField(null=True, blank=True, help_text="Waiting since (page open in the window).")
    last_seen_at = models.DateTimeField(null=True, blank=True, help_text="The page's last poll.")
    entered_room_at = models.DateTimeField(null=True, blank=True, help_text="Went from the page into the video room.")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["appointment"], condition=Q(participant="patient"),
                                    name="joinpass_one_patient_pass"),
            models.UniqueConstraint(fields=["appointment", "staff"], condition=Q(participant="clinician"),
                                    name="joinpass_one_pass_per_clinician"),
            models.CheckConstraint(condition=Q(participant="patient", staff__isnull=True)
                                   | Q(participant="clinician", staff__isnull=False),
                                   name="joinpass_clinician_names_staff"),
        ]

    def __str__(self) -> str:
        return f"{self.get_participant_display()} pass for appointment {self.appointment_id}"


class IdentityConfirmation(models.Model):
    """A patient's first video visit: they type their name and date of birth, checked against the
    record before they may enter. Failed attempts are counted so the check cannot be guessed."""

    appointment = models.OneToOneField(Appointment, on_delete=models.CASCADE, related_name="identity_confirmation")
    patient = models.ForeignKey(Patient, on_delete=models.CASCADE, related_name="identity_confirmations")
    confirmed_at = models.DateTimeField(null=True, blank=True)
    failed_attempts = models.PositiveSmallIntegerField(default=0)
    last_failed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["patient", "confirmed_at"])]


class InterpreterNeed(models.Model):
    """The desk's flag that a visit needs an interpreter (no clinician speaks the patient's language).

    The notes are free text about one patient's visit: an agency booking is made under the
    patient's name, and nothing keeps out why the interpreter is needed (a hearing loss, say).
    They are encrypted at rest (config/field_encryption.py)."""

    appointment = models.OneToOneField(Appointment, on_delete=models.CASCADE, related_name="interpreter_need")
    language = models.CharField(max_length=60, help_text="The language to interpret, e.g. Spanish, ASL, Vietnamese.")
    notes = EncryptedTextField(max_length=300, blank=True, help_text="Agency, phone line or booking reference.")
    flagged_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    flagged_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.language} interpreter for appointment {self.appointment_id}"


class InPersonEvaluation(models.Model):
    """The latest day a prescriber evaluated a patient in person: after the telemedicine
    flexibilities end, a prescriber's video visit needs one (telehealth.rules)."""

    prescriber = models.ForeignKey(StaffMember, on_delete=models.PROTECT, related_name="in_person_evaluations")
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="in_person_evaluations")
    evaluated_on = models.DateField()
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    recorded_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["prescriber", "patient"],
                                               name="inpersonevaluation_one_per_prescriber_patient")]

    def __str__(self) -> str:
        return f"{self.prescriber} saw patient {self.patient_id} in person on {self.evaluated_on}"


class DialIn(models.Model):
    """A phone number patients with poor bandwidth can call instead of video (never for a
    prescribing visit). Set on a clinician's telehealth location."""

    location = models.OneToOneField(Location, on_delete=models.CASCADE, related_name="dial_in")
    number = PhoneNumberField()
    access_code = models.CharField(max_length=40, blank=True, help_text="A conference PIN or extension, if any.")

    class Meta:
        verbose_name = "dial-in number"

    def __str__(self) -> str:
        return f"{self.location}: {self.number}"
