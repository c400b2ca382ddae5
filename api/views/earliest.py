"""GET /api/v1/availability/earliest: the earliest times of a service across every site and
video, for the patient asking (or named by staff): only where and when they may book it, with
the eligibility answer that says why not when they may not."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from drf_spectacular.utils import extend_schema
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from accounts.models import Role
from api import problems
from api.serializers.eligibility import EarliestQuerySerializer, EarliestSerializer, render_earliest
from api.views.catalog import is_clinic_staff
from audit.services import record_read
from care.eligibility import earliest_for
from config.throttles import AvailabilityThrottle
from core.errors import DomainError, NotFound
from scheduling import catalog
from scheduling.availability import find_earliest
from scheduling.models import Patient
from scheduling.selectors.appointments import get_patient


class EarliestView(GenericAPIView):
    permission_classes = [AllowAny]
    throttle_classes = [AvailabilityThrottle]
    serializer_class = EarliestSerializer

    @extend_schema(
        operation_id="availability_earliest", parameters=[EarliestQuerySerializer],
        summary="The earliest times for a service anywhere: every site and video",
        description=(
            "The earliest `limit` start times in the next `days` (default 28), across every site that offers "
            "`service` and video, earliest first. For a signed-in patient (or a patient clinic staff name with "
            "`patient`), only the places and dates they may book: `eligibility` says whether they can book it "
            "now, and if not, why and what to do next (e.g. book the evaluation named in `next_service`); then "
            "`slots` is empty. A visitor gets the same for a visitor: a dosing service starts with an "
            "evaluation. Throttled under the `availability` rate."),
        responses={200: EarliestSerializer,
                   **problems.problem_responses(400, 403, 404, 429, description_400="A parameter is wrong; "
                                                "`errors[].field` names it.",
                                                description_403="The service is booked by the clinic's staff only "
                                                                "(`staff_only`).",
                                                description_404="No such patient that you can see.")})
    def get(self, request):
        now = timezone.now()
        query = EarliestQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        q = query.validated_data
        service = q["service"]
        staff_view = is_clinic_staff(request)
        if not service.bookable_online and not staff_view:
            raise DomainError(f"{service.name} is booked by the clinic's staff only: please call the clinic.",
                              code="staff_only", status=403, title="Forbidden")
        patient = self._patient(request, q.get("patient"), staff_view=staff_view)
        if staff_view and patient is None:  # the calendar alone: every place, no records to weigh
            answer, found = None, find_earliest(service=service, start=now, end=now + dt.timedelta(days=q["days"]),
                                                limit=q["limit"], language=q.get("language"), now=now)
        else:
            answer, found = earliest_for(patient=patient, service=service, days=q["days"], limit=q["limit"],
                                         language=q.get("language"), now=now, by_staff=staff_view)
        zones = {member.pk: member.time_zone for member in catalog.current().staff}  # active staff, kept
        video_zone = q.get("time_zone") or (patient.time_zone if patient is not None else None)
        return Response(render_earliest(service=service, start=now, end=now + dt.timedelta(days=q["days"]),
                                        found=found, eligibility=answer, video_zone=video_zone,
                                        clinician_zones=zones))

    @staticmethod
    def _patient(request, requested: int | None, *, staff_view: bool) -> Patient | None:
        """The signed-in patient; for clinic staff, the patient they name (a read of that patient's
        records, so it is audited)."""
        user = request.user
        if staff_view:
            if requested is None:
                return None
            patient = get_patient(user=user, patient_id=requested)
            record_read(kind="availability.eligibility", patients=[patient], request=request,
                        summary="eligibility and earliest times for a patient")
            return patient
        if not (user and user.is_authenticated and user.role == Role.PATIENT):
            if requested is not None:
                raise NotFound(f"There is no patient {requested} that you can see.", code="patient_not_found")
            return None
        own = Patient.objects.filter(user=user).first()
        if requested is not None and (own is None or requested != own.pk):
            raise NotFound(f"There is no patient {requested} that you can see.", code="patient_not_found")
        return own
