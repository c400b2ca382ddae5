"""The clinic: where care happens, with what, by whom, and what can be booked."""

import difflib
from functools import lru_cache
from zoneinfo import available_timezones

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from phonenumber_field.modelfields import PhoneNumberField

# An allocation (a phase plus the service's buffers) never spans more than this, so the engine can
# read a window's allocations with a bounded range scan on `start`.
MAX_PHASE_MINUTES = 12 * 60
MAX_BUFFER_MINUTES = 4 * 60
# Check-in opens this long before a visit starts (a site may choose); a video visit, with no site, uses the default.
DEFAULT_CHECK_IN_OPENS_MINUTES = 60
MAX_CHECK_IN_OPENS_MINUTES = 24 * 60


@lru_cache(maxsize=1)
def _known_zones() -> frozenset[str]:
    return frozenset(available_timezones())


def validate_time_zone(value: str) -> None:
    if value not in _known_zones():
        close = difflib.get_close_matches(value or "", sorted(_known_zones()), n=1)
        hint = f" Did you mean {close[0]}?" if close else " Use a name such as America/Phoenix."
        raise ValidationError(f"{value!r} is not a known IANA time zone.{hint}")


US_STATES = ["AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "DC", "FL", "GA", "HI", "ID", "IL", "IN", "IA", "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ", "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT", "VA", "WA", "WV", "WI", "WY", "PR"]


def validate_state_list(value) -> None:
    if not isinstance(value, list) or any(s not in US_STATES for s in value):
        raise ValidationError("States must be a list of two-letter US codes, for example [\"AZ\", \"CA\"].")


LANGUAGES = ("en", "es")


def validate_language_list(value) -> None:
    if not isinstance(value, list) or any(lang not in LANGUAGES for lang in value):
        raise ValidationError(f"Languages must be a list drawn from {', '.join(LANGUAGES)}.")


class Modality(models.TextChoices):
    IN_PERSON = "in_person", "In person"
    VIDEO = "video", "Video"
    EITHER = "either", "In person or video"


# The longest short name of a site, as texts name it ("at San Diego"): it must fit one segment.
SHORT_NAME_MAX = 20


class Location(models.Model):
    name = models.CharField(max_length=120, unique=True)
    short_name = models.CharField(
        max_length=SHORT_NAME_MAX, blank=True,
        help_text="How texts to patients name the site, e.g. \"San Diego\" (a place, never a treatment word). "
                  "Blank: the name, if it is short enough.")
    address = models.TextField(blank=True)
    time_zone = models.CharField(max_length=64, validators=[validate_time_zone])
    phone = PhoneNumberField(blank=True)
    state = models.CharField(max_length=2, blank=True, help_text="Two-letter US state of the site.")
    is_virtual = models.BooleanField(default=False, help_text="A telehealth location: no rooms, clinicians' own zones.")
    rems_certified = models.BooleanField(default=False, help_text="Certified under the Spravato REMS.")
    active = models.BooleanField(default=True)
    check_in_opens_minutes = models.PositiveSmallIntegerField(
        default=DEFAULT_CHECK_IN_OPENS_MINUTES,
        validators=[MinValueValidator(0), MaxValueValidator(MAX_CHECK_IN_OPENS_MINUTES)],
        help_text="How many minutes before a visit starts the patient can be checked in (0 to 1440). "
                  "Earlier, only the front desk can, with a reason.")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=models.Q(check_in_opens_minutes__lte=MAX_CHECK_IN_OPENS_MINUTES),
                                   name="location_check_in_window_at_most_a_day"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        from scheduling import hooks

        hooks.check_site(self)


class ResourceKind(models.TextChoices):
    INFUSION_CHAIR = "infusion_chair", "Infusion chair"
    MONITORING_ROOM = "monitoring_room", "Monitoring room"
    THERAPY_ROOM = "therapy_room", "Therapy room"
    EXAM_ROOM = "exam_room", "Exam room"
    DEVICE = "device", "Device"


class Resource(models.Model):
    """A chair, room or device. Held exclusively by one visit at a time."""

    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="resources")
    name = models.CharField(max_length=60)
    kind = models.CharField(max_length=30, choices=ResourceKind.choices)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["location_id", "kind", "name"]
        constraints = [models.UniqueConstraint(fields=["location", "name"], name="resource_unique_name_per_location")]

    def __str__(self) -> str:
        return f"{self.name} ({self.location})"


class StaffRole(models.TextChoices):
    PRESCRIBER = "prescriber", "Prescriber"
    NURSE = "nurse", "Nurse"
    THERAPIST = "therapist", "Therapist"
    FRONT_DESK = "front_desk", "Front desk"


class StaffMember(models.Model):
    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="staff_member")
    display_name = models.CharField(max_length=120)
    roles = models.JSONField(default=list, help_text='Clinical roles, e.g. ["nurse"].')
    languages = models.JSONField(default=list, validators=[validate_language_list])
    licensed_states = models.JSONField(default=list, validators=[validate_state_list])
    locations = models.ManyToManyField(Location, related_name="staff", blank=True)
    time_zone = models.CharField(max_length=64, default="America/Los_Angeles", validators=[validate_time_zone],
                                 help_text="The zone of this clinician's own hours for video visits.")
    watch_capacity = models.PositiveSmallIntegerField(
        default=4, help_text="Nurses: how many chairs they may watch at once during shared phases.")
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["display_name"]

    def __str__(self) -> str:
        return self.display_name

    def clean(self) -> None:
        valid = set(StaffRole.values)
        if not isinstance(self.roles, list) or any(r not in valid for r in self.roles):
            raise ValidationError({"roles": f"Roles must be a list drawn from {', '.join(sorted(valid))}."})

    def has_role(self, role: str) -> bool:
        return role in self.roles


class Service(models.Model):
    """Something a patient books. Patient-facing wording stays neutral (no drug names in messages)."""

    class Category(models.TextChoices):
        EVALUATION = "evaluation", "Evaluation"
        IV_KETAMINE = "iv_ketamine", "IV ketamine"
        ESKETAMINE = "esketamine", "Esketamine (REMS)"
        KAP = "kap", "Ketamine-assisted psychotherapy"
        PREPARATION = "preparation", "Preparation"
        INTEGRATION = "integration", "Integration"
        MEDICATION_MANAGEMENT = "medication_management", "Medication management"

    code = models.SlugField(max_length=40, unique=True)
    name = models.CharField(max_length=120, help_text="Patient-facing, plain and neutral.")
    description = models.TextField(blank=True, help_text="What to expect, in plain language.")
    description_es = models.TextField(blank=True, help_text="The same in Spanish, for patients who read Spanish.")
    category = models.CharField(max_length=30, choices=Category.choices)
    is_dosing = models.BooleanField(default=False, help_text="A dosing visit: escort rule, gates, check-ins.")
    modality = models.CharField(max_length=20, choices=Modality.choices, default=Modality.IN_PERSON)
    locations = models.ManyToManyField(Location, related_name="services", blank=True,
                                       help_text="In-person locations that offer this service.")
    min_notice_minutes = models.PositiveIntegerField(default=120)
    horizon_days = models.PositiveIntegerField(default=90)
    slot_step_minutes = models.PositiveIntegerField(
        default=15, validators=[MinValueValidator(5), MaxValueValidator(240)],
        help_text="Start times fall on this step from midnight on the location's wall clock.")
    buffer_before_minutes = models.PositiveIntegerField(
        default=0, validators=[MaxValueValidator(MAX_BUFFER_MINUTES)],
        help_text="Held before the visit by what the first phase uses (set-up, cleaning).")
    buffer_after_minutes = models.PositiveIntegerField(
        default=0, validators=[MaxValueValidator(MAX_BUFFER_MINUTES)],
        help_text="Held after the visit by what the last phase uses.")
    cancellation_window_hours = models.PositiveIntegerField(default=24)
    bookable_online = models.BooleanField(default=True)
    patient_chooses_staff = models.BooleanField(default=False, help_text="Patients may see and pick the clinician.")
    prep_instructions = models.TextField(blank=True, help_text="Sent before the visit (email, confirmation page).")
    prep_instructions_es = models.TextField(blank=True)
    active = models.BooleanField(default=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    @property
    def allows_video(self) -> bool:
        return self.modality in (Modality.VIDEO, Modality.EITHER)

    @property
    def allows_in_person(self) -> bool:
        return self.modality in (Modality.IN_PERSON, Modality.EITHER)

    def minutes_held(self) -> int:
        """How long a visit of this service holds its calendars: its phases and both buffers."""
        return sum(p.duration_minutes for p in self.phases.all()) + self.buffer_before_minutes + self.buffer_after_minutes


def missing_resource_kinds(*, locations, kinds) -> list[str]:
    """What a service's phases need that its in-person locations do not have, as sentences:
    "San Diego has no monitoring room (needed by Guided session)." `kinds` maps kind -> phase name."""
    sites = [loc for loc in locations if not loc.is_virtual]
    have = set(Resource.objects.filter(location__in=sites, active=True, kind__in=list(kinds))
               .values_list("location_id", "kind"))
    return [f"{site.name} has no {ResourceKind(kind).label.lower()} (needed by {phase})."
            for site in sites for kind, phase in kinds.items() if (site.id, kind) not in have]


class StaffUsage(models.TextChoices):
    EXCLUSIVE = "exclusive", "Exclusive (hands-on)"
    SHARED = "shared", "A share of a nurse's watch capacity"
    PRESENT = "present", "Present on site (no capacity taken)"


class Phase(models.Model):
    """One step of a service. Consecutive phases needing the same staff role keep the same person,
    and phases needing the same resource kind keep the same chair or room."""

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="phases")
    order = models.PositiveSmallIntegerField()
    name = models.CharField(max_length=60)
    duration_minutes = models.PositiveIntegerField(validators=[MinValueValidator(1), MaxValueValidator(MAX_PHASE_MINUTES)])
    staff_role = models.CharField(max_length=20, choices=StaffRole.choices, blank=True)
    staff_usage = models.CharField(max_length=20, choices=StaffUsage.choices, default=StaffUsage.EXCLUSIVE)
    resource_kind = models.CharField(max_length=30, choices=ResourceKind.choices, blank=True)
    present_role = models.CharField(
        max_length=20, choices=StaffRole.choices, blank=True,
        help_text="A second role that must be on site during this phase without being taken "
                  "(the prescriber during Spravato dosing).")

    class Meta:
        ordering = ["service_id", "order"]
        constraints = [models.UniqueConstraint(fields=["service", "order"], name="phase_unique_order")]

    def __str__(self) -> str:
        return f"{self.service.code}:{self.order} {self.name}"

    def clean(self) -> None:
        if self.duration_minutes == 0:
            raise ValidationError({"duration_minutes": "A phase must last at least one minute."})
        if not self.staff_role and not self.resource_kind:
            raise ValidationError("A phase needs a staff role, a resource kind, or both.")
        if self.staff_usage == StaffUsage.SHARED and self.staff_role != StaffRole.NURSE:
            raise ValidationError({"staff_usage": "Only a nurse's watch capacity can be shared."})
        if StaffRole.FRONT_DESK in (self.staff_role, self.present_role):
            raise ValidationError("Front desk staff are not booked into visits; choose a clinical role.")
        if self.present_role and self.present_role == self.staff_role:
            raise ValidationError({"present_role": f"This phase already takes a {self.get_staff_role_display().lower()}; "
                                                   "the role that must be present has to be a different one."})
