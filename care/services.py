"""Writing the clinical records: screening answers, clearances, REMS enrolment and forms, escorts.

Who may change which record is decided here, not only in the API's permissions: a clearance is
granted and ended by a prescriber; REMS enrolment is recorded by a prescriber for a patient of the
sites they serve, or by a clinic admin."""

from __future__ import annotations

import datetime as dt

from django.db import transaction
from django.utils import timezone

from audit.services import Action, record
from core.errors import Conflict, Forbidden, Unprocessable
from scheduling.models import Appointment, AppointmentStatus, Patient, Service

from . import selectors
from .models import Clearance, ContraindicationScreening, Escort, MonitoringForm, RemsEnrolment, Treatment, VisitCall


def record_screening(*, patient: Patient, answers: dict[str, bool], source: str, details: str = "",
                     actor=None, answered_at: dt.datetime | None = None) -> ContraindicationScreening:
    """Store one complete set of answers; every finding must be answered yes or no."""
    names = [name for name, _ in ContraindicationScreening.FINDINGS]
    missing = [name for name in names if name not in answers]
    if missing:
        raise Unprocessable(f"Answer every screening question; missing: {', '.join(missing)}.",
                            code="screening_incomplete")
    with transaction.atomic():
        screening = ContraindicationScreening.objects.create(
            patient=patient, source=source, details=details, recorded_by=_user(actor),
            answered_at=answered_at or timezone.now(), **{name: bool(answers[name]) for name in names})
        record(action=Action.CREATE, target=screening, actor=_user(actor), summary=f"screening, source {source}")
    return screening


def clear_patient(*, patient: Patient, treatment: str, actor, evaluated_on: dt.date | None = None,
                  expires_on: dt.date | None = None, notes: str = "",
                  screening: ContraindicationScreening | None = None) -> Clearance:
    """A clinician clears the patient for a treatment. The clearance records which screening the
    clinician saw (the newest by default); findings in it must be addressed in `notes`. Without
    an evaluation date, the patient's last completed evaluation visit supplies it."""
    _require_prescriber(actor, "clear a patient for treatment")
    screening = screening or selectors.latest_screening(patient=patient)
    label = Treatment(treatment).label
    if screening is None:
        raise Unprocessable(f"{patient.display_name} has no contraindication screening on record; record the "
                            f"intake answers before clearing for {label}.", code="screening_missing")
    if screening.patient_id != patient.pk:
        raise Unprocessable("That screening belongs to another patient.", code="screening_mismatch")
    findings = screening.findings()
    if findings and not notes.strip():
        raise Unprocessable(f"The screening has findings ({'; '.join(findings)}): say in the notes how they were "
                            "weighed before clearing.", code="findings_not_addressed", findings=findings)
    evaluation = None
    if evaluated_on is None:
        evaluation = selectors.last_completed_evaluation(patient=patient)
        if evaluation is None:
            raise Unprocessable(f"{patient.display_name} has no completed evaluation; complete one (or give the "
                                "date it was done) before clearing.", code="evaluation_missing")
        evaluated_on = selectors.visit_day(evaluation)
    today = timezone.localdate()
    if evaluated_on > today:
        raise Unprocessable("The evaluation date is in the future.", code="evaluation_in_future")
    if expires_on is not None and expires_on < evaluated_on:
        raise Unprocessable("The clearance would expire before the evaluation it rests on.",
                            code="expiry_before_evaluation")
    with transaction.atomic():
        clearance = Clearance.objects.create(patient=patient, treatment=treatment, evaluated_on=evaluated_on,
                                             evaluation=evaluation, screening=screening, cleared_by=actor,
                                             expires_on=expires_on, notes=notes)
        record(action=Action.CREATE, target=clearance, actor=actor, summary=f"clearance for {treatment}")
    return clearance


def revoke_clearance(*, clearance: Clearance, actor, reason: str) -> Clearance:
    _require_prescriber(actor, "end a clearance")
    with transaction.atomic():
        clearance = Clearance.objects.select_for_update().get(pk=clearance.pk)
        if clearance.revoked_at is not None:
            raise Conflict("This clearance was already revoked.", code="already_revoked")
        clearance.revoked_at = timezone.now()
        clearance.revoked_by = actor
        clearance.revoke_reason = reason[:300]
        clearance.save(update_fields=["revoked_at", "revoked_by", "revoke_reason"])
        record(action=Action.CHANGE, target=clearance, actor=actor,
               summary=f"clearance for {clearance.treatment} revoked")
        return clearance


def enrol_in_rems(*, patient: Patient, enrolled_on: dt.date, actor, rems_patient_id: str = "") -> RemsEnrolment:
    """Enrolment satisfies a gate the desk may never override, so only a prescriber (for a patient of
    the sites they serve) or a clinic admin records it."""
    if not selectors.may_record_rems(actor):
        raise Forbidden("Only a prescriber or a clinic admin may record a REMS enrolment.",
                        code="prescriber_or_admin_only")
    if not selectors.serves_patient(user=actor, patient=patient):
        raise Forbidden(f"{patient.display_name} is not a patient of the sites you serve; ask a clinic admin or "
                        "a prescriber there to record the enrolment.", code="patient_outside_your_sites")
    with transaction.atomic():
        enrolment, created = RemsEnrolment.objects.update_or_create(
            patient=patient, defaults={"enrolled_on": enrolled_on, "rems_patient_id": rems_patient_id,
                                       "recorded_by": _user(actor)})
        record(action=Action.CREATE if created else Action.CHANGE, target=enrolment, actor=_user(actor),
               summary=f"REMS enrolment on {enrolled_on}")
    return enrolment


def submit_monitoring_form(*, appointment: Appointment, actor, submitted_on: dt.date | None = None,
                           reference: str = "") -> MonitoringForm:
    if appointment.service.category != Service.Category.ESKETAMINE or appointment.status != AppointmentStatus.COMPLETED:
        raise Unprocessable("A Patient Monitoring Form is filed for a completed Spravato session only.",
                            code="not_a_completed_session")
    with transaction.atomic():
        form, created = MonitoringForm.objects.get_or_create(
            appointment=appointment, defaults={"submitted_on": submitted_on or timezone.localdate(),
                                               "reference": reference, "submitted_by": _user(actor)})
        if not created:
            raise Conflict(f"The form for this session was already submitted on {form.submitted_on:%a %d %b %Y}.",
                           code="form_already_submitted")
        record(action=Action.CREATE, target=form, actor=_user(actor), patient=appointment.patient_id,
               summary=f"monitoring form for appointment {appointment.pk}")
    return form


def record_escort(*, appointment: Appointment, name: str, phone: str, confirmed_adult: bool, relationship: str = "",
                  actor=None) -> Escort:
    """Record (or replace) who takes the patient home from an in-person dosing visit."""
    if not appointment.service.is_dosing or appointment.location_id is None:
        raise Unprocessable("An escort is recorded for in-person dosing visits only.", code="escort_not_needed")
    if appointment.status not in selectors.UPCOMING:
        raise Unprocessable(f"This visit is {appointment.get_status_display().lower()}; no escort can be recorded.",
                            code="visit_not_upcoming")
    if not confirmed_adult:
        raise Unprocessable("The escort must be an adult who will take the patient home; confirm that to record them.",
                            code="escort_not_adult")
    with transaction.atomic():
        escort, created = Escort.objects.update_or_create(
            appointment=appointment, defaults={"name": name, "phone": phone, "relationship": relationship,
                                               "confirmed_adult": True, "recorded_by": _user(actor)})
        record(action=Action.CREATE if created else Action.CHANGE, target=escort, actor=_user(actor),
               patient=appointment.patient_id, summary=f"escort for appointment {appointment.pk}")
    return escort


def _require_prescriber(actor, doing: str) -> None:
    if not selectors.is_prescriber(actor):
        raise Forbidden(f"Only a prescriber may {doing}.", code="prescriber_only")


def _user(actor):
    return actor if getattr(actor, "pk", None) else None


def record_call(*, appointment: Appointment, outcome: str, note: str = "", actor) -> VisitCall:
    """Keep one call the desk made about an upcoming visit; earlier calls stay as its history."""
    if outcome not in VisitCall.Outcome.values:
        raise Unprocessable(f"{outcome!r} is not an outcome of a call.", code="invalid_call_outcome")
    if appointment.status not in selectors.UPCOMING:
        raise Unprocessable(f"This visit is {appointment.get_status_display().lower()}; calls are kept for upcoming "
                            "visits only.", code="visit_not_upcoming")
    with transaction.atomic():
        call = VisitCall.objects.create(appointment=appointment, outcome=outcome, note=note[:300], called_by=actor)
        record(action=Action.CREATE, target=call, actor=actor, patient=appointment.patient_id,
               summary=f"call about appointment {appointment.pk}: {outcome}")
    return call
