"""GET /api/v1/services, /locations, /staff: the public catalog of what can be booked, where and
with whom. Anyone may read it; chairs and rooms are listed to clinic staff only, and the staff
list carries names, roles and languages, never contact details."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, OpenApiExample
from rest_framework import serializers
from rest_framework.generics import ListAPIView
from rest_framework.permissions import AllowAny

from api import problems
from api.serializers.catalog import (
    LocationSerializer,
    ServiceQuerySerializer,
    ServiceSerializer,
    StaffQuerySerializer,
    StaffSerializer,
)
from scheduling.models import Location, StaffMember
from scheduling.selectors.catalog import active_locations, active_service, active_services, clinical_staff


def is_clinic_staff(request) -> bool:
    user = request.user
    return bool(user and user.is_authenticated and user.is_active and user.is_clinic_staff)


def _location(pk: int | None) -> Location | None:
    if pk is None:
        return None
    location = Location.objects.filter(pk=pk, active=True).first()
    if location is None:
        raise serializers.ValidationError({"location": f"No location has the id {pk}."})
    return location


class ServiceListView(ListAPIView):
    permission_classes = [AllowAny]
    serializer_class = ServiceSerializer

    def get_queryset(self):
        query = ServiceQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        return active_services(location=_location(query.validated_data.get("location")),
                               modality=query.validated_data.get("modality"))

    @extend_schema(
        operation_id="services_list", parameters=[ServiceQuerySerializer],
        summary="Services that can be booked, with their phases and booking rules",
        description="Active services. `bookable_online: false` ones are booked by the clinic's staff only. "
                    "`duration_minutes` is the whole visit; each phase says what it holds.",
        responses={200: ServiceSerializer(many=True), **problems.problem_responses(400)},
        examples=[OpenApiExample("IV infusion", response_only=True, value={
            "code": "iv-infusion", "name": "IV infusion session", "description": "IV infusion session: 85 minutes.",
            "description_es": "", "category": "iv_ketamine", "modality": "in_person", "is_dosing": True,
            "duration_minutes": 85,
            "phases": [
                {"order": 1, "name": "Set-up", "duration_minutes": 15, "staff_role": "nurse",
                 "staff_usage": "exclusive", "resource_kind": "infusion_chair", "present_role": ""},
                {"order": 2, "name": "Infusion", "duration_minutes": 40, "staff_role": "nurse",
                 "staff_usage": "shared", "resource_kind": "infusion_chair", "present_role": ""},
                {"order": 3, "name": "Recovery", "duration_minutes": 30, "staff_role": "",
                 "staff_usage": "exclusive", "resource_kind": "infusion_chair", "present_role": ""}],
            "location_ids": [1, 2], "min_notice_minutes": 120, "horizon_days": 90, "slot_step_minutes": 15,
            "buffer_before_minutes": 0, "buffer_after_minutes": 10, "cancellation_window_hours": 24,
            "bookable_online": True, "patient_chooses_staff": False,
            "prep_instructions": "No solid food for 6 hours before your visit...", "prep_instructions_es": "..."})])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class LocationListView(ListAPIView):
    permission_classes = [AllowAny]
    serializer_class = LocationSerializer

    def get_queryset(self):
        return active_locations().order_by("name")

    def get_serializer_context(self):
        return {**super().get_serializer_context(), "staff_view": is_clinic_staff(self.request)}

    @extend_schema(
        operation_id="locations_list", summary="Clinic locations (a telehealth one is `is_virtual`)",
        description="Active locations with their IANA time zone. Clinic staff also see each location's chairs "
                    "and rooms.",
        responses={200: LocationSerializer(many=True)},
        examples=[OpenApiExample("Phoenix", response_only=True, value={
            "id": 1, "name": "Phoenix", "address": "2200 N Central Ave, Phoenix, AZ 85004",
            "time_zone": "America/Phoenix", "phone": "+16025550100", "state": "AZ", "is_virtual": False,
            "rems_certified": True})])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)


class StaffListView(ListAPIView):
    permission_classes = [AllowAny]
    serializer_class = StaffSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):
            return StaffMember.objects.none()
        query = StaffQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        q = query.validated_data
        service = None
        if q.get("service"):
            service = active_service(q["service"])
            if service is None:
                raise serializers.ValidationError({"service": f"No service has the id {q['service']}."})
        return clinical_staff(role=q.get("role"), location=_location(q.get("location")), language=q.get("language"),
                              service=service)

    @extend_schema(
        operation_id="staff_list", parameters=[StaffQuerySerializer],
        summary="Clinicians: names, roles, languages, licences and where they work",
        description="Active prescribers, nurses and therapists. No contact or account details.",
        responses={200: StaffSerializer(many=True), **problems.problem_responses(400)},
        examples=[OpenApiExample("Dr. Rivera", response_only=True, value={
            "id": 1, "name": "Dr. Elena Rivera", "roles": ["prescriber"], "languages": ["en", "es"],
            "licensed_states": ["AZ", "CA"], "location_ids": [1, 2, 3], "time_zone": "America/Phoenix"})])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)
