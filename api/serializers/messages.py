"""Shapes of the front desk's messages API: what was sent for a visit, replies, the inbox."""

from __future__ import annotations

from rest_framework import serializers

from notifications.models import InboundMessage, OutboundMessage


class OutboundMessageSerializer(serializers.ModelSerializer):
    status_label = serializers.CharField(source="get_status_display", read_only=True)
    to = serializers.CharField(source="to_address", read_only=True,
                               help_text="Where it went; empty until it is sent.")
    patient_name = serializers.SerializerMethodField()

    class Meta:
        model = OutboundMessage
        fields = ["id", "appointment", "patient", "patient_name", "kind", "channel", "status", "status_label",
                  "status_reason", "due_at", "sent_at", "delivered_at", "provider_status", "last_error", "attempts",
                  "to", "subject", "body"]
        read_only_fields = fields
        extra_kwargs = {
            "kind": {"help_text": "The plan step: confirmation, reminder_72h, reminder_24h, reminder_2h, join_link, "
                                  "cancellation, or reply_* for answers to the patient's own text."},
            "due_at": {"help_text": "When it is (or was) due, already moved out of quiet hours."},
            "provider_status": {"help_text": "The carrier's last word: queued, sent, delivered, undelivered, failed."},
        }

    def get_patient_name(self, message) -> str:
        return message.patient.display_name if message.patient_id else ""


class InboundMessageSerializer(serializers.ModelSerializer):
    patient_name = serializers.SerializerMethodField()
    handled_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = InboundMessage
        fields = ["id", "received_at", "from_number", "body", "action", "patient", "patient_name", "appointment",
                  "needs_attention", "attention_reason", "handled_at", "handled_by"]
        read_only_fields = fields

    def get_patient_name(self, message) -> str:
        return message.patient.display_name if message.patient_id else ""


class AppointmentMessagesSerializer(serializers.Serializer):
    appointment = serializers.IntegerField()
    messages = OutboundMessageSerializer(many=True, help_text="Planned, sent, delivered, failed and superseded.")
    replies = InboundMessageSerializer(many=True, help_text="The patient's texts about this visit.")


class InboxQuerySerializer(serializers.Serializer):
    handled = serializers.BooleanField(required=False, default=False,
                                       help_text="true lists replies already dealt with.")
