"""Staff pages under /clinician/: the risk-alert dashboard, one alert with its delivery and the
acknowledgement form, and a patient's check-ins with the PHQ-9/GAD-7 plot.

The front desk sees which alerts are open and whether the on-call clinician was reached (to
phone them if not), never the reasons or the answers; clinicians and admins see everything and
acknowledge. Pages are English, like the desk's.
"""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_http_methods

from accounts.models import Role
from audit.services import Action, record
from checkins import alerts as alert_services, selectors
from checkins.chart import Point, scores_svg
from checkins.models import AlertStatus
from checkins.questionnaires import gad7_band, phq9_band
from core.errors import DomainError, NotFound
from scheduling import timeutils
from scheduling.selectors.appointments import get_patient

STAFF = (Role.FRONT_DESK, Role.CLINICIAN, Role.ADMIN)


def _login_url() -> str:
    try:
        return reverse("web:desk-login")
    except NoReverseMatch:
        return settings.LOGIN_URL


def staff_page(view):
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path(), _login_url())
        if not request.user.has_role(*STAFF):
            raise PermissionDenied
        return view(request, *args, **kwargs)
    return wrapper


def local(instant, zone_name: str) -> str:
    if instant is None:
        return ""
    value = timeutils.to_local(instant, timeutils.zone(zone_name))
    return f"{value:%a %b} {value.day}, {value:%H:%M %Z}"


def _zone(alert_or_checkin) -> str:
    location = alert_or_checkin.location
    return location.time_zone if location is not None else alert_or_checkin.patient.time_zone


def _alert_row(alert, *, clinical: bool) -> dict:
    zone = _zone(alert)
    return {"alert": alert, "created": local(alert.created_at, zone), "delivery": selectors.delivery_summary(alert),
            "acknowledged": local(alert.acknowledged_at, zone), "reasons": alert.reasons if clinical else None}


@staff_page
def alert_list(request):
    status = request.GET.get("status", AlertStatus.OPEN)
    if status not in (AlertStatus.OPEN, AlertStatus.ACKNOWLEDGED, "all"):
        status = AlertStatus.OPEN
    clinical = selectors.may_read_answers(request.user)
    rows = [_alert_row(alert, clinical=clinical)
            for alert in selectors.alerts(user=request.user, status=None if status == "all" else status)[:200]]
    record(action=Action.READ, kind="checkins.riskalert", summary=f"risk alert page list, status={status}")
    return render(request, "checkins/staff/alerts.html", {"rows": rows, "status": status, "clinical": clinical})


@staff_page
@require_http_methods(["GET", "POST"])
def alert_detail(request, alert_id: int):
    alert = selectors.visible_alerts(user=request.user).filter(pk=alert_id).first()
    if alert is None:
        raise Http404("No such alert.")
    clinical = selectors.may_read_answers(request.user)
    error = ""
    if request.method == "POST":
        if not clinical:
            raise PermissionDenied
        try:
            alert_services.acknowledge(alert_id=alert.pk, user=request.user, note=request.POST.get("note", ""))
        except DomainError as exc:
            error = exc.detail
        else:
            messages.success(request, "Alert acknowledged.")
            return redirect("checkins:staff-alert", alert_id=alert.pk)
    record(action=Action.READ, target=alert, summary="risk alert page with answers" if clinical else "risk alert page")
    zone = _zone(alert)
    deliveries = [{"message": m, "at": local(m.sent_at or m.next_attempt_at, zone)}
                  for m in alert.messages.order_by("pk")]
    answers = getattr(alert.checkin, "answers", None) if clinical else None
    return render(request, "checkins/staff/alert.html", {
        "row": _alert_row(alert, clinical=clinical), "alert": alert, "clinical": clinical, "deliveries": deliveries,
        "answers": answers, "error": error, "note": request.POST.get("note", "") if error else ""})


def _points(checkins, attribute: str, name: str, band) -> list[Point]:
    points = []
    for checkin in checkins:
        answers = getattr(checkin, "answers", None)
        score = getattr(answers, attribute, None) if answers is not None else None
        if score is not None and checkin.answered_at is not None:
            points.append(Point(at=checkin.answered_at, score=score, label=f"{name} {score} ({band(score)})"))
    return points


@staff_page
def patient_checkins(request, patient_id: int):
    try:
        patient = get_patient(user=request.user, patient_id=patient_id)
    except NotFound:
        raise Http404("No such patient.") from None
    clinical = selectors.may_read_answers(request.user)
    checkins = selectors.patient_checkins(patient_id=patient.pk, user=request.user)
    record(action=Action.READ, kind="checkins.checkin", patient=patient,
           summary="check-ins page with answers and chart" if clinical else "check-ins page")
    doses = selectors.dosing_visits(patient_id=patient.pk, user=request.user)
    zone = patient.time_zone
    chart = ""
    if clinical:
        chart = scores_svg(phq9=_points(checkins, "phq9_score", "PHQ-9", phq9_band),
                           gad7=_points(checkins, "gad7_score", "GAD-7", gad7_band),
                           doses=[visit.start for visit in doses], zone_name=zone)
    rows = [{"checkin": c, "state": selectors.state(c), "due": local(c.due_at, zone),
             "answered": local(c.answered_at, zone), "visit": local(c.appointment.start, zone),
             "answers": getattr(c, "answers", None) if clinical else None,
             "alert": getattr(c, "risk_alert", None)} for c in checkins]
    return render(request, "checkins/staff/patient.html", {
        "patient": patient, "rows": rows, "chart": chart, "clinical": clinical,
        "doses": [local(visit.start, zone) for visit in doses]})
