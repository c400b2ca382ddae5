"""The clinical-gates API: intake screening, clearance, REMS records, escorts, and the desk's
lists (monitoring forms due, visits missing an escort, overrides). Thin: parse, check the role,
call one care service or selector, render."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema, OpenApiParameter
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from accounts.models import Role
from api.permissions import IsClinicStaff, IsFrontDesk, IsPatient, IsPrescriber, MayRecordRems
from api.problems import problem_responses
from api.serializers import care as s
from audit.services import Action, record, record_read
from care import selectors, services
from care.models import Clearance, Escort
from core.errors import NotFound
from scheduling.models import Appointment, Location, Patient
from scheduling.selectors.appointments import desk_location_ids, get_appointment, get_patient, visible_patients

ID = OpenApiParameter("id", int, OpenApiParameter.PATH)


def patient_for(request, requested: int | None) -> Patient:
    """Patients act on their own record; staff name a patient they may see (one outside their sites
    is answered like one that does not exist)."""
    if request.user.role == Role.PATIENT:
        own = Patient.objects.filter(user=request.user).first()
        if own is None or (requested is not None and requested != own.pk):
            raise NotFound(f"There is no patient {requested} that you can see.", code="patient_not_found")
        return own
    if requested is None:
        raise serializers.ValidationError({"patient": "Give the patient id."})
    patient = visible_patients(user=request.user).filter(pk=requested).first()
    if patient is None:
        raise serializers.ValidationError({"patient": f"There is no patient {requested}."})
    return patient


def _notes(request) -> dict:
    """Serializer context: whether screening answers and clinical notes are shown (not to the desk)."""
    return {"clinical": selectors.may_read_notes(request.user)}


def desk_locations(user):
    """The sites whose lists this staff member works from: all for an admin or clinician."""
    if user.role == Role.FRONT_DESK:
        ids, _ = desk_location_ids(user)
        return Location.objects.filter(pk__in=ids)
    return Location.objects.all()


class ScreeningListView(GenericAPIView):
    permission_classes = [IsPatient | IsClinicStaff]
    serializer_class = s.ScreeningSerializer

    @extend_schema(operation_id="care_screenings_create", request=s.ScreeningRequestSerializer,
                   summary="Record contraindication screening answers from intake",
                   description="Every question is answered yes or no; `findings` lists the yes answers, which the "
                               "clinician who clears must address.",
                   responses={201: s.ScreeningSerializer, **problem_responses(401, 400, 403, 404, 422)})
    def post(self, request):
        body = s.ScreeningRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        screening = services.record_screening(
            patient=patient_for(request, data.get("patient")), answers=data["answers"], source=data["source"],
            details=data.get("details", ""), actor=request.user)
        return Response(s.ScreeningSerializer(screening, context=_notes(request)).data, status=status.HTTP_201_CREATED)


class ClinicalSummaryView(GenericAPIView):
    permission_classes = [IsClinicStaff]
    serializer_class = s.ClinicalSummarySerializer

    @extend_schema(operation_id="care_patient_summary", parameters=[ID],
                   summary="What the clinician sees before clearing",
                   description="The newest screening with its findings, every clearance (valid, expired or "
                               "revoked) and the REMS enrolment. The front desk gets the same records with their "
                               "state and dates only: screening `answers`, `findings` and `details`, clearance "
                               "`notes` and `revoke_reason` are null (minimum necessary). Patients outside the "
                               "desk's sites are a 404.",
                   responses={200: s.ClinicalSummarySerializer, **problem_responses(401, 403, 404)})
    def get(self, request, pk: int):
        patient = get_patient(user=request.user, patient_id=pk)
        clearances = (Clearance.objects.filter(patient=patient)
                      .select_related("patient", "cleared_by", "screening__patient"))
        data = {"patient": {"id": patient.pk, "name": patient.display_name},
                "screening": selectors.latest_screening(patient=patient), "clearances": clearances,
                "rems_enrolment": selectors.rems_enrolment(patient=patient)}
        record(action=Action.READ, target=patient, summary="clinical summary: screening, clearances, REMS")
        return Response(s.ClinicalSummarySerializer(data, context=_notes(request)).data)


class ClearanceListView(GenericAPIView):
    permission_classes = [IsPrescriber]
    serializer_class = s.ClearanceSerializer

    @extend_schema(operation_id="care_clearances_create", request=s.ClearanceRequestSerializer,
                   summary="Clear a patient for a kind of treatment (prescribers)",
                   description="Rests on a completed evaluation (`evaluated_on`, or the last completed evaluation "
                               "visit) and the screening the clinician reviewed (the newest by default): 422 "
                               "`screening_missing`, `evaluation_missing`, or `findings_not_addressed` when the "
                               "screening has findings and `notes` is empty. The response shows that screening.",
                   responses={201: s.ClearanceSerializer, **problem_responses(401, 400, 403, 422)})
    def post(self, request):
        body = s.ClearanceRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        patient = patient_for(request, data["patient"])
        screening = None
        if data.get("screening"):
            screening = patient.screenings.filter(pk=data["screening"]).first()
            if screening is None:
                raise serializers.ValidationError({"screening": f"{patient.display_name} has no screening "
                                                                f"{data['screening']}."})
        clearance = services.clear_patient(
            patient=patient, treatment=data["treatment"], actor=request.user, evaluated_on=data.get("evaluated_on"),
            expires_on=data.get("expires_on"), notes=data.get("notes", ""), screening=screening)
        return Response(s.ClearanceSerializer(clearance, context=_notes(request)).data, status=status.HTTP_201_CREATED)


class ClearanceRevokeView(GenericAPIView):
    permission_classes = [IsPrescriber]
    serializer_class = s.ClearanceSerializer

    @extend_schema(operation_id="care_clearances_revoke", request=s.ReasonSerializer, parameters=[ID],
                   summary="Revoke a clearance (prescribers)",
                   description="Later dosing bookings fail the clearance gate; booked visits stay on the calendar "
                               "for the desk to review.",
                   responses={200: s.ClearanceSerializer, **problem_responses(401, 400, 403, 404, 409)})
    def post(self, request, pk: int):
        clearance = Clearance.objects.filter(pk=pk, patient__in=visible_patients(user=request.user)).first()
        if clearance is None:
            raise NotFound(f"There is no clearance {pk}.", code="clearance_not_found")
        body = s.ReasonSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        clearance = services.revoke_clearance(clearance=clearance, actor=request.user,
                                              reason=body.validated_data["reason"])
        return Response(s.ClearanceSerializer(clearance, context=_notes(request)).data)


class RemsEnrolmentView(GenericAPIView):
    permission_classes = [MayRecordRems]
    serializer_class = s.RemsEnrolmentSerializer

    @extend_schema(operation_id="care_rems_enrolments_create", request=s.RemsEnrolmentRequestSerializer,
                   summary="Record the patient's Spravato REMS enrolment",
                   description="Replaces any earlier record. Spravato sessions before `enrolled_on` fail the "
                               "`rems_enrolment` gate. A prescriber records it for a patient of the sites they "
                               "serve (403 `patient_outside_your_sites` otherwise), a clinic admin for any patient; "
                               "the desk cannot.",
                   responses={201: s.RemsEnrolmentSerializer, **problem_responses(401, 400, 403)})
    def post(self, request):
        body = s.RemsEnrolmentRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        enrolment = services.enrol_in_rems(patient=patient_for(request, data["patient"]),
                                           enrolled_on=data["enrolled_on"],
                                           rems_patient_id=data.get("rems_patient_id", ""), actor=request.user)
        return Response(s.RemsEnrolmentSerializer(enrolment).data, status=status.HTTP_201_CREATED)


class MonitoringFormListView(GenericAPIView):
    permission_classes = [IsClinicStaff]
    serializer_class = s.MonitoringFormTaskSerializer
    pagination_class = None

    @extend_schema(operation_id="care_monitoring_forms_list", parameters=[s.MonitoringFormQuerySerializer],
                   summary="Spravato Patient Monitoring Forms to file",
                   description="One task per completed Spravato session at your sites: due CARE_REMS_FORM_DUE_DAYS "
                               "(7) days after the session's day, overdue from the day after. `overdue=true` lists "
                               "only the overdue ones.",
                   responses={200: s.MonitoringFormTaskSerializer(many=True), **problem_responses(401, 400, 403)})
    def get(self, request):
        query = s.MonitoringFormQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        now = timezone.now()
        tasks = selectors.monitoring_form_tasks(locations=desk_locations(request.user),
                                                include_submitted=query.validated_data["include_submitted"])
        if query.validated_data["overdue"]:
            tasks = [t for t in tasks if t.overdue(selectors.visit_day(t.appointment, now))]
        record_read(kind="care.monitoringform", summary=f"monitoring forms to file, overdue="
                    f"{query.validated_data['overdue']}, submitted={query.validated_data['include_submitted']}")
        return Response(s.MonitoringFormTaskSerializer(tasks, many=True, context={"now": now}).data)


class MonitoringFormSubmitView(GenericAPIView):
    permission_classes = [IsClinicStaff]
    serializer_class = s.MonitoringFormTaskSerializer

    @extend_schema(operation_id="care_monitoring_forms_submit", request=s.MonitoringFormRequestSerializer,
                   parameters=[ID], summary="Mark a session's Patient Monitoring Form as submitted",
                   responses={200: s.MonitoringFormTaskSerializer, **problem_responses(401, 400, 403, 404, 409, 422)})
    def post(self, request, pk: int):
        session = Appointment.objects.filter(pk=pk, location__in=desk_locations(request.user)).first()
        if session is None:
            raise NotFound(f"There is no session {pk} at your sites.", code="appointment_not_found")
        body = s.MonitoringFormRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        services.submit_monitoring_form(appointment=session, actor=request.user, **body.validated_data)
        task = selectors.monitoring_form_task(session)
        return Response(s.MonitoringFormTaskSerializer(task, context={"now": timezone.now()}).data)


class EscortView(GenericAPIView):
    permission_classes = [IsPatient | IsClinicStaff]
    serializer_class = s.EscortSerializer
    # OPTIONS describes PUT by looking the object up: with no queryset that lookup was a 500.
    queryset = Appointment.objects.none()

    @extend_schema(operation_id="appointments_escort_retrieve", parameters=[ID],
                   summary="The adult escort recorded for a dosing visit",
                   responses={200: s.EscortSerializer, **problem_responses(401, 403, 404)})
    def get(self, request, pk: int):
        appointment = get_appointment(user=request.user, appointment_id=pk)
        escort = Escort.objects.filter(appointment=appointment).first()
        if escort is None:
            raise NotFound("No escort is recorded for this visit yet.", code="escort_not_found")
        record(action=Action.READ, target=escort, patient=appointment.patient_id, summary="escort name and phone")
        return Response(s.EscortSerializer(escort).data)

    @extend_schema(operation_id="appointments_escort_update", request=s.EscortRequestSerializer, parameters=[ID],
                   summary="Record who takes the patient home from an in-person dosing visit",
                   description="The patient (for their own visit) or staff. Replaces an earlier record. Needed "
                               "before check-in; the desk sees the day before who is missing one.",
                   responses={200: s.EscortSerializer, **problem_responses(401, 400, 403, 404, 422)})
    def put(self, request, pk: int):
        appointment = get_appointment(user=request.user, appointment_id=pk)
        body = s.EscortRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        escort = services.record_escort(appointment=appointment, name=data["name"], phone=str(data["phone"]),
                                        relationship=data.get("relationship", ""),
                                        confirmed_adult=data["confirmed_adult"], actor=request.user)
        return Response(s.EscortSerializer(escort).data)


class MissingEscortListView(GenericAPIView):
    permission_classes = [IsFrontDesk]
    serializer_class = s.MissingEscortSerializer
    pagination_class = None

    @extend_schema(operation_id="care_escorts_missing", parameters=[s.MissingEscortQuerySerializer],
                   summary="In-person dosing visits without an escort on record (the day-before call list)",
                   responses={200: s.MissingEscortSerializer(many=True), **problem_responses(401, 400, 403)})
    def get(self, request):
        query = s.MissingEscortQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        locations = desk_locations(request.user)
        if query.validated_data.get("location"):
            locations = locations.filter(pk=query.validated_data["location"])
        visits = selectors.visits_missing_escort(day=query.validated_data.get("date"), locations=locations,
                                                 now=timezone.now())
        record_read(kind="care.escort", summary=f"visits missing an escort, day={query.validated_data.get('date')}, "
                                                f"location={query.validated_data.get('location')}")
        return Response(s.MissingEscortSerializer(visits, many=True).data)


class GateOverrideListView(GenericAPIView):
    permission_classes = [IsClinicStaff]
    serializer_class = s.GateOverrideSerializer

    @extend_schema(operation_id="care_gate_overrides_list", parameters=[s.GateOverrideQuerySerializer],
                   summary="Gates the desk overrode, newest first, with who, when and why",
                   responses={200: s.GateOverrideSerializer(many=True), **problem_responses(401, 400, 403)})
    def get(self, request):
        query = s.GateOverrideQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        patient = visible_patients(user=request.user).filter(pk=data["patient"]).first() if data.get("patient") else None
        if data.get("patient") and patient is None:
            raise serializers.ValidationError({"patient": f"There is no patient {data['patient']}."})
        overrides = selectors.gate_overrides(user=request.user, patient=patient, gate=data.get("gate"))
        page = self.paginate_queryset(overrides)
        record_read(kind="care.gateoverride", patients=[patient], summary=f"gate overrides, gate={data.get('gate')}")
        return self.get_paginated_response(s.GateOverrideSerializer(page, many=True).data)
