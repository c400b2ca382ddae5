"""Shapes of the check-in API: the questions of a check-in page and the outcome of answering it,
a patient's check-ins over time, and risk alerts.

Answers, scores and an alert's reasons are for clinicians and clinic admins; for the front desk
those fields are null (the desk sees that a check-in is pending or answered and that an alert is
open, to make sure a clinician acts)."""

from __future__ import annotations

from django import forms
from rest_framework import serializers

from checkins import selectors
from checkins.models import CheckIn, CheckInAnswers, RiskAlert
from checkins.questionnaires import gad7_band, phq9_band
from notifications.models import OutboundMessage

# --- The patient's check-in ------------------------------------------------------------------

class ChoiceSerializer(serializers.Serializer):
    value = serializers.CharField()
    label = serializers.CharField()


class QuestionSerializer(serializers.Serializer):
    name = serializers.CharField(help_text="The field name to send back, e.g. mood, phq_1, gad_3, side_effects.")
    kind = serializers.ChoiceField(choices=["single", "multiple", "text"],
                                   help_text="single: one of `choices`; multiple: a list of them; text: free text.")
    label = serializers.CharField()
    required = serializers.BooleanField()
    choices = ChoiceSerializer(many=True)
    max_length = serializers.IntegerField(allow_null=True)


def questions(form) -> list[dict]:
    """The form's fields as API questions, in page order."""
    rows = []
    for name, field in form.fields.items():
        if isinstance(field, forms.MultipleChoiceField):
            kind = "multiple"
        elif isinstance(field, forms.ChoiceField):
            kind = "single"
        else:
            kind = "text"
        rows.append({"name": name, "kind": kind, "label": str(field.label), "required": field.required,
                     "choices": [{"value": str(v), "label": str(label)} for v, label in getattr(field, "choices", [])],
                     "max_length": getattr(field, "max_length", None)})
    return rows


class CheckInPageSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["pending", "in_progress", "answered"])
    page = serializers.ChoiceField(choices=["first", "rest"], allow_null=True,
                                   help_text="rest: the PHQ-9's items 3-9 after a positive PHQ-2; null once answered.")
    language = serializers.ChoiceField(choices=["en", "es"])
    stems = serializers.DictField(child=serializers.CharField(),
                                  help_text="The questionnaires' instructions ('Over the last 2 weeks...').")
    questions = QuestionSerializer(many=True)
    integration_booked_at = serializers.DateTimeField(
        allow_null=True, help_text="An integration visit the patient already has (the question is then not asked).")


class CheckInAnswerRequestSerializer(serializers.Serializer):
    """The answers: each question's `name` (as GET /api/v1/checkins/{token} lists them) with its value."""

    mood = serializers.IntegerField(required=False, min_value=0, max_value=10)
    sleep = serializers.IntegerField(required=False, min_value=0, max_value=10)
    side_effects = serializers.ListField(child=serializers.CharField(), required=False,
                                         help_text='["none"] or any of nausea, dizziness, dissociation, other.')
    side_effects_other = serializers.CharField(required=False, allow_blank=True)
    phq_1 = serializers.IntegerField(required=False, min_value=0, max_value=3,
                                     help_text="phq_1 ... phq_9 and gad_1 ... gad_7 as the questions list them.")
    gad_1 = serializers.IntegerField(required=False, min_value=0, max_value=3)
    free_text = serializers.CharField(required=False, allow_blank=True)
    wants_integration = serializers.BooleanField(required=False)


class CrisisSerializer(serializers.Serializer):
    emergency_number = serializers.CharField()
    lifeline_number = serializers.CharField()
    lifeline_text = serializers.CharField()
    lifeline_text_keyword = serializers.CharField(help_text="AYUDA for Spanish; empty in English.")
    lifeline_chat_url = serializers.URLField()
    veterans = serializers.CharField()
    clinic_phone = serializers.CharField()
    message = serializers.CharField()


class CheckInOutcomeSerializer(serializers.Serializer):
    status = serializers.ChoiceField(
        choices=["continue", "answered", "crisis", "already_answered"],
        help_text="continue: answer `next` (the rest of the PHQ-9); crisis: show `crisis` now, the care team is "
                  "alerted.")
    next = CheckInPageSerializer(allow_null=True)
    crisis = CrisisSerializer(allow_null=True)
    booking_url = serializers.CharField(allow_blank=True,
                                        help_text="Where booking integration therapy starts, when the patient asked.")


# --- The clinician's view -----------------------------------------------------------------------

class AnswersSerializer(serializers.ModelSerializer):
    phq9_band = serializers.SerializerMethodField()
    gad7_band = serializers.SerializerMethodField()

    class Meta:
        model = CheckInAnswers
        fields = ["mood", "sleep", "side_effects", "side_effects_other", "phq_items", "phq2_score", "phq9_score",
                  "phq9_band", "gad7_items", "gad7_score", "gad7_band", "free_text", "wants_integration"]

    def get_phq9_band(self, obj) -> str | None:
        return phq9_band(obj.phq9_score) if obj.phq9_score is not None else None

    def get_gad7_band(self, obj) -> str | None:
        return gad7_band(obj.gad7_score) if obj.gad7_score is not None else None


class CheckInSerializer(serializers.ModelSerializer):
    state = serializers.SerializerMethodField(help_text="scheduled, pending, in_progress, answered or missed.")
    visit = serializers.SerializerMethodField()
    answers = serializers.SerializerMethodField(help_text="Null for the front desk, and until answered.")
    risk_alert = serializers.SerializerMethodField()

    class Meta:
        model = CheckIn
        fields = ["id", "step_key", "visit", "due_at", "expires_at", "state", "answered_at", "questionnaires",
                  "answers", "risk_alert"]

    def get_state(self, obj) -> str:
        return selectors.state(obj)

    def get_visit(self, obj) -> dict:
        return {"appointment": obj.appointment_id, "service": obj.appointment.service.name,
                "start": serializers.DateTimeField().to_representation(obj.appointment.start)}

    def get_answers(self, obj) -> dict | None:
        answers = getattr(obj, "answers", None)
        if not self.context.get("clinical") or answers is None:
            return None
        return AnswersSerializer(answers).data

    def get_risk_alert(self, obj) -> dict | None:
        alert = getattr(obj, "risk_alert", None)
        return {"id": alert.pk, "status": alert.status} if alert is not None else None


class DosingVisitSerializer(serializers.Serializer):
    appointment = serializers.IntegerField(source="pk")
    start = serializers.DateTimeField()
    service = serializers.CharField(source="service.name")


class PatientCheckInsSerializer(serializers.Serializer):
    patient = serializers.IntegerField()
    answers_visible = serializers.BooleanField(help_text="False for the front desk: answers and scores are null.")
    dosing_visits = DosingVisitSerializer(many=True, help_text="Completed dosing visits, oldest first.")
    checkins = CheckInSerializer(many=True, help_text="Oldest first.")


# --- Risk alerts --------------------------------------------------------------------------------

class AlertDeliverySerializer(serializers.ModelSerializer):
    to = serializers.CharField(source="to_address")

    class Meta:
        model = OutboundMessage
        fields = ["id", "channel", "to", "status", "status_reason", "attempts", "last_error", "sent_at",
                  "delivered_at", "provider_status"]


class RiskAlertSerializer(serializers.ModelSerializer):
    patient = serializers.SerializerMethodField()
    location = serializers.CharField(source="location.name", default=None)
    on_call = serializers.CharField(source="on_call.display_name", default=None)
    delivery = serializers.SerializerMethodField(
        help_text="delivered, sent, sending, retrying, failed or not_paged (see delivery_problem).")
    deliveries = AlertDeliverySerializer(source="messages", many=True)
    reasons = serializers.SerializerMethodField(help_text="Why it was raised; null for the front desk.")
    acknowledged_by = serializers.SerializerMethodField()
    note = serializers.SerializerMethodField(help_text="The clinician's note; null for the front desk.")

    class Meta:
        model = RiskAlert
        fields = ["id", "status", "created_at", "patient", "checkin", "location", "on_call", "delivery",
                  "delivery_problem", "deliveries", "reasons", "acknowledged_by", "acknowledged_at", "note"]

    def get_patient(self, obj) -> dict:
        return {"id": obj.patient_id, "name": obj.patient.display_name}

    def get_delivery(self, obj) -> str:
        return selectors.delivery_summary(obj)

    def get_reasons(self, obj) -> list[dict] | None:
        return obj.reasons if self.context.get("clinical") else None

    def get_acknowledged_by(self, obj) -> dict | None:
        user = obj.acknowledged_by
        return {"id": user.pk, "name": user.get_full_name() or user.get_username()} if user is not None else None

    def get_note(self, obj) -> str | None:
        return obj.note if self.context.get("clinical") else None


class RiskAlertQuerySerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=["open", "acknowledged", "all"], default="open", required=False)


class AcknowledgeSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=4000, help_text="What was done: called the patient, safety plan, ...")
