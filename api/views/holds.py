"""POST /api/v1/holds, and what booking and holding share: who the visit is for and where.

Holds and bookings need a signed-in user: a patient (signed in with a one-time code) holds for
themselves; the front desk holds for a patient by id while on the phone. Anonymous callers
browse availability only, so a hold always has an owner to answer to and cannot be used to
block a clinic's calendar from outside."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Prefetch, prefetch_related_objects
from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from accounts.models import Role
from api import problems
from api.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from api.permissions import IsFrontDesk, IsPatient
from api.serializers.booking import AppointmentSerializer, HoldRequestSerializer
from config.throttles import BookingThrottle
from core.errors import Forbidden, NotFound, Unprocessable
from scheduling import catalog
from scheduling.models import Appointment, Location, Patient, Service, StaffMember
from scheduling.selectors.appointments import allocations_for_display, desk_may_book_at, visible_patients
from scheduling.services.holds import hold_slot

_PROBLEM_TEXT = {
    400: "The request is malformed; `errors` names each field.",
    401: "Not signed in, or the token has expired.",
    403: "Your role may not do this here.",
    404: "No such appointment, hold or patient that you can see.",
    409: "The time is taken (`slot_taken`), the patient already has a visit or a live hold at an overlapping "
         "time, anywhere or by video (`patient_busy`; `appointment` names it), the change is not allowed from "
         "the current status (`illegal_transition`), or the hold lapsed (`hold_expired`).",
    422: "A clinical gate refused it (`gate_failed`: `gate` and `how_to_satisfy` say which and what to do; "
         "the gates are checked before the time, so a patient they refuse never gets `slot_taken`), a booking "
         "rule refused it (e.g. `min_notice`, `horizon`, `outside_hours`, "
         "`cancellation_window_passed`), or the Idempotency-Key was reused with a different body "
         "(`idempotency_key_reused`).",
}


def problem_responses(*codes: int) -> dict:
    """The error responses of a booking endpoint; every one needs a signed-in caller (401)."""
    codes = (401, *codes)
    return problems.problem_responses(*codes, **{f"description_{code}": _PROBLEM_TEXT[code] for code in codes})


def render_appointment(request, appointment, *, status_code: int = status.HTTP_200_OK,
                       rescheduled_from: int | None | type[...] = ...) -> Response:
    """The appointment a service returned (it comes with its patient, service and location), with
    its allocations read in one query: the response is rendered while the booking's locks are held.
    `rescheduled_from` saves a query when the caller knows it (None for a visit just booked)."""
    prefetch_related_objects([appointment], Prefetch("allocations", queryset=allocations_for_display()))
    context = {"viewer_is_patient": request.user.role == Role.PATIENT}
    if rescheduled_from is not ...:
        context["rescheduled_from"] = rescheduled_from
    return Response(AppointmentSerializer(appointment, context=context).data, status=status_code)


@dataclass(frozen=True)
class Target:
    patient: Patient
    service: Service
    location: Location | None
    staff: StaffMember | None


def resolve_target(request, data: dict[str, Any], *, service: Service | None = None, patient: Patient | None = None,
                   keep_location: Any = ...) -> Target:
    """The patient, service, place and clinician of a hold, booking or move, checked against the
    caller: patients act for themselves, the desk only at locations it works at."""
    user = request.user
    acting_as_patient = user.role == Role.PATIENT
    if patient is None:
        patient = _patient_for(user, data.get("patient"))
    setup = catalog.current()  # services come with their phases and locations
    if service is None:
        service = setup.services.get(data["service"])
        if service is None:
            raise serializers.ValidationError({"service": f"There is no service {data['service']}."})
    if keep_location is not ...:
        location = keep_location
    elif data.get("location") is not None:
        location = setup.active_location(data["location"])
        if location is None:
            raise serializers.ValidationError({"location": f"There is no open location {data['location']}."})
    else:
        location = None
    if not acting_as_patient and not desk_may_book_at(user=user, location=location):
        where = location.name if location else "video visits"
        raise Forbidden(f"You are not on the front desk for {where}.")
    staff = None
    if data.get("staff"):
        staff = setup.active_staff_member(data["staff"])
        if staff is None:
            raise serializers.ValidationError({"staff": f"There is no staff member {data['staff']}."})
        if acting_as_patient and not service.patient_chooses_staff:
            raise Unprocessable(f"{service.name} does not let patients choose the clinician; leave staff out.",
                                code="staff_choice_not_offered")
    return Target(patient=patient, service=service, location=location, staff=staff)


def _patient_for(user, requested: int | None) -> Patient:
    """A desk books for a patient it may see (one known only at another site reads as missing)."""
    if user.role == Role.PATIENT:
        own = getattr(user, "patient", None)  # read once by the IsPatient permission
        if own is None:
            raise Unprocessable("Your sign-in is not linked to a patient record yet; please call the clinic.",
                                code="no_patient_record")
        if requested is not None and requested != own.pk:
            raise NotFound(f"There is no patient {requested} that you can see.", code="patient_not_found")
        return own
    if requested is None:
        raise serializers.ValidationError({"patient": "The front desk books for a patient: give the patient id."})
    patient = visible_patients(user=user).filter(pk=requested).first()
    if patient is None:
        raise serializers.ValidationError({"patient": f"There is no patient {requested}."})
    return patient


class HoldCreateView(GenericAPIView):
    queryset = Appointment.objects.none()
    permission_classes = [IsPatient | IsFrontDesk]
    serializer_class = AppointmentSerializer
    throttle_classes = [BookingThrottle]

    @extend_schema(
        operation_id="holds_create", request=HoldRequestSerializer, parameters=[IDEMPOTENCY_KEY_PARAMETER],
        summary="Hold a slot for a few minutes while the patient finishes",
        description="Creates an appointment in status `held` with `hold_expires_at` (HOLD_MINUTES, default 5). "
                    "Availability treats it as busy until then; after that it frees itself. Book it with "
                    "POST /api/v1/appointments {\"hold\": id}. Release it early with POST "
                    "/api/v1/appointments/{id}/cancel. Needs a signed-in patient or the front desk.",
        responses={201: AppointmentSerializer, **problem_responses(400, 403, 404, 409, 422)})
    @idempotent
    def post(self, request):
        body = HoldRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        target = resolve_target(request, data)
        hold = hold_slot(patient=target.patient, service=target.service, location=target.location,
                         start=data["start"], staff=target.staff, actor=request.user,
                         channel="online" if request.user.role == Role.PATIENT else "front_desk",
                         now=timezone.now())
        return render_appointment(request, hold, status_code=status.HTTP_201_CREATED, rescheduled_from=None)
