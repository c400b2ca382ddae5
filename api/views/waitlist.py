"""The waitlist API: a patient joins for themselves, the desk adds a caller (both with
Idempotency-Key); staff list the entries of their sites (an audited read), withdraw one, raise
its priority; the weekly report. Thin over waitlist/."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema, OpenApiParameter
from rest_framework import status as http
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from accounts.models import Role
from api.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from api.permissions import IsClinicStaff, IsFrontDesk, IsPatient
from api.problems import problem_responses
from api.serializers import waitlist as s
from audit.services import Action, record
from core.errors import Forbidden, NotFound, Unprocessable
from scheduling import catalog, timeutils
from scheduling.models import Appointment
from scheduling.selectors.appointments import desk_location_ids, desk_may_book_at, get_patient
from waitlist import joining, selectors

ID = OpenApiParameter("id", int, OpenApiParameter.PATH)
FILTERS = [
    OpenApiParameter("location", int, OpenApiParameter.QUERY, required=False),
    OpenApiParameter("service", str, OpenApiParameter.QUERY, required=False, description="A service's id or code."),
]


def _patient(request, requested: int | None):
    user = request.user
    if user.role == Role.PATIENT:
        own = getattr(user, "patient", None)
        if own is None:
            raise Unprocessable(
                "Your sign-in is not linked to a patient record yet; please call the clinic.", code="no_patient_record"
            )
        if requested is not None and requested != own.pk:
            raise NotFound(f"There is no patient {requested} that you can see.", code="patient_not_found")
        return own
    if requested is None:
        raise Unprocessable("The front desk adds a caller: give the patient id.", code="patient_required")
    return get_patient(user=user, patient_id=requested)


def _filters(request):
    setup = catalog.current()
    location = service = None
    raw_location, raw_service = request.query_params.get("location"), request.query_params.get("service")
    if raw_location:
        location = setup.active_location(int(raw_location)) if raw_location.isdigit() else None
        if location is None:
            raise NotFound(f"There is no open location {raw_location}.", code="location_not_found")
    if raw_service:
        service = next((s for s in setup.services.values() if raw_service in (str(s.pk), s.code)), None)
        if service is None:
            raise NotFound(f"There is no service {raw_service[:40]!r}.", code="service_not_found")
    return location, service


class WaitlistView(GenericAPIView):
    permission_classes = [IsPatient | IsFrontDesk]
    serializer_class = s.EntrySerializer

    @extend_schema(
        operation_id="waitlist_join",
        tags=["waitlist"],
        request=s.JoinRequestSerializer,
        parameters=[IDEMPOTENCY_KEY_PARAMETER],
        summary="Join a service's waitlist (a patient for themselves, the desk for a caller)",
        description="Freed time that fits the entry is offered by text (and email where the patient "
        "chose it): one at a time with the time held, or to several at once, as the clinic "
        "set. A patient who may not book the service (clearance, REMS, no licensed "
        "clinician for video) cannot join: 422 `waitlist_not_eligible` says why, with "
        "`eligibility` and `next_step`. Joining again answers the open entry (200).",
        responses={201: s.EntrySerializer, 200: s.EntrySerializer, **problem_responses(400, 401, 403, 404, 409, 422)},
    )
    @idempotent
    def post(self, request):
        body = s.JoinRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        patient = _patient(request, data.get("patient"))
        setup = catalog.current()
        service = setup.services.get(data["service"])
        if service is None:
            raise NotFound(f"There is no service {data['service']}.", code="service_not_found")
        location = setup.active_location(data["location"]) if data.get("location") else None
        if data.get("location") and location is None:
            raise NotFound(f"There is no open location {data['location']}.", code="location_not_found")
        by_staff = request.user.role != Role.PATIENT
        if by_staff and data.get("place") == "location" and not desk_may_book_at(user=request.user, location=location):
            raise Forbidden(f"You are not on the front desk for {location.name}.")
        staff = setup.active_staff_member(data["staff"]) if data.get("staff") else None
        if data.get("staff") and staff is None:
            raise NotFound(f"There is no staff member {data['staff']}.", code="staff_not_found")
        move_up = None
        if data.get("move_up"):
            move_up = Appointment.objects.filter(pk=data["move_up"], patient=patient).first()
            if move_up is None:
                raise NotFound("There is no upcoming booked visit of yours to move.", code="waitlist_visit_not_found")
        entry, created = joining.join(
            patient=patient,
            service=service,
            place=data["place"],
            location=location,
            staff=staff,
            earliest_date=data.get("earliest_date"),
            latest_date=data.get("latest_date"),
            weekdays=data.get("weekdays"),
            time_ranges=data.get("time_ranges"),
            move_up=move_up,
            priority=data.get("priority", 0),
            actor=request.user,
            by_staff=by_staff,
            now=timezone.now(),
        )
        return Response(s.EntrySerializer(entry).data, status=http.HTTP_201_CREATED if created else http.HTTP_200_OK)


class WaitlistListView(GenericAPIView):
    permission_classes = [IsClinicStaff]
    serializer_class = s.EntrySerializer

    @extend_schema(
        operation_id="waitlist_list",
        tags=["waitlist"],
        parameters=FILTERS,
        summary="The open waitlist entries of your sites, in the order they are offered time",
        description="Highest priority first, then earliest joined; each with its offers. The front desk "
        'sees entries at its sites (an "any place" entry at every site of its service) and '
        "video ones when it covers video.",
        responses={200: s.EntrySerializer(many=True), **problem_responses(400, 401, 403, 404, 422)},
    )
    def get(self, request):
        location, service = _filters(request)
        entries = self.paginate_queryset(selectors.entries_for(user=request.user, location=location, service=service))
        for patient_id in sorted({entry.patient_id for entry in entries}):
            record(action=Action.READ, kind="waitlist.waitlistentry", patient=patient_id, summary="waitlist entries")
        return self.get_paginated_response(s.EntrySerializer(entries, many=True).data)


def _home_location(user):
    """Whose clock a report without a location reads weeks on: the first site the caller works at."""
    locations = [loc for loc in catalog.current().locations.values() if loc.active and not loc.is_virtual]
    ids, _ = desk_location_ids(user) if user.role == Role.FRONT_DESK else ({loc.pk for loc in locations}, True)
    mine = [loc for loc in locations if loc.pk in ids] or locations
    if not mine:
        raise NotFound("The clinic has no open location.", code="location_not_found")
    return min(mine, key=lambda loc: loc.pk)


def _entry(request, pk: int):
    entry = selectors.visible_entries(user=request.user).filter(pk=pk).first()
    if request.user.role == Role.PATIENT:
        entry = joining.WaitlistEntry.objects.filter(pk=pk, patient__user=request.user).first()
    if entry is None:
        raise NotFound(f"There is no waitlist entry {pk} that you can see.", code="waitlist_entry_not_found")
    return entry


class WaitlistWithdrawView(GenericAPIView):
    permission_classes = [IsPatient | IsFrontDesk]
    serializer_class = s.EntrySerializer

    @extend_schema(
        operation_id="waitlist_withdraw",
        tags=["waitlist"],
        parameters=[ID, IDEMPOTENCY_KEY_PARAMETER],
        request=None,
        summary="Take an entry off the waitlist (a live offer closes with it)",
        responses={200: s.EntrySerializer, **problem_responses(400, 401, 403, 404, 409, 422)},
    )
    @idempotent
    def post(self, request, pk: int):
        entry = _entry(request, pk)
        return Response(s.EntrySerializer(joining.withdraw(entry_id=entry.pk, actor=request.user)).data)


class WaitlistPriorityView(GenericAPIView):
    permission_classes = [IsClinicStaff]
    serializer_class = s.EntrySerializer

    @extend_schema(
        operation_id="waitlist_priority",
        tags=["waitlist"],
        parameters=[ID, IDEMPOTENCY_KEY_PARAMETER],
        request=s.PrioritySerializer,
        summary="Set an entry's priority (higher is offered first)",
        responses={200: s.EntrySerializer, **problem_responses(400, 401, 403, 404, 422)},
    )
    @idempotent
    def post(self, request, pk: int):
        body = s.PrioritySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        entry = _entry(request, pk)
        entry = joining.set_priority(entry_id=entry.pk, priority=body.validated_data["priority"], actor=request.user)
        return Response(s.EntrySerializer(entry).data)


class WaitlistReportView(GenericAPIView):
    permission_classes = [IsClinicStaff]
    serializer_class = s.WeekSerializer
    pagination_class = None  # a fixed run of weeks, at most 52

    @extend_schema(
        operation_id="waitlist_report",
        tags=["waitlist"],
        parameters=[
            *FILTERS,
            OpenApiParameter("weeks", int, OpenApiParameter.QUERY, required=False, description="1 to 52; default 8."),
        ],
        summary="Per week: minutes freed and refilled from the waitlist, median time to refill, offers",
        description="Weeks run Monday to Sunday on the clinic's clock, oldest first. No patient data.",
        responses={200: s.WeekSerializer(many=True), **problem_responses(401, 403, 404, 422)},
    )
    def get(self, request):
        location, service = _filters(request)
        raw = request.query_params.get("weeks", "8")
        if not raw.isdigit() or not 1 <= int(raw) <= 52:
            raise Unprocessable("weeks is a number from 1 to 52.", code="invalid_filter")
        zone = (location or _home_location(request.user)).time_zone
        today = timeutils.local_date(timezone.now(), timeutils.zone(zone))
        weeks = selectors.weekly_report(
            user=request.user, weeks=int(raw), today=today, time_zone=zone, location=location, service=service
        )
        return Response(s.WeekSerializer(weeks, many=True).data)
