"""When staff, resources and locations are available. Wall-clock times in the owner's zone:
the location's for sites and their resources, the clinician's own for video visits."""

from django.core.exceptions import ValidationError
from django.db import models

from .clinic import Location, Resource, StaffMember


class HoursOwner(models.Model):
    """Exactly one of staff, resource, location owns a rule. A resource with no rules of its own
    follows its location's hours."""

    staff = models.ForeignKey(StaffMember, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    resource = models.ForeignKey(Resource, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    location = models.ForeignKey(Location, null=True, blank=True, on_delete=models.CASCADE, related_name="+")

    class Meta:
        abstract = True

    OWNER_FIELDS = ("staff", "resource", "location")

    @property
    def owner(self):
        # getattr, not *_id: in an admin inline for a parent being added the object is set, not its id.
        return next((getattr(self, f) for f in self.OWNER_FIELDS if getattr(self, f, None) is not None), None)

    def owner_filter(self) -> dict:
        owner = self.owner
        name = next(f for f in self.OWNER_FIELDS if getattr(self, f, None) is owner)
        return {name: owner}

    def clean(self) -> None:
        owners = [f for f in self.OWNER_FIELDS if getattr(self, f, None) is not None]
        if len(owners) != 1:
            raise ValidationError("Choose exactly one of staff member, resource or location.")


class WorkingHours(HoursOwner):
    class Weekday(models.IntegerChoices):
        MONDAY = 0, "Monday"
        TUESDAY = 1, "Tuesday"
        WEDNESDAY = 2, "Wednesday"
        THURSDAY = 3, "Thursday"
        FRIDAY = 4, "Friday"
        SATURDAY = 5, "Saturday"
        SUNDAY = 6, "Sunday"

    weekday = models.PositiveSmallIntegerField(choices=Weekday.choices)
    start_time = models.TimeField()
    end_time = models.TimeField()
    effective_from = models.DateField(null=True, blank=True)
    effective_to = models.DateField(null=True, blank=True, help_text="Inclusive.")
    location_for_staff = models.ForeignKey(
        Location, null=True, blank=True, on_delete=models.CASCADE, related_name="+",
        help_text="Staff rules: where these hours are worked (blank = video/any of their locations).")

    class Meta:
        verbose_name_plural = "working hours"
        ordering = ["weekday", "start_time"]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start_time:%H:%M}-{self.end_time:%H:%M}{self.effective_text()}"

    def effective_text(self) -> str:
        if self.effective_from and self.effective_to:
            return f" ({self.effective_from} to {self.effective_to})"
        if self.effective_from:
            return f" (from {self.effective_from})"
        return f" (until {self.effective_to})" if self.effective_to else ""

    def overlaps(self, other: "WorkingHours") -> bool:
        """Same weekday, overlapping times and dates, and the same place (a rule without a place
        applies at every place, so it overlaps them all)."""
        if self.weekday != other.weekday or self.start_time >= other.end_time or other.start_time >= self.end_time:
            return False
        if (self.effective_to and other.effective_from and self.effective_to < other.effective_from) or \
                (other.effective_to and self.effective_from and other.effective_to < self.effective_from):
            return False
        mine, theirs = self.location_for_staff_id, other.location_for_staff_id
        return mine is None or theirs is None or mine == theirs

    def overlap_message(self, other: "WorkingHours") -> str:
        return (f"Overlaps another rule for {self.owner}: {other}. Change the times or the dates it is in "
                "effect, or edit that rule instead.")

    def clean(self) -> None:
        super().clean()
        if self.start_time and self.end_time and self.start_time >= self.end_time:
            raise ValidationError({"end_time": "Hours must end after they start (overnight hours are not supported)."})
        if self.effective_from and self.effective_to and self.effective_to < self.effective_from:
            raise ValidationError({"effective_to": "The rule must end on or after the day it starts."})
        if self.location_for_staff_id and not self.staff_id and getattr(self, "staff", None) is None:
            raise ValidationError({"location_for_staff": "Only a staff member's hours name where they are worked."})
        if self.location_for_staff_id and self.staff_id and \
                not self.staff.locations.filter(pk=self.location_for_staff_id).exists():
            raise ValidationError({"location_for_staff": f"{self.staff} does not work at {self.location_for_staff}; "
                                                         "add the location to the staff member first."})
        owner = self.owner
        if owner is None or owner.pk is None or self.start_time is None or self.end_time is None:
            return
        for other in WorkingHours.objects.filter(weekday=self.weekday, **self.owner_filter()).exclude(pk=self.pk):
            if self.overlaps(other):
                raise ValidationError(self.overlap_message(other))


class HoursOverride(HoursOwner):
    """A dated exception: extra hours, time off (a whole day when no times are given), or the
    day's hours themselves ("these are the hours that day": they replace the weekly hours of that
    date; without times the owner is closed that day). Extra hours and time off on the same date
    still add to and take from the day's hours. Also how the desk blocks a chair out of service or
    a clinician's meeting."""

    class Kind(models.TextChoices):
        AVAILABLE = "available", "Extra hours"
        UNAVAILABLE = "unavailable", "Time off / blocked"
        HOURS = "hours", "These are the hours (replaces the weekly hours; no times = closed)"

    date = models.DateField()
    kind = models.CharField(max_length=20, choices=Kind.choices)
    start_time = models.TimeField(null=True, blank=True)
    end_time = models.TimeField(null=True, blank=True)
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["date", "start_time"]

    def __str__(self) -> str:
        return f"{self.date} {self.get_kind_display().split(' (')[0]}: {self.hours_text()}"

    def clean(self) -> None:
        super().clean()
        if (self.start_time is None) != (self.end_time is None):
            raise ValidationError("Give both a start and an end time, or neither for the whole day.")
        if self.start_time and self.end_time and self.start_time >= self.end_time:
            raise ValidationError({"end_time": "The block must end after it starts."})
        if self.kind == self.Kind.AVAILABLE and self.start_time is None:
            raise ValidationError("Extra hours need a start and an end time.")
        if self.kind == self.Kind.HOURS:
            self._clean_day_hours()

    def _clean_day_hours(self) -> None:
        """A date's hours are closed or a set of times that do not overlap, never both."""
        owner = self.owner
        if owner is None or owner.pk is None or self.date is None:
            return
        others = HoursOverride.objects.filter(kind=self.Kind.HOURS, date=self.date, **self.owner_filter()) \
            .exclude(pk=self.pk)
        for other in others:
            if (self.start_time is None) != (other.start_time is None):
                raise ValidationError(f"{owner} already has hours set on {self.date} "
                                      f"({other.hours_text()}); a day is either closed or open at set times.")
            if self.start_time is None or (self.start_time < other.end_time and other.start_time < self.end_time):
                raise ValidationError(f"Overlaps the hours already set for {owner} on {self.date} "
                                      f"({other.hours_text()}); edit that one instead.")

    def hours_text(self) -> str:
        if self.start_time is None:
            return "closed" if self.kind == self.Kind.HOURS else "all day"
        return f"{self.start_time:%H:%M}-{self.end_time:%H:%M}"


class Closure(models.Model):
    """A day or days a location is closed (a holiday)."""

    location = models.ForeignKey(Location, on_delete=models.CASCADE, related_name="closures")
    start_date = models.DateField()
    end_date = models.DateField(help_text="Inclusive.")
    reason = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["start_date"]

    def clean(self) -> None:
        if self.start_date and self.end_date and self.end_date < self.start_date:
            raise ValidationError({"end_date": "A closure must end on or after the day it starts."})
