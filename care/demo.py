"""Clinical records for demo and benchmark clinics: patients already evaluated and cleared, so
their dosing visits pass the gates as they would in a running clinic. Bulk inserts: these run
for thousands of patients at once."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from scheduling.models import Appointment

from .models import Clearance, ContraindicationScreening, Escort, RemsEnrolment, Treatment

NO_FINDINGS = {name: False for name, _ in ContraindicationScreening.FINDINGS}


def clear_patients(*, patient_ids: Iterable[int], cleared_by, evaluated_on: dt.date,
                   treatments: Iterable[str] = Treatment.values) -> int:
    """A screening without findings and a clearance per treatment for each patient; returns the count."""
    ids = list(patient_ids)
    answered = dt.datetime.combine(evaluated_on, dt.time(16), tzinfo=dt.UTC)
    screenings = ContraindicationScreening.objects.bulk_create([
        ContraindicationScreening(patient_id=pk, answered_at=answered, **NO_FINDINGS) for pk in ids])
    clearances = Clearance.objects.bulk_create([
        Clearance(patient_id=screening.patient_id, treatment=treatment, evaluated_on=evaluated_on, screening=screening,
                  cleared_by=cleared_by, cleared_at=answered) for screening in screenings for treatment in treatments])
    return len(clearances)


def enrol_patients_in_rems(*, patient_ids: Iterable[int], enrolled_on: dt.date) -> int:
    rows = RemsEnrolment.objects.bulk_create([RemsEnrolment(patient_id=pk, enrolled_on=enrolled_on)
                                              for pk in patient_ids])
    return len(rows)


def seed_demo_records(*, clinic: dict, today: dt.date) -> None:
    """The demo clinic's records (a seeder, scheduling.demo): nine in ten patients evaluated and
    cleared by Dr Rivera for every dosing treatment a month ago, two in three enrolled in the
    REMS; the rest show the gates at work."""
    patient_ids = clinic["patients"]
    clinician = clinic["staff"]["dr.rivera"].user
    cleared = [pk for n, pk in enumerate(patient_ids) if n % 10 != 9]
    clear_patients(patient_ids=cleared, cleared_by=clinician, evaluated_on=today - dt.timedelta(days=30))
    enrol_patients_in_rems(patient_ids=[pk for n, pk in enumerate(patient_ids) if n % 3 != 2],
                           enrolled_on=today - dt.timedelta(days=28))


def seed_showcase_records(*, clinic: dict, today: dt.date) -> None:
    """The demo's showcase day (a seeder run after the visits, scheduling.demo): one dosing visit
    with its escort recorded, one without, and one whose patient's clearance lapses the day before."""
    showcase = clinic.get("showcase")
    if not showcase:
        return
    visits = {role: Appointment.objects.select_related("service").get(pk=pk)
              for role, pk in showcase["visits"].items()}
    Escort.objects.create(appointment=visits["escort"], name="Marco Ruiz", phone="+16025559010",
                          relationship="Brother", confirmed_adult=True)
    gate = visits["gate"]
    if gate.service.category in Treatment.values:
        Clearance.objects.filter(patient_id=gate.patient_id, treatment=gate.service.category,
                                 revoked_at__isnull=True).update(expires_on=showcase["day"] - dt.timedelta(days=1))
