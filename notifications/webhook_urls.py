"""Webhooks called by the SMS provider (mounted at /webhooks/)."""

from django.urls import path

from notifications import webhooks

app_name = "webhooks"

urlpatterns = [
    path("sms/inbound", webhooks.InboundSmsView.as_view(), name="sms-inbound"),
    path("sms/status", webhooks.SmsStatusView.as_view(), name="sms-status"),
]
