"""Telehealth API: the clinician's video visits with who is waiting, the desk's interpreter flag,
and prescribers' in-person evaluations (the controlled-substance rule reads them)."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema, OpenApiExample
from rest_framework import status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from accounts.models import Role
from api.permissions import IsClinician, IsFrontDesk
from api.problems import problem_responses
from api.serializers.telehealth import (
    InPersonEvaluationRequestSerializer,
    InPersonEvaluationSerializer,
    InterpreterRequestSerializer,
    InterpreterSerializer,
    render_evaluation,
    render_waiting_row,
    WaitingListSerializer,
    WaitingQuerySerializer,
)
from audit.services import record_read
from core.errors import DomainError, NotFound
from scheduling import timeutils
from scheduling.models import Appointment, StaffMember
from scheduling.selectors.appointments import get_appointment, staff_member_for, visible_patients
from telehealth import services
from telehealth.selectors import waiting_list


def _own_staff_record(user) -> StaffMember:
    member = staff_member_for(user)
    if member is None or not member.active:  # a deactivated clinician has no waiting room
        raise DomainError("You have no clinician record, so you have no video visits; ask the clinic admin to add one.",
                      code="not_a_clinician", status=403, title="Forbidden")
    return member


WAITING_EXAMPLE = {
    "date": "2025-03-10", "time_zone": "America/Los_Angeles",
    "visits": [{
        "appointment": 41, "status": "booked", "service": {"id": 3, "name": "Follow-up visit"},
        "start": "2025-03-10T16:00:00Z", "end": "2025-03-10T16:30:00Z", "time_zone": "America/Los_Angeles",
        "local_start": "2025-03-10T09:00:00-07:00", "local_end": "2025-03-10T09:30:00-07:00",
        "patient": {"id": 7, "name": "Ana Ruiz", "language": "es", "state": "AZ", "time_zone": "America/Phoenix",
                    "local_start": "2025-03-10T09:00:00-07:00"},
        "window": {"opens_at": "2025-03-10T15:45:00Z", "closes_at": "2025-03-10T16:30:00Z", "open": True},
        "waiting": {"state": "waiting", "since": "2025-03-10T15:52:10Z"},
        "identity_confirmed_at": "2025-03-10T15:51:40Z", "interpreter": None, "prescribing": True,
        "join_url": "https://clinic.example.com/visit/AbCdEfGhIjKlMnOp0123456789abcdef0123"}],
}


class WaitingView(GenericAPIView):
    permission_classes = [IsClinician]
    serializer_class = WaitingListSerializer

    @extend_schema(
        operation_id="telehealth_waiting", parameters=[WaitingQuerySerializer],
        summary="Your video visits of the day, with who is waiting and since when",
        description="For a clinician: their video visits starting on `date` (default today) on their own clock, "
                    "with the join window, where the patient is (`not_arrived`, `waiting` since, `in_room` since, "
                    "`left` at), identity confirmation, interpreter flag, and the clinician's own join link. "
                    "Poll it to keep a waiting-room view current.",
        responses={200: WaitingListSerializer, **problem_responses(
            400, 401, 403, description_403="Not a clinician, or no clinician record (`not_a_clinician`).")},
        examples=[OpenApiExample("A patient waiting", value=WAITING_EXAMPLE, response_only=True)])
    def get(self, request):
        query = WaitingQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        staff = _own_staff_record(request.user)
        now = timezone.now()
        day = query.validated_data.get("date") or timeutils.local_date(now, timeutils.zone(staff.time_zone))
        rows = waiting_list(staff=staff, day=day, now=now)
        record_read(kind="scheduling.appointment", summary=f"video waiting list, {day.isoformat()}")
        return Response({"date": day.isoformat(), "time_zone": staff.time_zone,
                          "visits": [render_waiting_row(row, staff=staff) for row in rows]})


class InterpreterView(GenericAPIView):
    permission_classes = [IsFrontDesk]
    serializer_class = InterpreterSerializer
    queryset = Appointment.objects.none()

    @extend_schema(
        operation_id="telehealth_interpreter_set", request=InterpreterRequestSerializer,
        summary="Flag that a visit needs an interpreter",
        description="The front desk notes the language to interpret (when no clinician speaks the patient's "
                    "language) and how the interpreter is booked. The clinician sees it on their waiting list.",
        responses={200: InterpreterSerializer, **problem_responses(400, 401, 403, 404)})
    def put(self, request, pk: int):
        appointment = get_appointment(user=request.user, appointment_id=pk)
        body = InterpreterRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        need = services.flag_interpreter(appointment=appointment, language=body.validated_data["language"],
                                         notes=body.validated_data.get("notes", ""), actor=request.user,
                                         now=timezone.now())
        return Response(InterpreterSerializer(need).data)

    @extend_schema(operation_id="telehealth_interpreter_clear", summary="Remove a visit's interpreter flag",
                   responses={204: None, **problem_responses(401, 403, 404)})
    def delete(self, request, pk: int):
        appointment = get_appointment(user=request.user, appointment_id=pk)
        services.clear_interpreter(appointment=appointment)
        return Response(status=status.HTTP_204_NO_CONTENT)


class InPersonEvaluationView(GenericAPIView):
    permission_classes = [IsClinician]
    serializer_class = InPersonEvaluationSerializer

    @extend_schema(
        operation_id="telehealth_in_person_evaluation_record", request=InPersonEvaluationRequestSerializer,
        summary="Record that a prescriber evaluated a patient in person",
        description="Keeps the latest in-person evaluation day per prescriber and patient. After the "
                    "controlled-substance telemedicine flexibilities end (TELEHEALTH_CS_FLEXIBILITY_UNTIL), a "
                    "prescriber's video visit can be booked only with one on record (or a completed in-person "
                    "visit with that prescriber). Clinicians record their own; a clinic admin any prescriber's.",
        responses={201: InPersonEvaluationSerializer, **problem_responses(
            400, 401, 403, 404, 422,
            description_422="Not a prescriber (`not_a_prescriber`) or a date in the future (`evaluation_in_future`).")})
    def post(self, request):
        body = InPersonEvaluationRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        patient = visible_patients(user=request.user).filter(pk=data["patient"]).first()
        if patient is None:
            raise NotFound(f"There is no patient {data['patient']}.", code="patient_not_found")
        if request.user.role == Role.ADMIN and data.get("prescriber"):
            prescriber = StaffMember.objects.filter(pk=data["prescriber"]).first()
            if prescriber is None:
                raise NotFound(f"There is no staff member {data['prescriber']}.", code="staff_not_found")
        else:
            prescriber = _own_staff_record(request.user)
            if data.get("prescriber") and data["prescriber"] != prescriber.pk:
                raise DomainError("Clinicians record their own in-person evaluations; ask a clinic admin to record "
                              "another prescriber's.", code="permission_denied", status=403, title="Forbidden")
        record = services.record_in_person_evaluation(prescriber=prescriber, patient=patient,
                                                      evaluated_on=data["evaluated_on"], actor=request.user,
                                                      now=timezone.now())
        return Response(render_evaluation(record), status=status.HTTP_201_CREATED)
