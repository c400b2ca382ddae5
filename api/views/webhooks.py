"""Twilio's webhooks over HTTP, mounted at /webhooks/ (this module is their URLconf): a patient's
text and delivery receipts for ours. A request whose signature fails gets 403 and changes
nothing (notifications.webhooks says how it is checked)."""

from __future__ import annotations

from django.http import HttpResponse
from django.urls import path
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, inline_serializer, OpenApiParameter, OpenApiResponse
from rest_framework import serializers
from rest_framework.parsers import FormParser
from rest_framework.permissions import BasePermission
from rest_framework.views import APIView

from api.problems import problem_responses
from notifications.delivery_status import apply_status_callback
from notifications.inbound import receive_sms
from notifications.webhooks import signed_by_twilio

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response></Response>'


class TwilioSignature(BasePermission):
    message = "The X-Twilio-Signature header is missing or does not match this request."

    def has_permission(self, request, view) -> bool:
        return signed_by_twilio(full_path=request.get_full_path(), params=request.POST,
                                signature=request.headers.get("X-Twilio-Signature", ""))


class TwilioWebhook(APIView):
    authentication_classes: list = []
    permission_classes = [TwilioSignature]
    parser_classes = [FormParser]
    throttle_classes: list = []


SIGNATURE_HEADER = OpenApiParameter("X-Twilio-Signature", str, OpenApiParameter.HEADER, required=True,
                                    description="Twilio's HMAC-SHA1 signature of the URL and parameters.")


class InboundSmsView(TwilioWebhook):
    @extend_schema(
        operation_id="webhooks_sms_inbound", tags=["webhooks"], parameters=[SIGNATURE_HEADER],
        summary="A text from a patient (Twilio messaging webhook)",
        description="Keywords act at once: C/CONFIRM/SI confirms the next visit, R/RESCHEDULE asks the desk "
                    "to call and answers with a link, STOP, the other revocation words (English and Spanish) "
                    "and plain requests such as 'stop texting me' or 'no más mensajes' opt out (one "
                    "confirmation per number), CANCEL and cancel requests opt out and are answered with the "
                    "next visit and how to cancel it (the desk inbox shows the visit for a call), "
                    "START/UNSTOP opt back in, HELP/AYUDA answers with the clinic's name and number. Anything "
                    "else waits in the front-desk inbox. Replies go out as outbox messages, so the TwiML "
                    "answer is empty. Idempotent on MessageSid.",
        request={"application/x-www-form-urlencoded": inline_serializer("TwilioInboundSms", {
            "MessageSid": serializers.CharField(), "From": serializers.CharField(), "To": serializers.CharField(),
            "Body": serializers.CharField(allow_blank=True)})},
        responses={(200, "text/xml"): OpenApiResponse(OpenApiTypes.STR, description="Empty TwiML."), **problem_responses(
            400, 403, description_403="Missing or wrong X-Twilio-Signature: nothing was recorded.")})
    def post(self, request):
        data = request.POST
        sid, sender = data.get("MessageSid") or data.get("SmsSid"), data.get("From")
        if not sid or not sender:
            raise serializers.ValidationError({"MessageSid": "MessageSid and From are required."})
        receive_sms(provider_id=sid, from_number=sender, to_number=data.get("To", ""), body=data.get("Body", ""))
        return HttpResponse(EMPTY_TWIML, content_type="text/xml")


class SmsStatusView(TwilioWebhook):
    @extend_schema(
        operation_id="webhooks_sms_status", tags=["webhooks"], parameters=[
            SIGNATURE_HEADER,
            OpenApiParameter("m", str, OpenApiParameter.QUERY, required=False,
                             description="Our outbox row id, set in the StatusCallback URL we gave Twilio.")],
        summary="A delivery receipt for one of our texts (Twilio status callback)",
        description="Applied only if it moves the message forward (queued < sent < delivered/undelivered/failed), "
                    "so repeats and late arrivals change nothing.",
        request={"application/x-www-form-urlencoded": inline_serializer("TwilioStatusCallback", {
            "MessageSid": serializers.CharField(), "MessageStatus": serializers.CharField(),
            "ErrorCode": serializers.CharField(required=False)})},
        responses={204: None, **problem_responses(
            403, description_403="Missing or wrong X-Twilio-Signature: nothing was recorded.")})
    def post(self, request):
        data = request.POST
        apply_status_callback(provider_id=data.get("MessageSid") or data.get("SmsSid") or "",
                              status=data.get("MessageStatus") or data.get("SmsStatus") or "",
                              error_code=data.get("ErrorCode", ""), message_id_hint=request.GET.get("m", ""))
        return HttpResponse(status=204)


app_name = "webhooks"
urlpatterns = [
    path("sms/inbound", InboundSmsView.as_view(), name="sms-inbound"),
    path("sms/status", SmsStatusView.as_view(), name="sms-status"),
]
