"""Appointments: the desk's day view, booking, and the actions on one appointment.

Views parse, check who is asking, call one service and render. What a role may see is
scheduling.selectors.appointments.visible_appointments: anything outside it is a 404, so ids
cannot be probed. What a role may do on something it can see is the `roles` of each action."""

from __future__ import annotations

from contextlib import nullcontext

from django.db import transaction
from django.utils import timezone
from drf_spectacular.utils import extend_schema, extend_schema_view, OpenApiExample, OpenApiParameter
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView

from accounts.models import Role
from api.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from api.permissions import IsFrontDesk, IsPatient
from api.serializers.booking import (
    AppointmentQuerySerializer,
    AppointmentSerializer,
    BookingRequestSerializer,
    CancelRequestSerializer,
    CompleteRequestSerializer,
    EmptyRequestSerializer,
    ReasonRequestSerializer,
    RescheduleRequestSerializer,
)
from api.serializers.care import CheckInRequestSerializer
from api.views.holds import problem_responses, render_appointment, resolve_target, Target
from audit.services import Action, record, record_read
from care import services as care_services
from config.throttles import BookingThrottle
from core.errors import Forbidden, NotFound, Unprocessable
from scheduling.models import Appointment, Location
from scheduling.selectors.appointments import filter_appointments, get_appointment, visible_appointments, with_details
from scheduling.services import booking, transitions

SLOT_TAKEN_EXAMPLE = OpenApiExample(
    "Taken", status_codes=["409"], response_only=True,
    value={"type": "https://clearday.example/problems/slot-taken", "title": "Conflict", "status": 409,
           "code": "slot_taken", "detail": "Chair 3 is taken 10:15-11:45."})


class AppointmentListView(GenericAPIView):
    queryset = Appointment.objects.none()
    serializer_class = AppointmentSerializer
    throttle_classes = [BookingThrottle]

    def get_permissions(self):
        if self.request.method == "POST":
            return [(IsPatient | IsFrontDesk)()]
        return super().get_permissions()

    @extend_schema(
        operation_id="appointments_list", parameters=[AppointmentQuerySerializer],
        summary="Appointments you may see, filtered: the front desk's day view",
        description="Patients see their own; the front desk their locations' (and video visits if they "
                    "work at a telehealth location); clinicians the visits they are allocated to. "
                    "Ordered by start. Paginated with limit/offset.",
        responses={200: AppointmentSerializer(many=True), **problem_responses(400)})
    def get(self, request):
        query = AppointmentQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        q = query.validated_data
        location = None
        if q.get("location"):
            location = Location.objects.filter(pk=q["location"]).first()
            if location is None:
                raise serializers.ValidationError({"location": f"There is no location {q['location']}."})
        qs = filter_appointments(
            visible_appointments(user=request.user), start_from=q.get("start_from"), start_to=q.get("start_to"),
            day=q.get("date"), location=location, modality=q.get("modality"),
            staff_ids=q.get("staff"), resource_ids=q.get("resource"), patient_ids=q.get("patient"),
            statuses=q.get("status"))
        page = self.paginate_queryset(with_details(qs))
        record_read(kind="scheduling.appointment", patients=q.get("patient") or (),
                    summary=f"list {request.query_params.urlencode()}")
        context = {"viewer_is_patient": request.user.role == Role.PATIENT}
        return self.get_paginated_response(AppointmentSerializer(page, many=True, context=context).data)

    @extend_schema(
        operation_id="appointments_book", request=BookingRequestSerializer, parameters=[IDEMPOTENCY_KEY_PARAMETER],
        summary="Book an appointment (or convert your hold)",
        description="Patients book for themselves (channel online) and only services bookable online; "
                    "the front desk books for a patient at their locations and may set `override_reason` "
                    "to book despite notice/horizon/online-only rules. A conflict is never overridden. "
                    "Send `hold` to turn your live hold into the booking.",
        responses={201: AppointmentSerializer, **problem_responses(400, 403, 404, 409, 422)},
        examples=[SLOT_TAKEN_EXAMPLE])
    @idempotent
    def post(self, request):
        body = BookingRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        is_desk = request.user.role != Role.PATIENT
        # An escort given is recorded with the booking, in its transaction, or neither is.
        with transaction.atomic() if data.get("escort") else nullcontext():
            if data.get("hold"):
                try:
                    hold = get_appointment(user=request.user, appointment_id=data["hold"], details=False)
                except NotFound:
                    raise NotFound(f"There is no hold {data['hold']} that you can see.",
                                   code="hold_not_found") from None
                _ensure_hold_matches(hold, data)
                appointment = booking.convert_hold(
                    hold=hold, patient=hold.patient, actor=request.user, channel=_channel(request, data),
                    staff_notes=data.get("staff_notes", "") if is_desk else "")
            else:
                target: Target = resolve_target(request, data)
                appointment = booking.book_appointment(
                    patient=target.patient, service=target.service, location=target.location, start=data["start"],
                    staff=target.staff, actor=request.user, channel=_channel(request, data),
                    staff_notes=data.get("staff_notes", "") if is_desk else "",
                    override_reason=data.get("override_reason", ""), now=timezone.now())
            if data.get("escort"):
                escort = data["escort"]
                care_services.record_escort(appointment=appointment, name=escort["name"], phone=str(escort["phone"]),
                                            relationship=escort.get("relationship", ""),
                                            confirmed_adult=escort["confirmed_adult"], actor=request.user)
        return render_appointment(request, appointment, status_code=status.HTTP_201_CREATED, rescheduled_from=None)


def _channel(request, data) -> str:
    if request.user.role == Role.PATIENT:
        return "online"
    return data.get("channel") or "front_desk"


def _ensure_hold_matches(hold, data) -> None:
    """Fields sent beside a hold must describe the held visit."""
    mismatched = [name for name, held in (("service", hold.service_id), ("start", hold.start),
                                          ("patient", hold.patient_id))
                  if data.get(name) is not None and data[name] != held]
    if "location" in data and data["location"] != hold.location_id:
        mismatched.append("location")
    if mismatched:
        raise Unprocessable(f"The hold is for a different {', '.join(mismatched)}; book without it or hold again.",
                            code="hold_mismatch")


class AppointmentDetailView(GenericAPIView):
    queryset = Appointment.objects.none()
    serializer_class = AppointmentSerializer

    @extend_schema(operation_id="appointments_retrieve", summary="One appointment you may see",
                   responses={200: AppointmentSerializer, **problem_responses(404)})
    def get(self, request, pk: int):
        appointment = get_appointment(user=request.user, appointment_id=pk)
        record(action=Action.READ, target=appointment, summary="appointment detail")
        return render_appointment(request, appointment)


class _ActionView(GenericAPIView):
    """POST /appointments/{id}/<action>. Subclasses name the roles allowed and call one service."""

    roles: tuple[str, ...] = ()
    queryset = Appointment.objects.none()
    request_serializer = EmptyRequestSerializer
    serializer_class = AppointmentSerializer
    throttle_classes = [BookingThrottle]

    @idempotent
    def post(self, request, pk: int):
        appointment = get_appointment(user=request.user, appointment_id=pk, details=False)
        if request.user.role not in self.roles:
            raise Forbidden(f"Your role ({request.user.get_role_display().lower()}) cannot do this; "
                            "please ask the front desk.")
        body = self.request_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        result = self.perform(request, appointment, body.validated_data)
        # A move answers with the new appointment, which replaced this one; other actions answer
        # with this one, whose predecessor (if any) was read with it (get_appointment).
        if result.pk != appointment.pk:
            return render_appointment(request, result, rescheduled_from=appointment.pk)
        return render_appointment(request, result, rescheduled_from=appointment.rescheduled_from_pk)

    def perform(self, request, appointment, data):
        raise NotImplementedError


DESK = (Role.FRONT_DESK, Role.ADMIN)
CARE = (Role.FRONT_DESK, Role.ADMIN, Role.CLINICIAN)


def _action_schema(operation_id: str, summary: str, description: str, request, codes=(403, 404, 409, 422)):
    return extend_schema_view(post=extend_schema(
        operation_id=operation_id, summary=summary, description=description, request=request,
        parameters=[IDEMPOTENCY_KEY_PARAMETER, OpenApiParameter("id", int, OpenApiParameter.PATH)],
        responses={200: AppointmentSerializer, **problem_responses(400, *codes)}))


@_action_schema("appointments_cancel", "Cancel (or release a hold)",
                "Patients cancel their own visits until the service's cancellation window opens "
                "(later: 422 `cancellation_window_passed`, call the desk). The desk cancels at any time; "
                "a cancellation the patient asked for inside the window is flagged `late_cancellation`.",
                CancelRequestSerializer)
class CancelView(_ActionView):
    roles = (Role.PATIENT, *DESK)
    request_serializer = CancelRequestSerializer

    def perform(self, request, appointment, data):
        return transitions.cancel_appointment(appointment=appointment, actor=request.user,
                                              reason=data.get("reason", ""), cancelled_by=data.get("cancelled_by"))


@_action_schema("appointments_reschedule", "Move to a new time, atomically",
                "The new time is taken and the old released in one transaction; the old appointment "
                "becomes `rescheduled` and points to the new one, which is returned. If the new time is "
                "gone (409) the old booking is untouched.", RescheduleRequestSerializer)
class RescheduleView(_ActionView):
    roles = (Role.PATIENT, *DESK)
    request_serializer = RescheduleRequestSerializer

    def perform(self, request, appointment, data):
        keep_place = "location" not in data and "modality" not in data
        target = resolve_target(request, data, service=appointment.service, patient=appointment.patient,
                                keep_location=appointment.location if keep_place else ...)
        return booking.reschedule_appointment(
            appointment=appointment, start=data["start"], actor=request.user, location=target.location,
            staff=target.staff, reason=data.get("reason", ""), override_reason=data.get("override_reason", ""))


@_action_schema("appointments_check_in", "Check the patient in",
                "Front desk or the clinician on the visit. Check-in opens the site's `check_in_opens_minutes` "
                "(60 unless the site says otherwise) before the start; earlier it is a 422 "
                "`too_early_for_check_in` with `opens_at`, unless the desk gives an `override_reason`. "
                "An in-person dosing visit needs an adult escort on "
                "record (PUT /appointments/{id}/escort); without one it is a 422 `gate_failed` (gate `escort`) "
                "unless the clinic lets the desk override it with `override_reason`.",
                CheckInRequestSerializer, codes=(403, 404, 409, 422))
class CheckInView(_ActionView):
    roles = CARE
    request_serializer = CheckInRequestSerializer

    def perform(self, request, appointment, data):
        return transitions.check_in(appointment=appointment, actor=request.user,
                                    override_reason=data.get("override_reason", ""))


@_action_schema("appointments_no_show", "Mark a no-show",
                "After the visit's start; frees the rest of its time.", ReasonRequestSerializer)
class NoShowView(_ActionView):
    roles = CARE
    request_serializer = ReasonRequestSerializer

    def perform(self, request, appointment, data):
        return transitions.mark_no_show(appointment=appointment, actor=request.user, reason=data.get("reason", ""))


@_action_schema("appointments_complete", "Mark a checked-in visit completed",
                "Front desk or the clinician, once the visit has started: earlier it is a 422 "
                "`too_early_to_complete`, unless the desk gives an `override_reason`.",
                CompleteRequestSerializer, codes=(403, 404, 409, 422))
class CompleteView(_ActionView):
    roles = CARE
    request_serializer = CompleteRequestSerializer

    def perform(self, request, appointment, data):
        return transitions.complete(appointment=appointment, actor=request.user,
                                    override_reason=data.get("override_reason", ""))

