"""Shapes of the booking API: what a caller sends to hold, book and change appointments, and
the appointment it gets back. Parsing only: the rules live in scheduling.services."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from api.serializers.care import EscortRequestSerializer
from api.serializers.fields import DayField, IdField, ServiceRefField, utc_instant
from scheduling.models import Allocation, Appointment, AppointmentStatus, BookingChannel, Modality
from telehealth.passes import open_join_url

VISIT_MODALITIES = [c for c in Modality.choices if c[0] != Modality.EITHER]


class AwareDateTimeField(serializers.DateTimeField):
    """An instant with an explicit offset; a naive time is refused, never guessed."""

    default_error_messages = {"naive": "Give the time with a UTC offset or Z, for example 2025-03-10T16:00:00Z."}

    def enforce_timezone(self, value):
        if timezone.is_naive(value):
            self.fail("naive")
        return utc_instant(value)


# Where a visit happens: a location (in person) or modality=video (no location). A comment, not
# a docstring: the schema would give it to every request built on it as its description.
class _Where(serializers.Serializer):

    location = IdField(required=False, allow_null=True,
                                        help_text="In-person location id; leave out for a video visit.")
    modality = serializers.ChoiceField(choices=VISIT_MODALITIES, required=False,
                                       help_text="in_person (needs location) or video (no location).")

    def validate(self, attrs):
        attrs = super().validate(attrs)
        modality = attrs.get("modality")
        has_location = attrs.get("location") is not None
        if modality == Modality.VIDEO and has_location:
            raise serializers.ValidationError({"location": "A video visit has no location; leave it out."})
        if modality == Modality.IN_PERSON and not has_location:
            raise serializers.ValidationError({"location": "An in-person visit needs a location."})
        return attrs


class HoldRequestSerializer(_Where):
    """A visit to hold: the service, its start, and where (a location, or modality=video)."""

    service = ServiceRefField()
    start = AwareDateTimeField(help_text="The visit's start, as offered by GET /api/v1/availability.")
    staff = IdField(required=False, allow_null=True,
                                     help_text="A chosen clinician, where the service lets patients choose.")
    patient = IdField(required=False,
                                       help_text="Front desk: the patient. Patients book for themselves.")

    def validate(self, attrs):
        attrs = super().validate(attrs)
        if "location" not in attrs and "modality" not in attrs:
            raise serializers.ValidationError({"location": "Give a location, or modality=video."})
        return attrs


class BookingRequestSerializer(HoldRequestSerializer):
    """Either a live `hold` to convert, or the visit itself (service, start, location/video)."""

    hold = IdField(required=False,
                                    help_text="A live hold of this caller to convert into the booking.")
    service = ServiceRefField(required=False)
    start = AwareDateTimeField(required=False, help_text="The visit's start, as offered by GET /api/v1/availability.")
    channel = serializers.ChoiceField(choices=[BookingChannel.FRONT_DESK, BookingChannel.PHONE],
                                      required=False, help_text="Front desk only: how the patient booked.")
    staff_notes = serializers.CharField(required=False, allow_blank=True, max_length=2000)
    override_reason = serializers.CharField(
        required=False, allow_blank=True, max_length=300,
        help_text="Front desk only: book despite the service's notice, horizon or online rules. "
                  "Recorded on the appointment's history. Never overrides a conflict.")
    escort = EscortRequestSerializer(
        required=False, help_text="In-person dosing visits: the adult who takes the patient home (optional; "
                                  "record or change it later with PUT /api/v1/appointments/{id}/escort). "
                                  "Refused for other visits (`escort_not_needed`).")

    def validate(self, attrs):
        if attrs.get("hold"):
            return _Where.validate(self, attrs)
        missing = [name for name in ("service", "start") if name not in attrs]
        if missing:
            raise serializers.ValidationError(dict.fromkeys(missing, "This field is required (or give a hold)."))
        return super().validate(attrs)


class RescheduleRequestSerializer(_Where):
    """The visit's new start, and where (the same place when left out)."""

    start = AwareDateTimeField(help_text="The new start.")
    staff = IdField(required=False, allow_null=True)
    reason = serializers.CharField(required=False, allow_blank=True, max_length=300)
    override_reason = serializers.CharField(required=False, allow_blank=True, max_length=300,
                                            help_text="Front desk only: see POST /appointments.")


class CancelRequestSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=300)
    cancelled_by = serializers.ChoiceField(
        choices=Appointment.CancelledBy.choices, required=False,
        help_text="Front desk: `patient` when the patient asked (may be a late cancellation), "
                  "`clinic` otherwise (the default). Patients always cancel as `patient`.")


class ReasonRequestSerializer(serializers.Serializer):
    reason = serializers.CharField(required=False, allow_blank=True, max_length=300)


class CompleteRequestSerializer(serializers.Serializer):
    override_reason = serializers.CharField(
        required=False, allow_blank=True, max_length=300,
        help_text="Front desk: mark the visit completed before its start (otherwise 422 `too_early_to_complete`). "
                  "Kept on the appointment's history.")


class EmptyRequestSerializer(serializers.Serializer):
    pass


# --- Output ---------------------------------------------------------------------------------

class AllocationSerializer(serializers.ModelSerializer):
    phase = serializers.CharField(source="phase.name")
    staff = serializers.SerializerMethodField()
    resource = serializers.SerializerMethodField()

    class Meta:
        model = Allocation
        fields = ["phase", "staff", "resource", "start", "end", "exclusive", "share"]

    def get_staff(self, obj) -> dict | None:
        return {"id": obj.staff_id, "name": obj.staff.display_name} if obj.staff_id else None

    def get_resource(self, obj) -> dict | None:
        if not obj.resource_id:
            return None
        return {"id": obj.resource_id, "name": obj.resource.name, "kind": obj.resource.kind}


class AppointmentSerializer(serializers.ModelSerializer):
    patient = serializers.SerializerMethodField()
    service = serializers.SerializerMethodField()
    location = serializers.SerializerMethodField()
    status = serializers.ChoiceField(choices=AppointmentStatus.choices)
    allocations = AllocationSerializer(many=True, read_only=True)
    rescheduled_from = serializers.SerializerMethodField()
    join_url = serializers.SerializerMethodField(
        help_text="Patients: the link to the video visit page while it is open (15 minutes before the start "
                  "until the planned end); null otherwise.")
    # Output only, yet not read_only: the schema marks read-only fields required, and patients
    # never get this one.
    staff_notes = serializers.CharField(required=False, help_text="Clinic staff only; absent for patients.")
    cancelled_by = serializers.ChoiceField(choices=Appointment.CancelledBy.choices, allow_blank=True, read_only=True,
                                           help_text="Empty unless cancelled.")

    class Meta:
        model = Appointment
        fields = ["id", "patient", "service", "location", "modality", "start", "end", "status", "hold_expires_at",
                  "channel", "staff_notes", "cancelled_by", "cancel_reason", "late_cancellation",
                  "rescheduled_to", "rescheduled_from", "allocations", "join_url", "created_at", "updated_at"]
        read_only_fields = fields

    def get_patient(self, obj) -> dict:
        return {"id": obj.patient_id, "name": obj.patient.display_name}

    def get_service(self, obj) -> dict:
        return {"id": obj.service_id, "code": obj.service.code, "name": obj.service.name}

    def get_location(self, obj) -> dict | None:
        return {"id": obj.location_id, "name": obj.location.name} if obj.location_id else None

    def get_rescheduled_from(self, obj) -> int | None:
        """On the new appointment of a move: the one it replaced (the view may already know)."""
        if "rescheduled_from" in self.context:
            return self.context["rescheduled_from"]
        try:
            return obj.rescheduled_from.pk
        except Appointment.DoesNotExist:
            return None

    def get_join_url(self, obj) -> str | None:
        if not self.context.get("viewer_is_patient"):
            return None
        return open_join_url(obj, now=timezone.now())

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if self.context.get("viewer_is_patient"):
            data.pop("staff_notes", None)
        return data


# --- Query parameters -----------------------------------------------------------------------

@extend_schema_field(OpenApiTypes.STR)
class _CommaSeparated(serializers.Field):
    """`?status=booked,checked_in` (or the parameter repeated)."""

    def __init__(self, child: serializers.Field, **kwargs):
        self.child = child
        super().__init__(**kwargs)

    def get_value(self, dictionary):
        if self.field_name not in dictionary:
            return serializers.empty
        raw = dictionary.getlist(self.field_name) if hasattr(dictionary, "getlist") else [dictionary[self.field_name]]
        return [part.strip() for value in raw for part in str(value).split(",") if part.strip()]

    def to_internal_value(self, data):
        return [self.child.run_validation(item) for item in data]

    def to_representation(self, value):
        return ",".join(str(v) for v in value)


class AppointmentQuerySerializer(serializers.Serializer):
    date = DayField(required=False, help_text="A calendar day on the location's clock (UTC without a location).")
    start_from = AwareDateTimeField(required=False, help_text="Appointments starting at or after this instant.")
    start_to = AwareDateTimeField(required=False, help_text="Appointments starting before this instant.")
    location = IdField(required=False)
    modality = serializers.ChoiceField(choices=VISIT_MODALITIES, required=False,
                                       help_text="in_person or video visits only.")
    staff = _CommaSeparated(IdField(), required=False, help_text="Staff ids, comma-separated.")
    resource = _CommaSeparated(IdField(), required=False, help_text="Resource ids.")
    patient = _CommaSeparated(IdField(), required=False, help_text="Patient ids.")
    status = _CommaSeparated(serializers.ChoiceField(choices=AppointmentStatus.choices), required=False,
                             help_text="Statuses, comma-separated, e.g. booked,checked_in.")

    def validate(self, attrs):
        if attrs.get("start_from") and attrs.get("start_to") and attrs["start_to"] <= attrs["start_from"]:
            raise serializers.ValidationError({"start_to": "start_to must be after start_from."})
        return attrs
