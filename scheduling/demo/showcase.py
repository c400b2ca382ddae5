"""The demo's showcase day: the first day from tomorrow on at Phoenix busy enough to carry every
mark the desk's day view shows. Scheduling picks the day and a visit for each mark and sets the
patient's side (a new patient, an interpreter, no mobile); the apps above finish their part in
their seeders run after the visits (`clinic["showcase"]`): notifications the reminders, replies
and a STOP, care the escorts and a clearance that lapses the day before."""

from __future__ import annotations

import datetime as dt

from scheduling import timeutils
from scheduling.models import Allocation, Appointment, AppointmentStatus, Location, Patient
from scheduling.selectors.catalog import clinical_staff

SITE = "Phoenix"
LOOK_AHEAD_DAYS = 14


def _day_visits(location: Location, day: dt.date) -> tuple[list[Appointment], list[Appointment]]:
    """The site's booked visits that day, and the video visits of its clinicians."""
    tz = timeutils.zone(location.time_zone)
    lo, hi = timeutils.day_bounds(day, tz)
    booked = (
        Appointment.objects.filter(status=AppointmentStatus.BOOKED, start__gte=lo, start__lt=hi)
        .select_related("service", "patient")
        .order_by("start", "pk")
    )
    staff = [m.pk for m in clinical_staff(location=location)]
    video_ids = Allocation.objects.filter(staff_id__in=staff, appointment__location__isnull=True).values(
        "appointment_id"
    )
    return list(booked.filter(location=location)), list(booked.filter(location__isnull=True, pk__in=video_ids))


def prepare(*, clinic: dict, today: dt.date) -> dict | None:
    """Pick the day and a visit per mark; None when no day in the next two weeks has enough."""
    location = clinic["sites"].get(SITE)
    if location is None:
        return None
    for offset in range(1, LOOK_AHEAD_DAYS + 1):
        day = today + dt.timedelta(days=offset)
        at_site, video = _day_visits(location, day)
        dosing = [v for v in at_site if v.service.is_dosing]
        # One visit per patient for the texts' marks (a STOP or a missing mobile is the patient's);
        # at the site, so a desk that works only there sees them.
        reachable: list[Appointment] = []
        for visit in at_site:
            if visit.patient_id not in {v.patient_id for v in reachable}:
                reachable.append(visit)
        if len(dosing) >= 3 and video and len(reachable) >= 5:
            break
    else:
        return None
    roles = {
        "escort": dosing[0],
        "no_escort": dosing[1],
        "gate": dosing[2],
        "video": video[0],
        "new": video[0],
        "interpreter": dosing[1],
    }
    roles.update(zip(("reminded", "confirmed", "stop", "failed", "no_mobile"), reachable, strict=False))
    # A new patient: the video visit goes to someone with no visit before it.
    newcomer = Patient.objects.create(
        legal_first_name="Nora",
        legal_last_name="Quintero",
        date_of_birth=dt.date(1991, 4, 12),
        phone="+16025559001",
        email="nora.quintero@example.com",
        state="AZ",
    )
    Appointment.objects.filter(pk=roles["new"].pk).update(patient=newcomer)
    Patient.objects.filter(pk=roles["interpreter"].patient_id).update(interpreter_language="Vietnamese")
    if "no_mobile" in roles:
        Patient.objects.filter(pk=roles["no_mobile"].patient_id).update(
            phone="", sms_consent=False, sms_consent_at=None, sms_consent_source=""
        )
    return {"day": day, "location": location, "visits": {role: visit.pk for role, visit in roles.items()}}
