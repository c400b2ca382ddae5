"""GET /api/v1/patients?q=: the clinic staff's patient search, within what each may see."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, OpenApiExample
from rest_framework.generics import GenericAPIView

from api.permissions import IsClinicStaff
from api.problems import problem_responses
from api.serializers.patients import PatientSearchQuerySerializer, PatientSummarySerializer
from audit.services import record_read
from scheduling.models import Patient
from scheduling.selectors.patients import search_patients


class PatientSearchView(GenericAPIView):
    queryset = Patient.objects.none()
    permission_classes = [IsClinicStaff]
    serializer_class = PatientSummarySerializer

    @extend_schema(
        operation_id="patients_search", parameters=[PatientSearchQuerySerializer],
        summary="Find patients by name, mobile number, email or date of birth (clinic staff)",
        description="Among the patients the caller may see: a front desk finds the patients of its locations "
                    "(and of video visits when it covers them) and new callers with no visit yet, never another "
                    "site's; clinicians and admins find any patient. Ordered by last name, then first name. "
                    "Paginated with limit/offset. Every search is recorded in the audit log, with the patients "
                    "it listed.",
        responses={200: PatientSummarySerializer(many=True), **problem_responses(400, 401, 403)},
        examples=[OpenApiExample("Found by phone", response_only=True, status_codes=["200"], value={
            "count": 1, "next": None, "previous": None, "results": [{
                "id": 42, "name": "Ana Ruiz", "legal_first_name": "Ana", "legal_last_name": "Ruiz",
                "preferred_name": "", "date_of_birth": "1990-04-02", "phone": "+16025550111", "email": "",
                "language": "es", "state": "AZ", "time_zone": "America/Phoenix"}]})])
    def get(self, request):
        query = PatientSearchQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        page = self.paginate_queryset(search_patients(query=query.validated_data["q"], user=request.user))
        record_read(kind="scheduling.patient", patients=page, summary=f"patient search, {len(page)} listed")
        return self.get_paginated_response(PatientSummarySerializer(page, many=True).data)
