"""The front desk's view of messages: what each visit was sent and how it went, the patient's
replies, the inbox of replies that need a person, and failed messages. Staff only."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from api.permissions import IsClinicStaff
from api.problems import problem_responses
from api.serializers.messages import (
    AppointmentMessagesSerializer,
    InboundMessageSerializer,
    InboxQuerySerializer,
    OutboundMessageSerializer,
)
from audit.services import Action, record
from core.errors import NotFound
from notifications import selectors
from notifications.inbound import mark_handled
from notifications.models import InboundMessage, OutboundMessage
from scheduling.selectors.appointments import get_appointment

STAFF_ERRORS = problem_responses(401, 403)


class AppointmentMessagesView(GenericAPIView):
    permission_classes = [IsClinicStaff]
    serializer_class = AppointmentMessagesSerializer
    queryset = OutboundMessage.objects.none()

    @extend_schema(
        operation_id="appointment_messages", tags=["messages"],
        summary="Messages for one visit: what was sent, when, how it went, and the patient's replies",
        responses={200: AppointmentMessagesSerializer, **STAFF_ERRORS, **problem_responses(404)})
    def get(self, request, pk: int):
        appointment = get_appointment(user=request.user, appointment_id=pk)
        record(action=Action.READ, kind="notifications.outboundmessage", patient=appointment.patient_id,
               summary=f"messages and replies of appointment {appointment.pk}")
        return Response(AppointmentMessagesSerializer({
            "appointment": appointment.pk,
            "messages": selectors.messages_for_appointment(appointment=appointment),
            "replies": selectors.replies_for_appointment(appointment=appointment),
        }).data)


class InboxView(GenericAPIView):
    permission_classes = [IsClinicStaff]
    serializer_class = InboundMessageSerializer
    queryset = InboundMessage.objects.none()

    @extend_schema(
        operation_id="messages_inbox", tags=["messages"], parameters=[InboxQuerySerializer],
        summary="Replies that need a person (free text, reschedule requests, CANCEL), newest first",
        responses={200: InboundMessageSerializer(many=True), **STAFF_ERRORS, **problem_responses(400)})
    def get(self, request):
        query = InboxQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        page = self.paginate_queryset(selectors.inbox(user=request.user, handled=query.validated_data["handled"]))
        record(action=Action.READ, kind="notifications.inboundmessage",
               summary=f"inbox, handled={query.validated_data['handled']}")
        return self.get_paginated_response(InboundMessageSerializer(page, many=True).data)


class InboxHandleView(GenericAPIView):
    permission_classes = [IsClinicStaff]
    serializer_class = InboundMessageSerializer
    queryset = InboundMessage.objects.none()

    @extend_schema(
        operation_id="messages_inbox_handle", tags=["messages"], request=None,
        summary="Mark a reply as dealt with (idempotent: the first handler is kept)",
        responses={200: InboundMessageSerializer, **STAFF_ERRORS, **problem_responses(404)})
    def post(self, request, pk: int):
        if not selectors.inbox_items(user=request.user).filter(pk=pk).exists():
            raise NotFound(f"There is no reply {pk} in your inbox.", code="inbox_item_not_found")
        return Response(InboundMessageSerializer(mark_handled(inbound_id=pk, user=request.user)).data)


class FailedMessagesView(GenericAPIView):
    permission_classes = [IsClinicStaff]
    serializer_class = OutboundMessageSerializer
    queryset = OutboundMessage.objects.none()

    @extend_schema(
        operation_id="messages_failed", tags=["messages"],
        summary="Messages that could not be delivered and need a person (call the patient)",
        description="Permanent provider refusals, carrier failures, retries given up, and sends interrupted "
                    "where the provider could not confirm the outcome. Most recent first.",
        responses={200: OutboundMessageSerializer(many=True), **STAFF_ERRORS})
    def get(self, request):
        page = self.paginate_queryset(selectors.failed_messages(user=request.user))
        record(action=Action.READ, kind="notifications.outboundmessage", summary="failed messages list")
        return self.get_paginated_response(OutboundMessageSerializer(page, many=True).data)
