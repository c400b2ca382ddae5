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
from checkins.chart import patient_chart
from checkins.models import AlertCall, AlertStatus
from checkins.questionnaires import GAD7_ITEMS, OPTIONS, PHQ9_ITEMS, PHQ9_SELF_HARM_ITEM
from core.errors import DomainError, NotFound
from scheduling import timeutils
from scheduling.selectors.appointments import get_patient, patients_at_own_sites

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


def openable_patients(user, patient_ids) -> set[int]:
    """Which of these patients' pages the user may open, so a page links only to those."""
    return set(patients_at_own_sites(user=user).filter(pk__in=set(patient_ids)).values_list("pk", flat=True))


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
    openable = openable_patients(request.user, [row["alert"].patient_id for row in rows])
    for row in rows:
        row["patient_page"] = row["alert"].patient_id in openable
    record(action=Action.READ, kind="checkins.riskalert", summary=f"risk alert page list, status={status}")
    return render(request, "checkins/staff/alerts.html", {"rows": rows, "status": status, "clinical": clinical})


def phone_link(patient) -> dict:
    """The patient's mobile number as people read it and as a tel: link ("" when none is known)."""
    phone = getattr(patient, "phone", None)
    if not phone:
        return {"text": "", "uri": ""}
    return {"text": phone.as_national if phone.is_valid() else str(phone), "uri": phone.as_rfc3966}


def item_answers(answers) -> list[dict]:
    """Per questionnaire answered, each item as the patient read it (English) with the answer
    chosen, the self-harm item flagged."""
    if answers is None:
        return []
    scales = []
    for name, items, values in (("PHQ-9", PHQ9_ITEMS["en"], answers.phq_items or []),
                                ("GAD-7", GAD7_ITEMS["en"], answers.gad7_items or [])):
        rows = [{"number": number, "question": question, "value": value,
                 "answer": OPTIONS["en"][value] if 0 <= value < len(OPTIONS["en"]) else str(value),
                 "flag": name == "PHQ-9" and number == PHQ9_SELF_HARM_ITEM and value > 0}
                for number, (question, value) in enumerate(zip(items, values, strict=False), start=1)]
        if rows:
            scales.append({"name": name, "items": rows})
    return scales


def _post_alert_action(request, alert) -> str:
    """Acknowledge, or record a call; the refusal's words, or "" when done."""
    try:
        if request.POST.get("action") == "call":
            call = alert_services.record_call(alert_id=alert.pk, user=request.user,
                                              outcome=request.POST.get("outcome", ""),
                                              note=request.POST.get("call_note", ""))
            messages.success(request, f"Call recorded: {call.get_outcome_display().lower()}.")
        else:
            alert_services.acknowledge(alert_id=alert.pk, user=request.user, note=request.POST.get("note", ""))
            messages.success(request, "Alert acknowledged.")
    except DomainError as exc:
        return exc.detail
    return ""


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
        error = _post_alert_action(request, alert)
        if not error:
            return redirect("checkins:staff-alert", alert_id=alert.pk)
    record(action=Action.READ, target=alert, summary="risk alert page with answers" if clinical else "risk alert page")
    zone = _zone(alert)
    deliveries = [{"message": m, "at": local(m.sent_at or m.next_attempt_at, zone)}
                  for m in alert.messages.order_by("pk")]
    answers = getattr(alert.checkin, "answers", None) if clinical else None
    calls = [{"call": c, "at": local(c.at, zone)} for c in alert.calls.select_related("called_by")]
    failed = request.POST.get("action") if error else ""
    return render(request, "checkins/staff/alert.html", {
        "row": _alert_row(alert, clinical=clinical), "alert": alert, "clinical": clinical, "deliveries": deliveries,
        "answers": answers, "items": item_answers(answers), "phone": phone_link(alert.patient),
        "patient_page": bool(openable_patients(request.user, [alert.patient_id])), "calls": calls, "outcomes": AlertCall.Outcome.choices,
        "error": error if failed != "call" else "", "call_error": error if failed == "call" else "",
        "note": request.POST.get("note", "") if error else "",
        "call_note": request.POST.get("call_note", "") if error else "",
        "outcome": request.POST.get("outcome", "") if error else ""})


@staff_page
def patient_checkins(request, patient_id: int):
    try:
        patient = get_patient(user=request.user, patient_id=patient_id)
    except NotFound:
        raise Http404("No such patient.") from None
    clinical = selectors.may_read_answers(request.user)
    chart = patient_chart(patient=patient, user=request.user)
    record(action=Action.READ, kind="checkins.checkin", patient=patient,
           summary="check-ins page with answers and chart" if clinical else "check-ins page")
    zone = patient.time_zone
    rows = [{"checkin": c, "state": selectors.state(c), "due": local(c.due_at, zone),
             "answered": local(c.answered_at, zone), "visit": local(c.appointment.start, zone),
             "answers": getattr(c, "answers", None) if clinical else None,
             "alert": getattr(c, "risk_alert", None)} for c in chart["checkins"]]
    return render(request, "checkins/staff/patient.html", {
        "patient": patient, "rows": rows, "clinical": clinical, **(chart if clinical else {}),
        "patient_page": bool(openable_patients(request.user, [patient.pk]))})
