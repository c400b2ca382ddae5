"""The check-in API: a patient answers a check-in with the link's token; staff read a patient's
check-ins and the risk alerts; clinicians acknowledge alerts. Thin: the pages and this API share
the form, the services and the selectors in checkins/."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, OpenApiParameter
from rest_framework import status as http
from rest_framework.exceptions import ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.permissions import AllowAny
from rest_framework.response import Response

from accounts.models import Role
from api.permissions import IsClinician, IsClinicStaff
from api.problems import problem_responses
from api.serializers import checkins as s
from audit.services import Action, record
from checkins import alerts, links, questionnaires as q, selectors, services, wording
from checkins.forms import CheckInForm, data_from_json, FIRST
from checkins.models import CheckInStatus, RiskAlert
from core.errors import NotFound
from scheduling.selectors.appointments import get_patient

TOKEN = OpenApiParameter("token", str, OpenApiParameter.PATH,
                         description="The token of the check-in link (/c/<token>).")
LANG = OpenApiParameter("lang", str, OpenApiParameter.QUERY, enum=["en", "es"], required=False,
                        description="Language of the questions and messages; the patient's own by default.")
ID = OpenApiParameter("id", int, OpenApiParameter.PATH)


def _checkin(request, token: str):
    """The check-in, or the one 404 every refused link gets (it names nobody)."""
    checkin = links.resolve(token)
    user = request.user
    if checkin is None or (user.is_authenticated and user.role == Role.PATIENT and checkin.patient.user_id != user.pk):
        raise NotFound("This check-in link is not valid or has expired.", code="checkin_link_invalid")
    return checkin


def _page(checkin, language: str) -> dict:
    page = services.page_for(checkin)
    form = None
    booked_at = None
    if page is not None:
        offer = selectors.integration_offer(checkin) if page == FIRST else None
        booked_at = offer.booked.start if offer is not None and offer.booked is not None else None
        form = CheckInForm(checkin=checkin, page=page, language=language,
                           offer_integration=offer is not None and offer.booked is None)
    return {"status": checkin.status, "page": page, "language": language,
            "stems": {"phq9": q.PHQ9_STEM[language], "gad7": q.GAD7_STEM[language]},
            "questions": s.questions(form) if form is not None else [], "integration_booked_at": booked_at}


class CheckInView(GenericAPIView):
    permission_classes = [AllowAny]
    serializer_class = s.CheckInPageSerializer

    @extend_schema(operation_id="checkin_questions", tags=["check-ins"], parameters=[TOKEN, LANG],
                   summary="The questions of a check-in, for the patient who has its link",
                   description="The link is the key: no sign-in needed. A malformed, unknown or expired link, or one "
                               "opened by another signed-in patient, is the same 404.",
                   responses={200: s.CheckInPageSerializer, **problem_responses(404)})
    def get(self, request, token: str):
        checkin = _checkin(request, token)
        language = wording.pick_language(request.query_params.get("lang"), checkin.language)
        return Response(s.CheckInPageSerializer(_page(checkin, language)).data)

    @extend_schema(operation_id="checkin_answer", tags=["check-ins"], parameters=[TOKEN, LANG],
                   request=s.CheckInAnswerRequestSerializer,
                   summary="Answer a check-in (one page at a time)",
                   description="Send every question of the current page by its `name`. A positive PHQ-2 (3 or more) "
                               "answers `continue` with the rest of the PHQ-9 in `next`. A risk answer (PHQ-9 item 9 "
                               "above 0, or a pattern the clinic configured) answers `crisis` with the crisis "
                               "resources to show at once: the alert and the page to the on-call clinician are "
                               "committed before this response. A check-in is answered once; later posts answer "
                               "`already_answered` and change nothing. Before its due time it is a 422 "
                               "`checkin_not_open` with `opens_at`.",
                   responses={200: s.CheckInOutcomeSerializer, **problem_responses(400, 404, 422)})
    def post(self, request, token: str):
        checkin = _checkin(request, token)
        services.ensure_open(checkin)  # 422 checkin_not_open before its due time, whatever was sent
        language = wording.pick_language(request.query_params.get("lang"), checkin.language)
        page = services.page_for(checkin)
        outcome_state, alert = "already_answered", None
        if page is not None:
            offer = selectors.integration_offer(checkin) if page == FIRST else None
            form = CheckInForm(data_from_json(request.data if isinstance(request.data, dict) else {}), checkin=checkin,
                               page=page, language=language,
                               offer_integration=offer is not None and offer.booked is None)
            if not form.is_valid():
                raise ValidationError({name: list(errors) for name, errors in form.errors.items()})
            outcome = services.submit(checkin_id=checkin.pk, page=page, answers=services.PageAnswers(**form.answers()))
            if outcome.state == "closed":
                raise NotFound("This check-in link is not valid or has expired.", code="checkin_link_invalid")
            outcome_state, alert = outcome.state, outcome.alert
        checkin.refresh_from_db()
        if outcome_state == "wrong_page":
            outcome_state = "continue"
        if alert is None and checkin.status == CheckInStatus.ANSWERED:
            alert = RiskAlert.objects.filter(checkin=checkin).first()
            if alert is not None:
                outcome_state = "crisis"
        booking_url = ""
        answers = getattr(checkin, "answers", None)
        if checkin.status == CheckInStatus.ANSWERED and answers is not None and answers.wants_integration:
            offer = selectors.integration_offer(checkin)
            booking_url = offer.booking_url if offer is not None and offer.booked is None else ""
        phone = selectors.clinic_phone(checkin.location)["text"]
        body = {"status": outcome_state,
                "next": _page(checkin, language) if outcome_state == "continue" else None,
                "crisis": wording.crisis_resources(language, clinic_phone=phone) if alert is not None else None,
                "booking_url": booking_url}
        return Response(s.CheckInOutcomeSerializer(body).data)


class PatientCheckInsView(GenericAPIView):
    permission_classes = [IsClinicStaff]
    serializer_class = s.PatientCheckInsSerializer

    @extend_schema(operation_id="patient_checkins", tags=["check-ins"], parameters=[ID],
                   summary="A patient's check-ins over time, with scores and the dosing visits",
                   description="Clinicians and clinic admins get answers, PHQ-2/PHQ-9/GAD-7 scores with their bands "
                               "and alerts. The front desk gets the same list with `answers` null: whether each "
                               "check-in is scheduled, pending, answered or missed, not what was answered.",
                   responses={200: s.PatientCheckInsSerializer, **problem_responses(401, 403, 404)})
    def get(self, request, pk: int):
        patient = get_patient(user=request.user, patient_id=pk)
        clinical = selectors.may_read_answers(request.user)
        record(action=Action.READ, kind="checkins.checkin", patient=patient,
               summary="check-ins with answers" if clinical else "check-ins")
        body = {"patient": patient.pk, "answers_visible": clinical,
                "dosing_visits": selectors.dosing_visits(patient_id=patient.pk, user=request.user),
                "checkins": selectors.patient_checkins(patient_id=patient.pk, user=request.user)}
        return Response(s.PatientCheckInsSerializer(body, context={"clinical": clinical}).data)


class RiskAlertListView(GenericAPIView):
    permission_classes = [IsClinicStaff]
    serializer_class = s.RiskAlertSerializer
    queryset = RiskAlert.objects.none()

    @extend_schema(operation_id="risk_alerts", tags=["check-ins"], parameters=[s.RiskAlertQuerySerializer],
                   summary="Risk alerts for the dashboards (open by default, oldest first)",
                   description="Clinicians and admins see every alert with its reasons; the front desk sees the "
                               "alerts of its locations (and video visits when it covers them) without reasons, to "
                               "make sure the on-call clinician was reached.",
                   responses={200: s.RiskAlertSerializer(many=True), **problem_responses(400, 401, 403)})
    def get(self, request):
        query = s.RiskAlertQuerySerializer(data=request.query_params)
        query.is_valid(raise_exception=True)
        wanted = query.validated_data["status"]
        page = self.paginate_queryset(selectors.alerts(user=request.user, status=None if wanted == "all" else wanted))
        record(action=Action.READ, kind="checkins.riskalert", summary=f"risk alert list, status={wanted}")
        clinical = selectors.may_read_answers(request.user)
        return self.get_paginated_response(s.RiskAlertSerializer(page, many=True, context={"clinical": clinical}).data)


def _visible_alert(request, pk: int) -> RiskAlert:
    alert = selectors.visible_alerts(user=request.user).prefetch_related("messages").filter(pk=pk).first()
    if alert is None:
        raise NotFound(f"There is no risk alert {pk} that you can see.", code="risk_alert_not_found")
    return alert


class RiskAlertDetailView(GenericAPIView):
    permission_classes = [IsClinicStaff]
    serializer_class = s.RiskAlertSerializer
    queryset = RiskAlert.objects.none()

    @extend_schema(operation_id="risk_alert", tags=["check-ins"], parameters=[ID],
                   summary="One risk alert with the delivery of each page to the on-call clinician",
                   responses={200: s.RiskAlertSerializer, **problem_responses(401, 403, 404)})
    def get(self, request, pk: int):
        alert = _visible_alert(request, pk)
        clinical = selectors.may_read_answers(request.user)
        record(action=Action.READ, target=alert, summary="risk alert with reasons" if clinical else "risk alert")
        return Response(s.RiskAlertSerializer(alert, context={"clinical": clinical}).data)


class RiskAlertAcknowledgeView(GenericAPIView):
    permission_classes = [IsClinician]
    serializer_class = s.AcknowledgeSerializer
    queryset = RiskAlert.objects.none()

    @extend_schema(operation_id="risk_alert_acknowledge", tags=["check-ins"], parameters=[ID],
                   request=s.AcknowledgeSerializer,
                   summary="Acknowledge a risk alert with a note (clinicians and admins)",
                   description="Closes the alert, recording who and when. An alert is acknowledged once: a second "
                               "acknowledgement is a 409 naming who did it.",
                   responses={200: s.RiskAlertSerializer, **problem_responses(400, 401, 403, 404, 409, 422)})
    def post(self, request, pk: int):
        body = s.AcknowledgeSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        _visible_alert(request, pk)
        alert = alerts.acknowledge(alert_id=pk, user=request.user, note=body.validated_data["note"])
        alert = _visible_alert(request, alert.pk)
        return Response(s.RiskAlertSerializer(alert, context={"clinical": True}).data, status=http.HTTP_200_OK)
