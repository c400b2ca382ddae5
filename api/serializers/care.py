"""Shapes of the clinical-gates API: screening answers, clearances, REMS records, escorts and
overrides. Parsing and rendering only: the rules live in care.services and care.gates."""

from __future__ import annotations

from django.utils import timezone
from phonenumber_field.serializerfields import PhoneNumberField
from rest_framework import serializers

from api.serializers.fields import DayField, IdField
from care import selectors
from care.models import Clearance, ContraindicationScreening, Escort, GateOverride, RemsEnrolment, Treatment


def _person(patient) -> dict:
    return {"id": patient.pk, "name": patient.display_name}


def _clinical(serializer) -> bool:
    """Whether the reader may see answers and notes (context `clinical`, set by the views from
    care.selectors.may_read_notes); without it they are withheld."""
    return bool(serializer.context.get("clinical"))


# Withholds `withheld` fields (as null, so the shape stays the same) from readers who are not on
# the care team: the desk sees that a record exists, its state and dates, not what it says. (A
# comment: a docstring here would be the schema's description of every serializer using it.)
class MinimumNecessary:

    withheld: tuple[str, ...] = ()

    def to_representation(self, instance):
        data = super().to_representation(instance)
        if not _clinical(self):
            data.update(dict.fromkeys(self.withheld))
        return data


class CheckInRequestSerializer(serializers.Serializer):
    override_reason = serializers.CharField(
        required=False, allow_blank=True, max_length=300,
        help_text="Front desk: check in before check-in opens (the site's window before the start), or despite "
                  "a failed check-in gate the clinic lets the desk override (e.g. no escort on record). Kept on "
                  "the record.")


class ScreeningAnswersSerializer(serializers.Serializer):
    uncontrolled_hypertension = serializers.BooleanField()
    psychosis_or_mania = serializers.BooleanField(help_text="Active psychosis or mania, or a history of psychosis.")
    pregnancy = serializers.BooleanField()
    aneurysmal_vascular_disease = serializers.BooleanField(help_text="Including arteriovenous malformation.")
    intracerebral_hemorrhage = serializers.BooleanField()
    hypersensitivity = serializers.BooleanField(help_text="Known hypersensitivity to ketamine or esketamine.")
    substance_use = serializers.BooleanField(help_text="Substance use, current or history.")


class ScreeningRequestSerializer(serializers.Serializer):
    patient = IdField(required=False,
                                       help_text="Staff: the patient. Patients: leave out.")
    source = serializers.ChoiceField(choices=ContraindicationScreening.Source.choices,
                                     default=ContraindicationScreening.Source.INTAKE_FORM)
    answers = ScreeningAnswersSerializer()
    details = serializers.CharField(required=False, allow_blank=True, max_length=4000)


class ScreeningSerializer(MinimumNecessary, serializers.ModelSerializer):
    """A contraindication screening. The front desk sees that it exists, its source and dates; its
    answers, findings and details are null for it."""

    withheld = ("answers", "findings", "details")
    patient = serializers.SerializerMethodField()
    answers = serializers.SerializerMethodField(help_text="Null for the front desk.")
    findings = serializers.SerializerMethodField(help_text="Null for the front desk.")

    class Meta:
        model = ContraindicationScreening
        fields = ["id", "patient", "answered_at", "source", "answers", "findings", "details"]
        extra_kwargs = {"details": {"allow_null": True, "help_text": "Null for the front desk."}}

    def get_patient(self, obj) -> dict:
        return _person(obj.patient)

    def get_answers(self, obj) -> dict[str, bool] | None:
        return {name: getattr(obj, name) for name, _ in ContraindicationScreening.FINDINGS}

    def get_findings(self, obj) -> list[str] | None:
        return obj.findings()


class ClearanceRequestSerializer(serializers.Serializer):
    patient = IdField()
    treatment = serializers.ChoiceField(choices=Treatment.choices)
    evaluated_on = DayField(required=False, help_text="Default: the last completed evaluation visit.")
    expires_on = DayField(required=False, allow_null=True, help_text="Last valid day; leave out for none.")
    screening = IdField(required=False, help_text="Default: the newest screening.")
    notes = serializers.CharField(required=False, allow_blank=True, max_length=4000,
                                  help_text="Required when the screening has findings.")


class ClearanceSerializer(MinimumNecessary, serializers.ModelSerializer):
    """A clearance for a treatment. The front desk sees that it exists, its state and dates; its notes
    and the reason it was revoked are null for it."""

    withheld = ("notes", "revoke_reason")
    patient = serializers.SerializerMethodField()
    cleared_by = serializers.SerializerMethodField()
    screening = ScreeningSerializer()
    state = serializers.SerializerMethodField()

    class Meta:
        model = Clearance
        fields = ["id", "patient", "treatment", "state", "evaluated_on", "evaluation", "screening", "cleared_by",
                  "cleared_at", "expires_on", "notes", "revoked_at", "revoke_reason"]
        extra_kwargs = {name: {"allow_null": True, "help_text": "Null for the front desk."}
                        for name in ("notes", "revoke_reason")}

    def get_patient(self, obj) -> dict:
        return _person(obj.patient)

    def get_cleared_by(self, obj) -> dict:
        return {"id": obj.cleared_by_id, "name": obj.cleared_by.get_full_name() or obj.cleared_by.username}

    def get_state(self, obj) -> str:
        """revoked, expired (today is after expires_on) or valid."""
        if obj.revoked_at:
            return "revoked"
        if obj.expires_on and obj.expires_on < timezone.localdate():
            return "expired"
        return "valid"


class ReasonSerializer(serializers.Serializer):
    reason = serializers.CharField(max_length=300)


class RemsEnrolmentRequestSerializer(serializers.Serializer):
    patient = IdField()
    enrolled_on = DayField()
    rems_patient_id = serializers.CharField(required=False, allow_blank=True, max_length=40)


class RemsEnrolmentSerializer(serializers.ModelSerializer):
    patient = serializers.SerializerMethodField()

    class Meta:
        model = RemsEnrolment
        fields = ["patient", "enrolled_on", "rems_patient_id", "recorded_at"]

    def get_patient(self, obj) -> dict:
        return _person(obj.patient)


class ClinicalSummarySerializer(serializers.Serializer):
    """What a clinician sees before clearing: the newest screening with its findings, every
    clearance on record, and the REMS enrolment."""

    patient = serializers.DictField()
    screening = ScreeningSerializer(allow_null=True)
    clearances = ClearanceSerializer(many=True)
    rems_enrolment = RemsEnrolmentSerializer(allow_null=True)


class MonitoringFormTaskSerializer(serializers.Serializer):
    appointment = serializers.IntegerField(source="appointment.pk")
    patient = serializers.SerializerMethodField()
    location = serializers.CharField(source="appointment.location.name", default=None)
    session_day = serializers.DateField()
    due_on = serializers.DateField()
    overdue = serializers.SerializerMethodField()
    submitted_on = serializers.DateField(source="form.submitted_on", default=None)
    reference = serializers.CharField(source="form.reference", default=None)

    def get_patient(self, obj) -> dict:
        return _person(obj.appointment.patient)

    def get_overdue(self, obj) -> bool:
        return obj.overdue(selectors.visit_day(obj.appointment, self.context["now"]))


class MonitoringFormQuerySerializer(serializers.Serializer):
    overdue = serializers.BooleanField(required=False, default=False, help_text="Only the overdue ones.")
    include_submitted = serializers.BooleanField(required=False, default=False)


class MonitoringFormRequestSerializer(serializers.Serializer):
    submitted_on = DayField(required=False, help_text="Default: today.")
    reference = serializers.CharField(required=False, allow_blank=True, max_length=60)


class EscortRequestSerializer(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    phone = PhoneNumberField()
    relationship = serializers.CharField(required=False, allow_blank=True, max_length=60)
    confirmed_adult = serializers.BooleanField(help_text="True: an adult who will take the patient home.")


class EscortSerializer(serializers.ModelSerializer):
    phone = serializers.CharField()

    class Meta:
        model = Escort
        fields = ["appointment", "name", "phone", "relationship", "confirmed_adult", "recorded_at"]


class MissingEscortQuerySerializer(serializers.Serializer):
    date = DayField(required=False, help_text="Default: tomorrow (each site's calendar).")
    location = IdField(required=False)


class MissingEscortSerializer(serializers.Serializer):
    appointment = serializers.IntegerField(source="pk")
    patient = serializers.SerializerMethodField()
    phone = serializers.CharField(source="patient.phone")
    service = serializers.CharField(source="service.name")
    location = serializers.CharField(source="location.name")
    start = serializers.DateTimeField()

    def get_patient(self, obj) -> dict:
        return _person(obj.patient)


class GateOverrideQuerySerializer(serializers.Serializer):
    patient = IdField(required=False)
    gate = serializers.CharField(required=False, max_length=40)


class GateOverrideSerializer(serializers.ModelSerializer):
    patient = serializers.SerializerMethodField()
    service = serializers.CharField(source="service.name")
    actor = serializers.SerializerMethodField()
    visit = serializers.SerializerMethodField()

    class Meta:
        model = GateOverride
        fields = ["id", "at", "gate", "moment", "detail", "reason", "actor", "patient", "service", "location", "start",
                  "visit"]

    def get_patient(self, obj) -> dict:
        return _person(obj.patient)

    def get_actor(self, obj) -> dict:
        return {"id": obj.actor_id, "name": obj.actor.get_full_name() or obj.actor.username}

    def get_visit(self, obj) -> int | None:
        """The appointment the override let through (none if that booking then failed)."""
        visit = selectors.overridden_visit(obj)
        return visit.pk if visit else None
