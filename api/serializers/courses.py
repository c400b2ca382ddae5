"""Shapes of the courses API: the request to book a course, the changes to one, and a course
rendered as a plan. Parsing and rendering only: the rules live in scheduling.services."""

from __future__ import annotations

from rest_framework import serializers

from api.serializers.booking import _Where, AwareDateTimeField
from api.serializers.fields import IdField
from scheduling.models import Appointment, CourseStep, CourseTemplate
from scheduling.services.courses import DAY_NAMES, START_WINDOW, TIMES_OF_DAY

DAYS = [name.lower() for name in DAY_NAMES]


class PreferencesSerializer(serializers.Serializer):
    days_of_week = serializers.ListField(child=serializers.ChoiceField(choices=DAYS), required=False,
                                         help_text="Only these days, e.g. [\"mon\", \"thu\"]; leave out for any day.")
    times_of_day = serializers.ListField(child=serializers.ChoiceField(choices=list(TIMES_OF_DAY)), required=False,
                                         help_text="Visit starts: morning (before 12:00), afternoon (12:00-17:00), "
                                                   "evening (from 17:00), on the site's clock (the patient's for "
                                                   "video).")
    staff = IdField(required=False, allow_null=True,
                                     help_text="A clinician to have where possible (a wish, not a limit).")
    same_staff = serializers.BooleanField(default=True, help_text="Keep the same nurse/therapist where possible.")
    companion_modality = serializers.ChoiceField(choices=["video", "in_person"], required=False,
                                                 help_text="Companion visits by video (the default where offered) "
                                                           "or in person at the course's location.")


class CourseRequestSerializer(_Where):
    """A course to book from a template: where (a location, or modality=video), for whom, from when,
    with which wishes."""

    template = serializers.SlugField(help_text="The course template's code, e.g. iv-induction.")
    patient = IdField(required=False,
                                       help_text="Front desk: the patient. Patients book for themselves.")
    start_from = AwareDateTimeField(required=False, help_text="The first visit not before this (default: now).")
    start_by = AwareDateTimeField(required=False, help_text=f"The first visit not after this (default: "
                                                            f"{START_WINDOW.days} days after start_from).")
    with_companions = serializers.BooleanField(default=True, help_text="Book the template's companion visits.")
    preferences = PreferencesSerializer(required=False)
    override_reason = serializers.CharField(
        required=False, allow_blank=True, max_length=300,
        help_text="Front desk only: book despite notice/horizon/online rules and the gates the clinic lets the "
                  "desk override. Recorded on every visit.")

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if "location" not in attrs and "modality" not in attrs:
            raise serializers.ValidationError({"location": "Give a location, or modality=video."})
        if attrs.get("start_from") and attrs.get("start_by") and attrs["start_by"] < attrs["start_from"]:
            raise serializers.ValidationError({"start_by": "start_by must not be before start_from."})
        return attrs


class StopRequestSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)
    cancelled_by = serializers.ChoiceField(choices=Appointment.CancelledBy.choices, required=False,
                                           help_text="`patient` when the patient asked (default: clinic).")


class ResumeRequestSerializer(serializers.Serializer):
    start_from = AwareDateTimeField(required=False, help_text="The next visit not before this (default: now).")
    start_by = AwareDateTimeField(required=False, help_text=f"The next visit not after this (default: "
                                                            f"{START_WINDOW.days} days after start_from).")
    override_reason = serializers.CharField(required=False, allow_blank=True, max_length=300)


class BoosterRequestSerializer(ResumeRequestSerializer):
    count = serializers.IntegerField(min_value=1, max_value=12, default=1)


class CourseStepSerializer(serializers.ModelSerializer):
    class Meta:
        model = CourseStep
        fields = ["order", "label", "visits", "min_gap_hours", "max_gap_hours"]


class CourseTemplateSerializer(serializers.ModelSerializer):
    service = serializers.SerializerMethodField()
    companion_service = serializers.SerializerMethodField()
    steps = CourseStepSerializer(many=True)

    class Meta:
        model = CourseTemplate
        fields = ["id", "code", "name", "description", "service", "steps", "max_span_days", "companion_service",
                  "companion_min_days", "companion_max_days", "booster_min_gap_days", "booster_max_gap_days"]

    def get_service(self, obj) -> dict:
        return {"id": obj.service_id, "code": obj.service.code, "name": obj.service.name}

    def get_companion_service(self, obj) -> dict | None:
        s = obj.companion_service
        return {"id": s.pk, "code": s.code, "name": s.name} if s else None


class PlannedVisitSerializer(serializers.Serializer):
    id = serializers.IntegerField(source="visit.pk")
    kind = serializers.CharField(source="visit.kind")
    number = serializers.IntegerField(source="visit.number")
    label = serializers.CharField(help_text='"Visit 2 of 6", "Integration session after visit 2", "Booster 1".')
    appointment = serializers.IntegerField(source="appointment.pk")
    service = serializers.CharField(source="appointment.service.name")
    location = serializers.CharField(source="appointment.location.name", default=None)
    modality = serializers.CharField(source="appointment.modality")
    start = serializers.DateTimeField(source="appointment.start")
    end = serializers.DateTimeField(source="appointment.end")
    status = serializers.CharField(source="appointment.status")


class CourseSerializer(serializers.Serializer):
    """A course as a plan, with the progress the desk follows."""

    id = serializers.IntegerField(source="course.pk")
    patient = serializers.SerializerMethodField()
    template = serializers.SerializerMethodField()
    status = serializers.CharField(help_text="active, paused, cancelled or completed (every dose done).")
    status_reason = serializers.CharField(source="course.status_reason")
    location = serializers.CharField(source="course.location.name", default=None)
    preferences = serializers.JSONField(source="course.preferences")
    doses_total = serializers.IntegerField()
    doses_completed = serializers.IntegerField()
    boosters = serializers.IntegerField()
    next_visit = PlannedVisitSerializer(allow_null=True)
    visits = PlannedVisitSerializer(many=True)
    created_at = serializers.DateTimeField(source="course.created_at")

    def get_patient(self, obj) -> dict:
        return {"id": obj.course.patient_id, "name": obj.course.patient.display_name}

    def get_template(self, obj) -> dict:
        return {"code": obj.course.template.code, "name": obj.course.template.name}


class CourseQuerySerializer(serializers.Serializer):
    patient = IdField(required=False)
    status = serializers.ChoiceField(choices=["active", "paused", "cancelled"], required=False)
