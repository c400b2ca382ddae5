"""The small labelled marks on each visit of the desk's day: whether the patient was reached,
the escort, video or in person, a gate that will refuse the visit, a new patient, an interpreter.
Each mark has short visible text and a full name for screen readers; colour only repeats it.

Read for the whole day at once: notifications and care answer for every visit in one query per
kind of record, never per block."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Max, Min, Q

from care.selectors import readiness_for
from notifications.selectors import reach_for_visits
from scheduling.models import Appointment, AppointmentStatus
from waitlist.models import Offer, OfferStatus
from waitlist.selectors import visible_freed


@dataclass(frozen=True)
class Mark:
    key: str
    short: str
    label: str
    warn: bool = False


NOT_REACHED = {"stop": "replied STOP", "failed": "the text failed", "no_mobile": "no mobile number"}
NOT_REACHED_SHORT = {"stop": "STOP", "failed": "Failed", "no_mobile": "No mobile"}

# What each mark's short text means, in the order the marks appear on a block.
LEGEND = [
    ("reminded", "Rem", "Reminded by text"),
    ("confirmed", "Conf", "Confirmed by reply"),
    ("not-reached", "STOP / Failed / No mobile", "Not reached: replied STOP, the text failed, or no mobile number"),
    ("escort", "Escort", "Escort recorded"),
    ("no-escort", "No escort", "Escort missing (in-person dosing visit)"),
    ("video", "Video", "Video visit"),
    ("in-person", "In person", "In person at the site"),
    ("gate", "Gate", "A clinical gate will block the visit (clearance, REMS)"),
    ("new", "New", "New patient (no completed visit yet)"),
    ("interpreter", "Interp", "Interpreter needed"),
    ("offered", "Offered to the waitlist until …", "Freed time with a waitlist offer in flight, until it lapses; opens the waitlist"),
]


@dataclass(frozen=True)
class OfferedSpan:
    """Freed time with a waitlist offer in flight: the span, when the last live offer lapses, and
    the clinician every live offer names (None when they name none or differ)."""

    freed_id: int
    service_id: int
    location_id: int | None
    start: dt.datetime
    end: dt.datetime
    until: dt.datetime
    staff_id: int | None
    hold_id: int | None = None


def offered_spans(*, user, location, staff_ids, lo: dt.datetime, hi: dt.datetime, now: dt.datetime) -> list[OfferedSpan]:
    """The day's freed time at `location` (or by video with one of `staff_ids`) that has an offer
    in flight (sent, with or without a hold, not yet lapsed), in one query for the whole day."""
    rows = (
        Offer.objects.filter(status=OfferStatus.SENT, expires_at__gt=now, freed__start__lt=hi, freed__end__gt=lo,
                             freed__in=visible_freed(user=user))
        .filter(Q(freed__location=location) | Q(freed__location__isnull=True, staff_id__in=staff_ids))
        .values("freed_id", "freed__service_id", "freed__location_id", "freed__start", "freed__end")
        .annotate(until=Max("expires_at"), staff_lo=Min("staff_id"), staff_hi=Max("staff_id"),
                  hold=Max("hold_id"))
        .order_by("freed__start", "freed_id")
    )
    return [OfferedSpan(freed_id=r["freed_id"], service_id=r["freed__service_id"],
                        location_id=r["freed__location_id"], start=r["freed__start"], end=r["freed__end"],
                        until=r["until"], staff_id=r["staff_lo"] if r["staff_lo"] == r["staff_hi"] else None, hold_id=r["hold"])
            for r in rows]


def marks_for(visits: list[Appointment], *, today: dt.date) -> dict[int, list[Mark]]:
    """Every visit's marks, keyed by appointment id."""
    if not visits:
        return {}
    ids = [v.pk for v in visits]
    reach = reach_for_visits(appointment_ids=ids)
    ready = readiness_for(visits=visits, today=today)
    first_done = dict(
        Appointment.objects.filter(patient_id__in={v.patient_id for v in visits}, status=AppointmentStatus.COMPLETED)
        .values("patient_id")
        .annotate(first=Min("start"))
        .values_list("patient_id", "first")
    )
    answer: dict[int, list[Mark]] = {}
    for visit in visits:
        marks: list[Mark] = []
        heard = reach.get(visit.pk)
        if heard is not None and heard.state == "confirmed":
            marks.append(Mark("confirmed", "Conf", "Confirmed by reply"))
        elif heard is not None and heard.state == "reminded":
            marks.append(Mark("reminded", "Rem", "Reminded by text"))
        elif heard is not None and heard.state == "not_reached":
            marks.append(
                Mark("not-reached", NOT_REACHED_SHORT[heard.why], f"Not reached: {NOT_REACHED[heard.why]}", warn=True)
            )
        readiness = ready.get(visit.pk)
        if readiness is not None and readiness.escort is not None:
            marks.append(
                Mark("escort", "Escort", "Escort recorded")
                if readiness.escort
                else Mark("no-escort", "No escort", "Escort missing", warn=True)
            )
        marks.append(
            Mark("video", "Video", "Video visit")
            if visit.location_id is None
            else Mark("in-person", "In person", "In person")
        )
        for problem in readiness.gate_problems if readiness is not None else ():
            marks.append(Mark("gate", "Gate", f"Gate will block: {problem}", warn=True))
        first = first_done.get(visit.patient_id)
        if first is None or first >= visit.start:
            marks.append(Mark("new", "New", "New patient"))
        if visit.patient.interpreter_language:
            marks.append(Mark("interpreter", "Interp", f"Interpreter needed: {visit.patient.interpreter_language}"))
        answer[visit.pk] = marks
    return answer
