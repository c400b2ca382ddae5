"""Calendars: one appointment as an .ics file, and a clinician's private feed URL (issue a new
one, or revoke it). The files themselves are built by the calendars app."""

from __future__ import annotations

from django.http import HttpResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema, OpenApiResponse
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.response import Response

from accounts.models import Role
from api.permissions import IsClinicStaff
from api.problems import problem_responses
from audit.services import Action, record
from calendars import feeds, ics
from core.errors import Conflict, Forbidden, NotFound
from scheduling.models import Appointment, StaffMember
from scheduling.selectors.appointments import get_appointment


class ICalendarRenderer(BaseRenderer):
    """Lets a client ask for `Accept: text/calendar`; the view answers with the file itself."""

    media_type = "text/calendar"
    format = "ics"
    charset = "utf-8"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data if isinstance(data, bytes) else JSONRenderer().render(data)


class AppointmentCalendarView(GenericAPIView):
    queryset = Appointment.objects.none()
    renderer_classes = [JSONRenderer, ICalendarRenderer]

    @extend_schema(
        operation_id="appointments_calendar",
        summary="One appointment as an iCalendar (.ics) file",
        description="For the patient and the staff who may see the appointment. The event's title names the "
        "clinic, never the service; its location is the site's address, or the visit page for video. "
        "A moved appointment keeps its UID and its SEQUENCE grows; a cancelled one has STATUS:CANCELLED. "
        "The row of a visit that was moved answers with the visit at its new time.",
        responses={
            (200, "text/calendar"): OpenApiResponse(OpenApiTypes.BINARY, description="An iCalendar file."),
            **problem_responses(
                401,
                404,
                409,
                description_401="Not signed in, or the token has expired.",
                description_404="No such appointment that you can see.",
                description_409="A hold (or an expired one) is not a visit: it has no calendar file (`not_a_visit`).",
            ),
        },
    )
    def get(self, request, pk: int):
        appointment = get_appointment(user=request.user, appointment_id=pk)
        if appointment.status in ics.NOT_A_VISIT:
            raise Conflict(
                f"Appointment {pk} is {appointment.get_status_display().lower()}: it has no calendar file.",
                code="not_a_visit",
            )
        body = ics.appointment_calendar(appointment, language=request.LANGUAGE_CODE[:2])
        record(action=Action.READ, target=appointment, summary="appointment calendar file")
        response = HttpResponse(body, content_type=ics.CONTENT_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{ics.filename(appointment)}"'
        return response


class FeedUrlSerializer(serializers.Serializer):
    url = serializers.URLField(help_text="The feed's secret address. Shown once: it is not stored.")


def _feed_owner(request, staff_id: int) -> StaffMember:
    """The clinician themselves, or a clinic admin for anyone; others are refused."""
    staff = StaffMember.objects.filter(pk=staff_id, active=True).first()
    if staff is None:
        raise NotFound(f"There is no staff member {staff_id}.", code="staff_not_found")
    if request.user.role != Role.ADMIN and staff.user_id != request.user.pk:
        raise Forbidden("Only the clinician or a clinic admin may manage this calendar feed.")
    return staff


_FEED_PROBLEMS = {
    "description_401": "Not signed in, or the token has expired.",
    "description_403": "Only the clinician themselves or a clinic admin manages a feed.",
    "description_404": "No such active staff member (`staff_not_found`), or no feed to revoke (`feed_not_found`).",
}


class StaffCalendarFeedView(GenericAPIView):
    permission_classes = [IsAuthenticated, IsClinicStaff]
    serializer_class = FeedUrlSerializer
    queryset = StaffMember.objects.none()

    @extend_schema(
        operation_id="staff_calendar_feed_issue",
        request=None,
        summary="Issue a private calendar feed URL for a clinician (the old one stops working)",
        description="For the clinician themselves or a clinic admin. The feed lists the clinician's visits "
        "of the last 30 and the next 365 days; titles name the service, and the patient's initials only "
        "when the clinic turns that on. Moves keep the event's UID; cancellations stay in the feed as "
        "STATUS:CANCELLED.",
        responses={201: FeedUrlSerializer, **problem_responses(401, 403, 404, **_FEED_PROBLEMS)},
    )
    def post(self, request, pk: int):
        staff = _feed_owner(request, pk)
        url = feeds.issue_feed_token(staff=staff, actor=request.user)
        record(action=Action.CHANGE, target=staff, summary="calendar feed URL issued")
        return Response({"url": url}, status=status.HTTP_201_CREATED)

    @extend_schema(
        operation_id="staff_calendar_feed_revoke",
        summary="Revoke a clinician's calendar feed URL",
        responses={204: None, **problem_responses(401, 403, 404, **_FEED_PROBLEMS)},
    )
    def delete(self, request, pk: int):
        staff = _feed_owner(request, pk)
        if not feeds.revoke_feed_token(staff=staff):
            raise NotFound(f"{staff.display_name} has no calendar feed.", code="feed_not_found")
        record(action=Action.CHANGE, target=staff, summary="calendar feed URL revoked")
        return Response(status=status.HTTP_204_NO_CONTENT)
