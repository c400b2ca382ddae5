"""The care team's pages: where staff land after signing in (a clinician on their own day, the
desk on its site's), the clinician's day as an agenda, the patient search and one patient's page
(upcoming visits with links to the calendar, the check-ins chart, clearance and REMS status)."""

from __future__ import annotations

import datetime as dt

from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone

from audit.services import Action, record, record_read
from checkins import selectors as checkin_selectors
from checkins.chart import patient_chart
from scheduling import timeutils
from web import formatting
from web.selectors import care_team
from web.views.common import parse_day, staff_page


def home_url(user) -> str:
    """A clinician's own day; the desk's and an admin's site day."""
    if care_team.clinician_for(user) is not None:
        return reverse("web:desk-my-day")
    return reverse("web:desk-day")


@staff_page()
def staff_home(request):
    return redirect(home_url(request.user))


@staff_page()
def my_day(request):
    member = care_team.clinician_for(request.user)
    if member is None:
        return redirect("web:desk-day")
    zone_name = member.time_zone
    day = parse_day(request.GET.get("date")) or timeutils.local_date(timezone.now(), timeutils.zone(zone_name))
    rows = care_team.clinician_day(user=request.user, member=member, day=day)
    record_read(
        kind="scheduling.appointment",
        patients=[r.appointment.patient_id for r in rows],
        summary=f"own day, staff={member.pk}, {day}",
    )
    return render(
        request,
        "web/desk/my_day.html",
        {
            "member": member,
            "day": day,
            "day_label": formatting.day_label(day, with_year=True),
            "rows": rows,
            "zone_label": formatting.zone_label(zone_name),
            "previous": day - dt.timedelta(days=1),
            "next": day + dt.timedelta(days=1),
        },
    )


@staff_page()
def patients(request):
    query = request.GET.get("q", "").strip()
    results = care_team.search(query=query, user=request.user) if query else []
    if query:
        record_read(kind="scheduling.patient", patients=results, summary=f"patient search, {len(results)} found")
    return render(request, "web/desk/patients.html", {"query": query, "results": results})


def _calendar_url(request, visit: dict) -> str:
    """The calendar day a visit shows on: the clinician's own day, else its site's day."""
    appointment = visit["appointment"]
    if care_team.clinician_for(request.user) is not None:
        return f"{reverse('web:desk-my-day')}?date={visit['day'].isoformat()}"
    location = f"location={appointment.location_id}&" if appointment.location_id else ""
    return f"{reverse('web:desk-day')}?{location}date={visit['day'].isoformat()}"


@staff_page()
def patient(request, patient_id: int):
    found = care_team.patient_for_staff(user=request.user, patient_id=patient_id)
    now = timezone.now()
    today = timeutils.local_date(now, timeutils.zone(found.time_zone))
    visits = care_team.upcoming_visits(user=request.user, patient=found, now=now)
    for visit in visits:
        visit["calendar_url"] = _calendar_url(request, visit)
    clinical = checkin_selectors.may_read_answers(request.user)
    record(
        action=Action.READ,
        target=found,
        patient=found,
        summary="patient page: visits, clearance, REMS" + (", check-in chart" if clinical else ""),
    )
    context = {
        "patient": found,
        "visits": visits,
        "clinical": clinical,
        "clearances": care_team.clearances(patient=found, today=today),
        "rems": care_team.rems_status(patient=found, today=today),
        "alerts": care_team.open_alerts(user=request.user, patient=found),
        "born": formatting.day_label(found.date_of_birth, with_year=True) if found.date_of_birth else "",
    }
    if clinical:
        context.update(patient_chart(patient=found, user=request.user))
    return render(request, "web/desk/patient.html", context)
