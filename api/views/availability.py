"""GET /api/v1/availability: bookable start times for a service, in person or by video.

Public for services booked online; staff-only services need a clinic staff user. Who and what
each slot would take is shown as far as the caller may see it: clinicians by name where the
service lets patients choose (or to staff), chairs and rooms to staff only."""

from __future__ import annotations

from django.utils import timezone
from django.utils.decorators import method_decorator
from django.views.decorators.gzip import gzip_page
from drf_spectacular.utils import extend_schema, OpenApiExample
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from accounts.models import Role
from api import problems
from api.serializers.catalog import (
    AvailabilityQuerySerializer,
    AvailabilitySerializer,
    group_by_day,
    render_availability,
)
from api.serializers.eligibility import render_eligibility
from api.views.catalog import is_clinic_staff
from audit.services import record_read
from care.eligibility import eligibility_for
from care.offering import bookable_for
from config.throttles import AvailabilityThrottle
from core.errors import DomainError
from notifications.models import MessagingPolicy
from notifications.texting_window import video_times_outside
from scheduling import catalog
from scheduling.availability import find_slots, offering_problem
from scheduling.models import Patient
from scheduling.selectors.appointments import visible_patients

LEAN_SLOT = {"start": "2025-03-10T09:00-07:00", "end": "2025-03-10T10:25-07:00"}
EXAMPLE_SLOT = {
    "start": "2025-03-10T16:00:00Z", "end": "2025-03-10T17:25:00Z",
    "local_start": "2025-03-10T09:00:00-07:00", "local_end": "2025-03-10T10:25:00-07:00",
    "time_zone": "America/Phoenix", "staff": None,
    "phases": [
        {"phase": "Set-up", "start": "2025-03-10T16:00:00Z", "end": "2025-03-10T16:15:00Z", "staff": None,
         "resource": None},
        {"phase": "Infusion", "start": "2025-03-10T16:15:00Z", "end": "2025-03-10T16:55:00Z", "staff": None,
         "resource": None},
        {"phase": "Recovery", "start": "2025-03-10T16:55:00Z", "end": "2025-03-10T17:35:00Z", "staff": None,
         "resource": None}],
}


# Compressed where the client accepts it: an availability answer holds no secret (no token, no
# CSRF value), so BREACH has nothing to recover from its length. Other answers are not
# compressed (docs/architecture.md, "Compression").
@method_decorator(gzip_page, name="dispatch")
class AvailabilityView(GenericAPIView):
    permission_classes = [AllowAny]
    throttle_classes = [AvailabilityThrottle]
    serializer_class = AvailabilitySerializer

    @extend_schema(
        operation_id="availability", parameters=[AvailabilityQuerySerializer],
        summary="Bookable start times for a service, with the earliest one",
        description=(
            "Give `service` and either `location` (in person) or `modality=video`; `start`/`end` are instants "
            "with a UTC offset (a naive time is a 400) at most 62 days apart. Slots fall on the service's step "
            "on the location's wall clock (video: the clinician's), respect minimum notice and horizon, and "
            "never fall in a DST gap. Each slot is its start and end on the local clock with offset, to the minute "
            "(`detail=lean`, the default: about 65 bytes a slot); "
            "`detail=full` adds its phases, with clinician names where the service lets patients choose or the "
            "caller is clinic staff, and chair and room names to clinic staff only; `group=day` groups the slots "
            "by day. The answer is gzip-compressed when the request accepts it (`Accept-Encoding: gzip`). "
            "Throttled under the `availability` rate."),
        responses={200: AvailabilitySerializer,
                   **problems.problem_responses(400, 403, 429, description_400=(
                       "A parameter is wrong; `errors[].field` names it (unknown service, end before start, a "
                       "range over 62 days, a naive datetime, both location and modality=video, ...)."),
                       description_403="The service is booked by the clinic's staff only (`staff_only`).")},
        examples=[
            OpenApiExample("IV infusion in Phoenix", response_only=True, status_codes=["200"], value={
                "service": "iv-infusion", "location": {"id": 1, "name": "Phoenix"}, "modality": "in_person",
                "start": "2025-03-10T07:00:00Z", "end": "2025-03-11T07:00:00Z", "time_zone": "America/Phoenix",
                "earliest": LEAN_SLOT, "slots": [LEAN_SLOT], "eligibility": None}),
            OpenApiExample("IV infusion in Phoenix, detail=full", response_only=True, status_codes=["200"], value={
                "service": "iv-infusion", "location": {"id": 1, "name": "Phoenix"}, "modality": "in_person",
                "start": "2025-03-10T07:00:00Z", "end": "2025-03-11T07:00:00Z", "time_zone": "America/Phoenix",
                "earliest": EXAMPLE_SLOT, "slots": [EXAMPLE_SLOT], "eligibility": None}),
            OpenApiExample("Naive datetime", response_only=True, status_codes=["400"], value={
                "type": "https://clearday.example/problems/validation-error", "title": "Bad Request",
                "status": 400, "code": "validation_error",
                "detail": "start: Include a UTC offset or Z (e.g. 2025-03-10T09:00:00-07:00): a time without one "
                          "is ambiguous.",
                "errors": [{"field": "start", "code": "naive", "message": "Include a UTC offset or Z (e.g. "
                            "2025-03-10T09:00:00-07:00): a time without one is ambiguous."}]}),
        ])
    def get(self, request):
        now = timezone.now()
        query = AvailabilityQuerySerializer(data=request.query_params, context={"now": now})
        query.is_valid(raise_exception=True)
        q = query.validated_data
        service, location, staff = q["service"], q["location"], q.get("staff")
        staff_view = is_clinic_staff(request)
        if not service.bookable_online and not staff_view:
            raise DomainError(f"{service.name} is booked by the clinic's staff only: please call the clinic.",
                          code="staff_only", status=403, title="Forbidden")
        if staff is not None:
            problem = offering_problem(service=service, location=location, staff=staff)
            if problem is not None:
                raise serializers.ValidationError({"staff": problem.detail})
        patient = self._patient(request)
        named = q.get("patient")
        if named is not None:
            patient = self._named_patient(request, named, staff_view=staff_view)
        language = q.get("language") or (patient.language if named is not None else None)
        result = find_slots(service=service, location=location, start=q["start"], end=q["end"], staff=staff,
                            language=language, patient=patient, now=now)
        # Whether this patient (a visitor too) may book the service at all: staff alone get null.
        eligibility = (None if staff_view and patient is None
                       else eligibility_for(patient=patient, service=service, now=now, by_staff=staff_view))
        if named is not None:
            result = bookable_for(result, eligibility, location=location, patient=patient)
        full = q["detail"] == "full"
        # Who each slot takes is read only where the answer shows it, or (video) to know each slot's
        # clock: a lean in-person answer never works out its slots' assignments.
        setup = catalog.current()
        staff_ids = {pk for slot in result.slots for pk in slot.staff_ids} if full or location is None else set()
        resource_ids = {pk for slot in result.slots for pk in slot.resource_ids} if staff_view and full else set()
        staff_info = {m.pk: (m.display_name, m.time_zone) for m in setup.staff if m.pk in staff_ids}
        resource_names = {r.pk: r.name for r in setup.resources if r.pk in resource_ids}
        display_zone = q.get("time_zone") or (patient.time_zone if patient is not None and location is None else None)
        data = render_availability(
            result=result, service=service, location=location, start=q["start"], end=q["end"],
            display_zone=display_zone, staff_info=staff_info, resource_names=resource_names,
            phase_names={p.id: p.name for p in service.phases.all()},
            show_staff=staff_view or service.patient_chooses_staff, show_resources=staff_view, full=full)
        data["eligibility"] = render_eligibility(eligibility)
        if location is None and patient is not None:
            # Video times at which no text could reach this patient (their texting window is shut).
            outside = video_times_outside(patient=patient, policy=MessagingPolicy.current(),
                                          times=[(slot.start, slot.end) for slot in result.slots])
            for slot, flag in zip(data["slots"], outside, strict=True):
                slot["outside_texting_window"] = flag
        if q.get("group") == "day":
            data["days"] = group_by_day(data.pop("slots"))
        return Response(data)

    @staticmethod
    def _named_patient(request, pk: int, *, staff_view: bool) -> Patient:
        """The patient the clinic's staff name (one they may see; the read is audited)."""
        if not staff_view:
            raise serializers.ValidationError({"patient": "Only the clinic's staff name a patient; a signed-in "
                                                          "patient sees their own times."})
        patient = visible_patients(user=request.user).filter(pk=pk).first()
        if patient is None:
            raise serializers.ValidationError({"patient": f"There is no patient {pk}."})
        record_read(kind="scheduling.patient", summary="availability for a patient", patients=[patient],
                    request=request)
        return patient

    @staticmethod
    def _patient(request) -> Patient | None:
        user = request.user
        if not (user and user.is_authenticated and user.role == Role.PATIENT):
            return None
        return Patient.objects.filter(user=user).first()
