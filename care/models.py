"""The records the clinical gates read. Rows change only through
care.services; the gates in care.gates only read them."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from phonenumber_field.modelfields import PhoneNumberField

from config.field_encryption import EncryptedBooleanField, EncryptedTextField
from scheduling.models import Appointment, Location, Patient, Service


class Treatment(models.TextChoices):
    """The kinds of treatment a clinician clears a patient for: the dosing service categories."""

    IV_KETAMINE = Service.Category.IV_KETAMINE.value, "IV ketamine"
    ESKETAMINE = Service.Category.ESKETAMINE.value, "Esketamine (Spravato)"
    KAP = Service.Category.KAP.value, "Ketamine-assisted psychotherapy"


class ContraindicationScreening(models.Model):
    """The patient's intake answers on the contraindications a clinician weighs before clearing.
    Each answer and the details are encrypted at rest (config/field_encryption.py)."""

    class Source(models.TextChoices):
        INTAKE_FORM = "intake_form", "Intake form"
        INTERVIEW = "interview", "Clinician interview"
        PAPER = "paper", "Paper intake"

    # (field, what a clinician reads), in the order the clearance screen lists them.
    FINDINGS = (
        ("uncontrolled_hypertension", "Uncontrolled hypertension"),
        ("psychosis_or_mania", "Active psychosis or mania, or a history of psychosis"),
        ("pregnancy", "Pregnancy"),
        ("aneurysmal_vascular_disease", "Aneurysmal vascular disease or arteriovenous malformation"),
        ("intracerebral_hemorrhage", "History of intracerebral hemorrhage"),
        ("hypersensitivity", "Known hypersensitivity to ketamine or esketamine"),
        ("substance_use", "Substance use (history or current)"),
    )

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="screenings")
    answered_at = models.DateTimeField(default=timezone.now)
    source = models.CharField(max_length=20, choices=Source.choices, default=Source.INTAKE_FORM)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    uncontrolled_hypertension = EncryptedBooleanField()
    psychosis_or_mania = EncryptedBooleanField()
    pregnancy = EncryptedBooleanField()
    aneurysmal_vascular_disease = EncryptedBooleanField()
    intracerebral_hemorrhage = EncryptedBooleanField()
    hypersensitivity = EncryptedBooleanField()
    substance_use = EncryptedBooleanField()
    details = EncryptedTextField(blank=True, help_text="The patient's own words, medications, dates.")

    class Meta:
        ordering = ["-answered_at", "-id"]
        indexes = [models.Index(fields=["patient", "-answered_at"])]

    def findings(self) -> list[str]:
        """What the patient answered yes to, as a clinician reads it."""
        return [label for name, label in self.FINDINGS if getattr(self, name)]


class Clearance(models.Model):
    """A clinician's decision, after a completed evaluation, that the patient may receive one
    kind of treatment. The clearance gate reads the newest one that is not revoked. The notes and the
    reason for a revocation weigh the patient's findings, so they are encrypted at rest."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="clearances")
    treatment = models.CharField(max_length=30, choices=Treatment.choices)
    evaluated_on = models.DateField(help_text="When the evaluation was completed.")
    evaluation = models.ForeignKey(Appointment, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                   help_text="The completed evaluation visit, when it was booked in Clearday.")
    screening = models.ForeignKey(ContraindicationScreening, on_delete=models.PROTECT, related_name="clearances",
                                  help_text="The screening answers the clinician saw when clearing.")
    cleared_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    cleared_at = models.DateTimeField(default=timezone.now)
    expires_on = models.DateField(null=True, blank=True, help_text="Last day the clearance holds; blank: no expiry.")
    notes = EncryptedTextField(blank=True,
                               help_text="Required when the screening has findings: how they were weighed.")
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    revoke_reason = EncryptedTextField(max_length=300, blank=True)

    class Meta:
        ordering = ["-cleared_at", "-id"]
        indexes = [models.Index(fields=["patient", "treatment", "-cleared_at"])]


class RemsEnrolment(models.Model):
    """The patient's enrolment in the Spravato REMS, which must precede the first session."""

    patient = models.OneToOneField(Patient, on_delete=models.PROTECT, related_name="rems_enrolment")
    enrolled_on = models.DateField()
    rems_patient_id = models.CharField(max_length=40, blank=True, help_text="The REMS programme's patient id.")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    recorded_at = models.DateTimeField(auto_now=True)


class MonitoringForm(models.Model):
    """A submitted Spravato Patient Monitoring Form for one completed session. The tasks the desk
    sees are the completed sessions without one (care.selectors.monitoring_form_tasks)."""

    appointment = models.OneToOneField(Appointment, on_delete=models.PROTECT, related_name="monitoring_form")
    submitted_on = models.DateField()
    reference = models.CharField(max_length=60, blank=True, help_text="The REMS confirmation number, if any.")
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    recorded_at = models.DateTimeField(auto_now_add=True)


class Escort(models.Model):
    """The adult who takes the patient home from an in-person dosing visit."""

    appointment = models.OneToOneField(Appointment, on_delete=models.CASCADE, related_name="escort")
    name = models.CharField(max_length=120)
    phone = PhoneNumberField()
    relationship = models.CharField(max_length=60, blank=True)
    confirmed_adult = models.BooleanField(help_text="The escort is an adult who will drive or accompany the patient.")
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                    related_name="+")
    recorded_at = models.DateTimeField(auto_now=True)


class GateOverride(models.Model):
    """The front desk let a request through a failed gate, with a reason. Written by
    care.gates.enforce_gates in the caller's transaction, at the moment the desk decides."""

    class Moment(models.TextChoices):
        BOOKING = "booking", "Booking"
        CHECK_IN = "check_in", "Check-in"

    gate = models.CharField(max_length=40)
    moment = models.CharField(max_length=20, choices=Moment.choices)
    detail = models.TextField(help_text="What the gate found, as it was shown to the desk.")
    reason = models.CharField(max_length=300)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True, db_index=True)
    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="gate_overrides")
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey(Location, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    start = models.DateTimeField(help_text="The visit's start.")
    appointment = models.ForeignKey(Appointment, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                    help_text="Set for check-in overrides; a booking's is found by patient and start.")

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["patient", "start"])]


class VisitCall(models.Model):
    """One call the desk made about an upcoming visit (the day-before call list), with how it went.
    Append-only: each call is a new row, so the visit keeps the history of every attempt."""

    class Outcome(models.TextChoices):
        CONFIRMED = "confirmed", "Confirmed the visit"
        ESCORT_ARRANGED = "escort_arranged", "Escort arranged"
        LEFT_MESSAGE = "left_message", "Left a message"
        NO_ANSWER = "no_answer", "No answer"
        WRONG_NUMBER = "wrong_number", "Wrong number"
        WILL_RESCHEDULE = "will_reschedule", "Wants to move or cancel"

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="calls")
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    note = models.CharField(max_length=300, blank=True)
    called_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["at", "id"]
