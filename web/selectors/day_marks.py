"""The small labelled marks on each visit of the desk's day: whether the patient was reached,
the escort, video or in person, a gate that will refuse the visit, a new patient, an interpreter.
Each mark has short visible text and a full name for screen readers; colour only repeats it.

Read for the whole day at once: notifications and care answer for every visit in one query per
kind of record, never per block."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Min

from care.selectors import readiness_for
from notifications.selectors import reach_for_visits
from scheduling.models import Appointment, AppointmentStatus


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
]


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
