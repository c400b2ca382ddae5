"""The FHIR R4 endpoints. Each view reads its parameters, calls the same selectors and services as
the API (the engine, the booking service, the site-scoped selectors), audits staff reads of
patient data as the API does, and renders FHIR JSON; errors are OperationOutcomes."""

from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

from django.utils import timezone
from rest_framework import serializers, status
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny, IsAuthenticated
from rest_framework.renderers import JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.models import Role
from api.idempotency import idempotent
from api.views.holds import resolve_target
from audit.services import Action, record, record_read
from config.throttles import AvailabilityThrottle, BookingThrottle
from core.errors import DomainError, Forbidden, NotFound
from scheduling import catalog
from scheduling.availability import find_slots
from scheduling.models import Allocation, Appointment, Patient
from scheduling.selectors.appointments import get_appointment, get_patient, visible_appointments
from scheduling.services import booking

from . import resources as R, search
from .capability import capability_statement
from .outcomes import CONTENT_TYPE, fhir_exception_handler
from .schedules import find_schedule, schedules

MAX_SLOT_DAYS = 62
DEFAULT_SLOT_DAYS = 7


class FHIRRenderer(JSONRenderer):
    media_type = CONTENT_TYPE
    format = "fhir+json"


class FHIRParser(JSONParser):
    media_type = CONTENT_TYPE


class AlwaysFHIR(BaseContentNegotiation):
    """FHIR JSON whatever the Accept header (`application/json`, `application/fhir+json`, `*/*`)."""

    def select_parser(self, request, parsers):
        content_type = request.content_type.split(";")[0].strip()
        return next((p for p in parsers if p.media_type == content_type), None)

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


class FHIRView(APIView):
    renderer_classes = [FHIRRenderer]
    parser_classes = [FHIRParser, JSONParser]
    content_negotiation_class = AlwaysFHIR
    permission_classes = [IsAuthenticated]
    schema = None  # FHIR describes itself (metadata), not in the OpenAPI document

    def get_exception_handler(self):
        return fhir_exception_handler

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        response.content_type = CONTENT_TYPE  # a replayed Idempotency-Key answer too
        if "Content-Type" in response:
            response["Content-Type"] = CONTENT_TYPE
        return response

    def base_url(self, request) -> str:
        return request.build_absolute_uri("/fhir/r4").rstrip("/")


def _is_staff(request) -> bool:
    return bool(request.user.is_authenticated and request.user.is_clinic_staff)


def _own_patient(request) -> Patient | None:
    user = request.user
    if user.is_authenticated and user.role == Role.PATIENT:
        return getattr(user, "patient", None)
    return None


# --- metadata ---------------------------------------------------------------------------------


class MetadataView(FHIRView):
    permission_classes = [AllowAny]

    def get(self, request):
        return Response(capability_statement(base=self.base_url(request), now=timezone.now()))


# --- Schedule ---------------------------------------------------------------------------------


def _service_from(value: str):
    """An active service by its code or its id (as in the API)."""
    code = search.token_code(value)
    setup = catalog.current()
    by_id = setup.services.get(int(code)) if code.isdigit() else None
    service = by_id or next((s for s in setup.services.values() if s.code == code), None)
    if service is None or not service.active:
        raise search.invalid("service-type", f"There is no service {code!r}.")
    return service


class ScheduleSearchView(FHIRView):
    permission_classes = [AllowAny]  # the catalog, public as /api/v1/staff is

    def get(self, request):
        params = request.query_params
        service = _service_from(params["service-type"]) if params.get("service-type") else None
        staff_id = None
        if params.get("actor"):
            staff_id = search.reference_id(params["actor"], name="actor", resource_type="Practitioner")
        now = timezone.now()
        found = [
            R.schedule_resource(
                schedule_id=sid,
                service=svc,
                holder=holder,
                locations=locs,
                now=now,
                show_resource_name=_is_staff(request),
            )
            for sid, svc, holder, locs in schedules(
                service=service, staff_id=staff_id, include_staff_only=_is_staff(request)
            )
        ]
        return Response(R.searchset(resources=found, base=self.base_url(request), total=len(found)))


class ScheduleReadView(FHIRView):
    permission_classes = [AllowAny]

    def get(self, request, schedule_id: str):
        found = find_schedule(schedule_id, include_staff_only=_is_staff(request))
        if found is None:
            raise NotFound(f"There is no Schedule {schedule_id}.", code="schedule_not_found")
        sid, service, holder, locations = found
        return Response(
            R.schedule_resource(
                schedule_id=sid,
                service=service,
                holder=holder,
                locations=locations,
                now=timezone.now(),
                show_resource_name=_is_staff(request),
            )
        )


# --- Slot -------------------------------------------------------------------------------------


class SlotSearchView(FHIRView):
    """Free starts from the availability engine: the same slots `/api/v1/availability` offers the
    same caller for the same service, place and range."""

    permission_classes = [AllowAny]  # free times, public as /api/v1/availability is
    throttle_classes = [AvailabilityThrottle]

    def get(self, request):
        params = request.query_params
        schedule = None
        if params.get("schedule"):
            schedule = R.parse_schedule_id(params["schedule"])
            if schedule is None or find_schedule(str(schedule), include_staff_only=True) is None:
                raise search.invalid("schedule", f"There is no Schedule {params['schedule']!r}.")
        if params.get("service-type"):
            service = _service_from(params["service-type"])
            if schedule is not None and schedule.service_id != service.pk:
                raise search.invalid("service-type", "This Schedule is for another service.")
        elif schedule is not None:
            service = catalog.current().services[schedule.service_id]
        else:
            raise search.invalid("service-type", "Give service-type (a service's code) or schedule.")
        if not service.bookable_online and not _is_staff(request):
            raise DomainError(
                f"{service.name} is booked by the clinic's staff only: please call the clinic.",
                code="staff_only",
                status=403,
                title="Forbidden",
            )
        location = self._location(params, service)
        start, end = self._range(params)
        wanted = {s.strip() for v in params.getlist("status") for s in v.split(",")}
        staff = catalog.current().active_staff_member(schedule.holder_id) if schedule and schedule.kind == "s" else None
        if wanted and "free" not in wanted:
            slots = []
        else:
            slots = find_slots(
                service=service,
                location=location,
                start=start,
                end=end,
                staff=staff,
                patient=_own_patient(request),
                now=timezone.now(),
            ).slots
        if schedule is not None and schedule.kind == "r":
            slots = [slot for slot in slots if schedule.holder_id in slot.resource_ids]
        limit = search.count(params.getlist("_count"), default=10_000, maximum=10_000)
        more = len(slots) > limit
        slots = slots[:limit]
        resources = self._render(slots, service=service, location=location, staff=staff)
        next_url = ""
        if more:
            query = {k: v for k, v in params.lists() if k != "start"}
            query["start"] = [f"gt{R.instant(slots[-1].start)}", f"lt{R.instant(end)}"]
            next_url = f"{self.base_url(request)}/Slot?{urlencode(query, doseq=True)}"
        return Response(R.searchset(resources=resources, base="", next_url=next_url, full_urls=False))

    @staticmethod
    def _location(params, service):
        raw = params.get("location")
        if raw:
            pk = search.reference_id(raw, name="location", resource_type="Location")
            location = catalog.current().active_location(pk)
            if location is None:
                raise search.invalid("location", f"There is no open location {pk}.")
            return None if location.is_virtual else location
        if not service.allows_video:
            raise search.invalid("location", f"{service.name} is seen in person: give location (Location/<id>).")
        return None

    @staticmethod
    def _range(params) -> tuple[dt.datetime, dt.datetime]:
        lower, upper = search.date_range(params.getlist("start"), name="start")
        if lower is None:
            raise search.invalid("start", "Give the range's start, e.g. start=ge2025-03-10T00:00:00Z.")
        upper = upper or lower + dt.timedelta(days=DEFAULT_SLOT_DAYS)
        if upper <= lower:
            raise search.invalid("start", "The range ends before it starts.")
        if upper - lower > dt.timedelta(days=MAX_SLOT_DAYS):
            raise search.invalid("start", f"Ask for at most {MAX_SLOT_DAYS} days at a time.")
        return lower, upper

    @staticmethod
    def _render(slots, *, service, location, staff) -> list[dict]:
        concept = R.service_concept(service)
        where = "video" if location is None else str(location.pk)
        prefix = f"{service.pk}-{where}-"
        suffix = f"-s{staff.pk}" if staff is not None else ""
        out = []
        for slot in slots:
            holder = (
                f"s{slot.staff_ids[0]}" if slot.staff_ids else f"r{slot.resource_ids[0]}" if slot.resource_ids else None
            )
            resource = {
                "resourceType": "Slot",
                "id": f"{prefix}{int(slot.start.timestamp())}{suffix}",
                "schedule": {"reference": f"Schedule/{holder}-{service.pk}"} if holder else {},
                "status": "free",
                "start": R.instant(slot.start),
                "end": R.instant(slot.end),
                "serviceType": concept,
            }
            out.append(resource)
        return out


# --- Appointment ------------------------------------------------------------------------------


def _clinicians(appointment_ids) -> dict[int, list[tuple[int, str]]]:
    rows = (
        Allocation.objects.filter(appointment_id__in=list(appointment_ids), staff__isnull=False)
        .values_list("appointment_id", "staff_id", "staff__display_name")
        .order_by("staff_id")
        .distinct()
    )
    out: dict[int, list[tuple[int, str]]] = {}
    for appointment_id, staff_id, name in rows:
        out.setdefault(appointment_id, []).append((staff_id, name))
    return out


def _appointment(appointment, request) -> dict:
    staff = _clinicians([appointment.pk]).get(appointment.pk, [])
    return R.appointment_resource(appointment, staff=staff)


class AppointmentView(FHIRView):
    """GET: search by patient, date and status (paged with _count and _offset). POST: book."""

    def get_throttles(self):
        return [BookingThrottle()] if self.request.method == "POST" else []

    def get(self, request):
        params = request.query_params
        qs = visible_appointments(user=request.user).select_related("service", "location")
        patient_id = None
        if params.get("patient"):
            patient_id = search.reference_id(params["patient"], name="patient", resource_type="Patient")
            qs = qs.filter(patient_id=patient_id)
        lower, upper = search.date_range(params.getlist("date"), name="date")
        if lower is not None:
            qs = qs.filter(start__gte=lower)
        if upper is not None:
            qs = qs.filter(start__lt=upper)
        wanted = [s.strip() for v in params.getlist("status") for s in v.split(",") if s.strip()]
        if wanted:
            unknown = [s for s in wanted if s not in R.STATUSES_FOR and s not in R.KNOWN_APPOINTMENT_STATUSES]
            if unknown:
                raise search.invalid("status", f"{unknown[0]!r} is not an Appointment status.")
            qs = qs.filter(status__in=[ours for s in wanted for ours in R.STATUSES_FOR.get(s, [])])
        size = search.count(params.getlist("_count"), default=50, maximum=200)
        skip = search.offset(params.getlist("_offset"))
        qs = qs.order_by("start", "pk")
        total = qs.count()
        page = list(qs[skip : skip + size])
        staff = _clinicians(a.pk for a in page)
        found = [R.appointment_resource(a, staff=staff.get(a.pk, [])) for a in page]
        record_read(
            kind="scheduling.appointment",
            patients=[patient_id] if patient_id else (),
            summary=f"FHIR Appointment search {params.urlencode()}"[:200],
        )
        base = self.base_url(request)
        next_url = ""
        if skip + size < total:
            query = {k: v for k, v in params.lists() if k != "_offset"}
            query["_offset"] = [str(skip + size)]
            next_url = f"{base}/Appointment?{urlencode(query, doseq=True)}"
        return Response(
            R.searchset(
                resources=found,
                base=base,
                total=total,
                self_url=f"{base}/Appointment?{params.urlencode()}",
                next_url=next_url,
            )
        )

    @idempotent
    def post(self, request):
        if request.user.role not in (Role.PATIENT, Role.FRONT_DESK, Role.ADMIN):
            raise Forbidden("Your role does not allow this.")
        target, start = _booking_request(request)
        appointment = booking.book_appointment(
            patient=target.patient,
            service=target.service,
            location=target.location,
            start=start,
            staff=target.staff,
            actor=request.user,
            channel="online" if request.user.role == Role.PATIENT else "front_desk",
            now=timezone.now(),
        )
        appointment = Appointment.objects.select_related("service", "location").get(pk=appointment.pk)
        response = Response(_appointment(appointment, request), status=status.HTTP_201_CREATED)
        response["Location"] = f"{self.base_url(request)}/Appointment/{appointment.pk}"
        return response


class AppointmentReadView(FHIRView):
    def get(self, request, pk: int):
        appointment = get_appointment(user=request.user, appointment_id=pk)
        record(action=Action.READ, target=appointment, summary="FHIR Appointment read")
        return Response(_appointment(appointment, request))


def _booking_request(request):
    """What to book, from an Appointment resource: a Slot of ours by reference, or serviceType,
    start and (for a visit in person) a Location participant. A Patient participant names the
    patient (staff must give one; a patient books for themselves); a Practitioner participant
    asks for that clinician."""
    body = request.data
    if not isinstance(body, dict) or body.get("resourceType") != "Appointment":
        raise search.invalid("resourceType", "Send an Appointment resource.")
    if body.get("status") not in ("booked", "proposed", "pending"):
        raise search.invalid("status", "An Appointment to book has status booked (or proposed or pending).")
    participants = body.get("participant")
    if not isinstance(participants, list) or not participants:
        raise search.invalid("participant", "Name at least the Patient as a participant.")
    refs: dict[str, list[int]] = {"Patient": [], "Practitioner": [], "Location": []}
    for index, participant in enumerate(participants):
        reference = (
            ((participant or {}).get("actor") or {}).get("reference", "") if isinstance(participant, dict) else ""
        )
        kind = reference.split("/")[-2] if reference.count("/") >= 1 else ""
        if kind not in refs:
            raise search.invalid(
                f"participant[{index}].actor",
                "Participants are Patient/<id>, Practitioner/<id> or Location/<id> references.",
            )
        refs[kind].append(search.reference_id(reference, name=f"participant[{index}].actor", resource_type=kind))
    if any(len(ids) > 1 for ids in refs.values()):
        raise search.invalid("participant", "Name at most one Patient, one Practitioner and one Location.")
    data = {
        "patient": refs["Patient"][0] if refs["Patient"] else None,
        "staff": refs["Practitioner"][0] if refs["Practitioner"] else None,
        "location": refs["Location"][0] if refs["Location"] else None,
    }
    slots = body.get("slot") or []
    setup = catalog.current()
    if slots:
        if not isinstance(slots, list) or len(slots) != 1 or not isinstance(slots[0], dict):
            raise search.invalid("slot", "Book one Slot: slot: [{reference: Slot/<id>}].")
        slot = R.parse_slot_id(slots[0].get("reference", ""))
        if slot is None or slot.service_id not in setup.services:
            raise search.invalid("slot", "This is not a Slot of ours (see Slot search).")
        service, start = setup.services[slot.service_id], slot.start
        if data["location"] is not None and data["location"] != slot.location_id:
            raise search.invalid("participant", "The Location participant differs from the Slot's.")
        data["location"] = slot.location_id
        if slot.staff_id is not None:
            data["staff"] = data["staff"] or slot.staff_id
    else:
        concepts = body.get("serviceType") or []
        codes = [
            c.get("code", "")
            for concept in concepts
            if isinstance(concept, dict)
            for c in concept.get("coding", [])
            if isinstance(c, dict)
        ]
        if not codes:
            raise search.invalid("serviceType", "Give the Slot, or serviceType with our service code.")
        try:
            service = _service_from(codes[0])
        except serializers.ValidationError:
            raise search.invalid("serviceType", f"There is no service {codes[0]!r}.") from None
        start, _ = search.date_range([body.get("start") or ""], name="start") if body.get("start") else (None, None)
        if start is None or len(body.get("start", "")) <= 10:
            raise search.invalid("start", "Give start as an instant with its zone, e.g. 2025-03-10T09:00:00-07:00.")
    if data["location"] is None and not service.allows_video:
        raise search.invalid("participant", f"{service.name} is seen in person: name the Location.")
    target = resolve_target(request, data, service=service)
    return target, start


# --- Patient ----------------------------------------------------------------------------------


class PatientReadView(FHIRView):
    def get(self, request, pk: int):
        patient = get_patient(user=request.user, patient_id=pk)
        record(action=Action.READ, target=patient, summary="FHIR Patient read")
        return Response(R.patient_resource(patient))


class UnknownView(FHIRView):
    """Any other path under /fhir/r4/: a 404 OperationOutcome, as FHIR clients expect."""

    permission_classes = [AllowAny]

    def _refuse(self, request, rest: str):
        raise NotFound(
            f"This server has no /fhir/r4/{rest[:80]}; GET metadata lists what it serves.",
            code="fhir_endpoint_not_found",
        )

    get = post = put = patch = delete = _refuse
