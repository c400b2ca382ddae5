"""Treatment courses: book a whole series in one call, follow it as a plan, and change it as a
whole (pause, resume, boosters, cancel) or one visit at a time. Thin: parse, check who asks,
call one service in scheduling.services.courses / course_lifecycle, render the plan."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import extend_schema, OpenApiExample, OpenApiParameter
from rest_framework import serializers, status
from rest_framework.generics import GenericAPIView
from rest_framework.response import Response

from accounts.models import Role
from api.idempotency import IDEMPOTENCY_KEY_PARAMETER, idempotent
from api.permissions import IsFrontDesk, IsPatient
from api.problems import problem_responses
from api.serializers import courses as s
from api.serializers.booking import RescheduleRequestSerializer
from api.views.holds import resolve_target
from audit.services import Action, record, record_read
from config.throttles import BookingThrottle
from core.errors import Forbidden, NotFound
from scheduling.models import Course, CourseTemplate, StaffMember
from scheduling.selectors.courses import course_plan, get_course, visible_courses
from scheduling.services import course_lifecycle
from scheduling.services.course_rules import current_appointment
from scheduling.services.courses import book_course, DAY_NAMES, Preferences

ID = OpenApiParameter("id", int, OpenApiParameter.PATH)
UNPLACEABLE = OpenApiExample(
    "Cannot be placed", status_codes=["422"], response_only=True,
    value={"type": "https://clearday.example/problems/course-unplaceable", "title": "Unprocessable request",
           "status": 422, "code": "course_unplaceable", "visit": 4, "kind": "dose", "reason": "no_opening",
           "earliest_start": "2025-03-17",
           "detail": "Visit 4 of 6 (iv infusion session) could not be placed: no opening at Phoenix between Thu 13 "
                     "Mar 2025 09:00 MST and Sat 15 Mar 2025 09:00 MST on Mon, Wed, Thu (48 hours to 7 days after "
                     "visit 3). The whole course fits if it starts on Mon 17 Mar 2025."})


def render(request, course: Course, *, status_code: int = status.HTTP_200_OK) -> Response:
    fresh = visible_courses(user=request.user).filter(pk=course.pk).first() or course
    return Response(s.CourseSerializer(course_plan(fresh, now=timezone.now())).data, status=status_code)


def preferences_from(data: dict) -> Preferences:
    wishes = data.get("preferences") or {}
    staff = None
    if wishes.get("staff"):
        staff = StaffMember.objects.filter(pk=wishes["staff"], active=True).first()
        if staff is None:
            raise serializers.ValidationError({"preferences.staff": f"There is no staff member {wishes['staff']}."})
    days = [d.title() for d in wishes.get("days_of_week", [])]
    video = {"video": True, "in_person": False}.get(wishes.get("companion_modality"))
    return Preferences(days_of_week=frozenset(DAY_NAMES.index(d) for d in days),
                       times_of_day=frozenset(wishes.get("times_of_day", [])), staff=staff,
                       same_staff=wishes.get("same_staff", True), companion_video=video)


class CourseTemplateListView(GenericAPIView):
    serializer_class = s.CourseTemplateSerializer
    queryset = CourseTemplate.objects.none()

    @extend_schema(operation_id="course_templates_list", summary="Kinds of course the clinic books",
                   responses={200: s.CourseTemplateSerializer(many=True), **problem_responses(401)})
    def get(self, request):
        templates = (CourseTemplate.objects.filter(active=True)
                     .select_related("service", "companion_service").prefetch_related("steps"))
        page = self.paginate_queryset(templates)
        return self.get_paginated_response(s.CourseTemplateSerializer(page, many=True).data)


class CourseListView(GenericAPIView):
    serializer_class = s.CourseSerializer
    queryset = Course.objects.none()
    throttle_classes = [BookingThrottle]

    def get_permissions(self):
        if self.request.method == "POST":
            return [(IsPatient | IsFrontDesk)()]
        return super().get_permissions()

    @extend_schema(operation_id="courses_list", parameters=[s.CourseQuerySerializer],
                   summary="Courses you may see, with progress",
                   description="Patients see their own courses as plans (visit n of N); the desk its locations'.",
                   responses={200: s.CourseSerializer(many=True), **problem_responses(401, 400)})
    def get(self, request):
        query = s.CourseQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        courses = visible_courses(user=request.user)
        if query.validated_data.get("patient"):
            courses = courses.filter(patient_id=query.validated_data["patient"])
        if query.validated_data.get("status"):
            courses = courses.filter(status=query.validated_data["status"])
        page = self.paginate_queryset(courses)
        record_read(kind="scheduling.course", patients=[query.validated_data.get("patient")],
                    summary=f"course list, status={query.validated_data.get('status') or 'any'}")
        now = timezone.now()
        return self.get_paginated_response(s.CourseSerializer([course_plan(c, now=now) for c in page], many=True).data)

    @extend_schema(
        operation_id="courses_book", request=s.CourseRequestSerializer, parameters=[IDEMPOTENCY_KEY_PARAMETER],
        summary="Book a whole treatment course in one call, atomically",
        description="Finds a time for every visit of the template (doses, and a companion after each dose) that "
                    "keeps every spacing rule and the patient's preferences, then books all of them, or none: "
                    "422 `course_unplaceable` says which visit could not be placed (`visit`, `kind`, `reason`) and "
                    "the earliest start that would fit (`earliest_start`, a date; absent when none within the "
                    "horizon). 422 `gate_failed` "
                    "when a clinical gate refuses the course. 409 `slot_taken` only if the times kept being taken "
                    "while booking.",
        responses={201: s.CourseSerializer, **problem_responses(401, 400, 403, 404, 409, 422)}, examples=[UNPLACEABLE])
    @idempotent
    def post(self, request):
        body = s.CourseRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        template = CourseTemplate.objects.filter(code=data["template"], active=True).select_related("service").first()
        if template is None:
            raise serializers.ValidationError({"template": f"There is no course template {data['template']!r}."})
        target = resolve_target(request, data, service=template.service)
        if data.get("override_reason") and request.user.role == Role.PATIENT:
            raise Forbidden("Only the front desk may override booking rules.")
        course = book_course(
            patient=target.patient, template=template, location=target.location, actor=request.user,
            preferences=preferences_from(data), start_from=data.get("start_from"), start_by=data.get("start_by"),
            with_companions=data["with_companions"], override_reason=data.get("override_reason", ""))
        return render(request, course, status_code=status.HTTP_201_CREATED)


class CourseDetailView(GenericAPIView):
    serializer_class = s.CourseSerializer
    queryset = Course.objects.none()

    @extend_schema(operation_id="courses_retrieve", parameters=[ID], summary="One course as a plan",
                   responses={200: s.CourseSerializer, **problem_responses(401, 404)})
    def get(self, request, pk: int):
        course = get_course(user=request.user, course_id=pk)
        record(action=Action.READ, target=course, summary="course plan")
        return render(request, course)


class _CourseAction(GenericAPIView):
    """POST /courses/{id}/<action>, front desk only."""

    permission_classes = [IsFrontDesk]
    serializer_class = s.CourseSerializer
    queryset = Course.objects.none()
    throttle_classes = [BookingThrottle]
    request_serializer: type[serializers.Serializer] = s.StopRequestSerializer

    @idempotent
    def post(self, request, pk: int):
        course = get_course(user=request.user, course_id=pk)
        body = self.request_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        return render(request, self.perform(request, course, body.validated_data))

    def perform(self, request, course, data) -> Course:
        raise NotImplementedError


def _action(operation_id: str, summary: str, description: str, request):
    return extend_schema(operation_id=operation_id, summary=summary, description=description, request=request,
                         parameters=[ID, IDEMPOTENCY_KEY_PARAMETER],
                         responses={200: s.CourseSerializer, **problem_responses(401, 400, 403, 404, 409, 422)})


class PauseView(_CourseAction):
    @_action("courses_pause", "Pause a course", "Cancels every future visit (through the booking service, with "
             "their messages) and marks the course paused; resume places them again.", s.StopRequestSerializer)
    def post(self, request, pk: int):
        return super().post(request, pk)

    def perform(self, request, course, data):
        return course_lifecycle.pause_course(course=course, actor=request.user, reason=data["reason"],
                                            cancelled_by=data.get("cancelled_by"))


class ResumeView(_CourseAction):
    request_serializer = s.ResumeRequestSerializer

    @_action("courses_resume", "Resume a paused course",
             "Places every dose (and companion) not booked or attended again, spaced from the last dose that was; "
             "422 `course_unplaceable` as when booking.", s.ResumeRequestSerializer)
    def post(self, request, pk: int):
        return super().post(request, pk)

    def perform(self, request, course, data):
        return course_lifecycle.resume_course(course=course, actor=request.user, start_from=data.get("start_from"),
                                             start_by=data.get("start_by"),
                                             override_reason=data.get("override_reason", ""))


class BoosterView(_CourseAction):
    request_serializer = s.BoosterRequestSerializer

    @_action("courses_boosters", "Extend a course with boosters",
             "Books `count` boosters after the last dose, spaced by the template's booster gaps (21-28 days by "
             "default), all or none.", s.BoosterRequestSerializer)
    def post(self, request, pk: int):
        return super().post(request, pk)

    def perform(self, request, course, data):
        return course_lifecycle.extend_course(course=course, actor=request.user, boosters=data["count"],
                                             start_from=data.get("start_from"), start_by=data.get("start_by"),
                                             override_reason=data.get("override_reason", ""))


class CancelView(_CourseAction):
    @_action("courses_cancel", "Cancel a course as a whole",
             "Cancels every visit still to come; attended visits stay on the record.", s.StopRequestSerializer)
    def post(self, request, pk: int):
        return super().post(request, pk)

    def perform(self, request, course, data):
        return course_lifecycle.cancel_course(course=course, actor=request.user, reason=data["reason"],
                                             cancelled_by=data.get("cancelled_by"))


class VisitRescheduleView(GenericAPIView):
    permission_classes = [IsPatient | IsFrontDesk]
    serializer_class = s.CourseSerializer
    queryset = Course.objects.none()
    throttle_classes = [BookingThrottle]

    @extend_schema(
        operation_id="courses_visit_reschedule", request=RescheduleRequestSerializer,
        parameters=[ID, OpenApiParameter("visit", int, OpenApiParameter.PATH), IDEMPOTENCY_KEY_PARAMETER],
        summary="Move one visit of a course",
        description="As POST /appointments/{id}/reschedule, and the other visits' spacing is re-checked: a time "
                    "that breaks a rule is a 422 `course_spacing` naming it in `rule` (min_gap, max_gap, max_span, "
                    "companion_window, companion_order).",
        responses={200: s.CourseSerializer, **problem_responses(401, 400, 403, 404, 409, 422)})
    @idempotent
    def post(self, request, pk: int, visit: int):
        course = get_course(user=request.user, course_id=pk)
        course_visit = course.visits.select_related("appointment__location").filter(pk=visit).first()
        if course_visit is None:
            raise NotFound(f"Course {pk} has no visit {visit}.", code="course_visit_not_found")
        body = RescheduleRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        current = current_appointment(course_visit.appointment)
        keep = "location" not in data and "modality" not in data
        target = resolve_target(request, data, service=current.service, patient=course.patient,
                                keep_location=current.location if keep else ...)
        course_lifecycle.move_visit(course=course, visit=course_visit, start=data["start"], actor=request.user,
                                    location=target.location, staff=target.staff, reason=data.get("reason", ""),
                                    override_reason=data.get("override_reason", ""))
        return render(request, course)
