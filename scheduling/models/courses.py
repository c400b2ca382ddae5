"""Treatment courses: a series of dosing visits booked together, with the
spacing rules of its template and, optionally, a companion visit after each dose."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models

from .booking import Appointment
from .clinic import Location, Service
from .patients import Patient


class CourseTemplate(models.Model):
    """How a clinic runs one kind of course. The doses come from the template's steps in order
    ("twice weekly for 4 weeks, then weekly for 4" is two steps); gaps are measured from the
    start of one dose to the start of the next. A companion visit (integration therapy) falls
    `companion_min_days`-`companion_max_days` calendar days after each dose and before the next."""

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120)
    description = models.TextField(blank=True)
    service = models.ForeignKey(Service, on_delete=models.PROTECT, related_name="course_templates",
                                help_text="The dosing service of every visit of the course.")
    max_span_days = models.PositiveIntegerField(
        null=True, blank=True, help_text="All doses fall within this many days of the first; blank: no limit.")
    companion_service = models.ForeignKey(Service, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                          help_text="Booked after each dose, e.g. integration therapy.")
    companion_min_days = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1)])
    companion_max_days = models.PositiveSmallIntegerField(default=3, validators=[MinValueValidator(1)])
    booster_service = models.ForeignKey(Service, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                        help_text="Boosters that extend the course; blank: the dosing service.")
    booster_min_gap_days = models.PositiveSmallIntegerField(default=21)
    booster_max_gap_days = models.PositiveSmallIntegerField(default=28)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        if self.companion_max_days < self.companion_min_days:
            raise ValidationError({"companion_max_days": "The latest companion day is before the earliest."})
        if self.booster_max_gap_days < self.booster_min_gap_days:
            raise ValidationError({"booster_max_gap_days": "The longest booster gap is shorter than the shortest."})


class CourseStep(models.Model):
    """`visits` doses, each `min_gap_hours` to `max_gap_hours` after the dose before it."""

    template = models.ForeignKey(CourseTemplate, on_delete=models.CASCADE, related_name="steps")
    order = models.PositiveSmallIntegerField()
    label = models.CharField(max_length=60, blank=True, help_text='e.g. "twice weekly for 4 weeks".')
    visits = models.PositiveSmallIntegerField(validators=[MinValueValidator(1), MaxValueValidator(52)])
    min_gap_hours = models.PositiveIntegerField(default=48)
    max_gap_hours = models.PositiveIntegerField(null=True, blank=True, help_text="Blank: no upper limit.")

    class Meta:
        ordering = ["template_id", "order"]
        constraints = [models.UniqueConstraint(fields=["template", "order"], name="course_step_unique_order")]

    def clean(self) -> None:
        if self.max_gap_hours is not None and self.max_gap_hours < self.min_gap_hours:
            raise ValidationError({"max_gap_hours": "The longest gap is shorter than the shortest."})


class CourseStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    PAUSED = "paused", "Paused"
    CANCELLED = "cancelled", "Cancelled"
    COMPLETED = "completed", "Completed"


class Course(models.Model):
    """One patient's course: its visits are appointments booked through the booking service."""

    patient = models.ForeignKey(Patient, on_delete=models.PROTECT, related_name="courses")
    template = models.ForeignKey(CourseTemplate, on_delete=models.PROTECT, related_name="courses")
    status = models.CharField(max_length=20, choices=CourseStatus.choices, default=CourseStatus.ACTIVE)
    location = models.ForeignKey(Location, null=True, blank=True, on_delete=models.PROTECT, related_name="+",
                                 help_text="Where the doses happen; blank for video.")
    preferences = models.JSONField(default=dict, blank=True, help_text="What the search honoured, as requested.")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    status_reason = models.CharField(max_length=300, blank=True, help_text="Why it was paused or cancelled.")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["patient", "status"])]

    def __str__(self) -> str:
        return f"{self.template.code} for patient {self.patient_id}"


class CourseVisit(models.Model):
    """A visit of a course: dose n (or booster n, continuing the numbering) or the companion of
    dose n. `appointment` is the visit's current booking; a move through the booking service
    leaves the old row `rescheduled` with a pointer to the new one, which readers follow."""

    class Kind(models.TextChoices):
        DOSE = "dose", "Dose"
        BOOSTER = "booster", "Booster"
        COMPANION = "companion", "Companion"

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="visits")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    number = models.PositiveSmallIntegerField(help_text="The dose's number; a companion has its dose's number.")
    step = models.PositiveSmallIntegerField(default=1, help_text="The template step a dose belongs to (0: booster).")
    appointment = models.ForeignKey(Appointment, on_delete=models.PROTECT, related_name="course_visits")

    class Meta:
        ordering = ["course_id", "number", "kind"]
        constraints = [models.UniqueConstraint(fields=["course", "kind", "number"], name="course_visit_unique")]
