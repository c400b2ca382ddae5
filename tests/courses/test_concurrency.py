"""Patients booking courses at the same moment, in real parallel transactions, never double book
a chair or a nurse and never leave half a course behind."""

from __future__ import annotations

import threading

import pytest
import time_machine
from django.db import connection

from scheduling.models import Appointment, AppointmentStatus, Course, CourseVisit
from tests.courses.conftest import (
    at,
    client_for,
    course_body,
    make_clinic,
    NOW,
    overlapping_exclusive_allocations,
    patient_user,
    templates_for,
)
from tests.factories import clearance

PATIENTS = 4


def book_all_at_once(clinic, patients, body) -> list[int]:
    barrier = threading.Barrier(len(patients))
    statuses: list[int] = []

    def book(patient):
        try:
            client = client_for(patient.user)
            barrier.wait()
            statuses.append(client.post("/api/v1/courses", body, format="json").status_code)
        finally:
            connection.close()

    threads = [threading.Thread(target=book, args=(p,)) for p in patients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return statuses


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_courses_booked_concurrently_never_double_book_and_never_stay_half_booked():
    with time_machine.travel(NOW, tick=False):
        clinic = make_clinic(chairs=1, watch_capacity=1)
        templates_for(clinic)
        patients = [patient_user(f"racer{n}") for n in range(PATIENTS)]
        for patient in patients:
            clearance(patient)
        body = course_body(clinic, with_companions=False, preferences={"times_of_day": ["morning"]},
                           start_by=at(12).isoformat())

        statuses = book_all_at_once(clinic, patients, body)

    assert len(statuses) == PATIENTS
    assert set(statuses) <= {201, 409, 422}
    assert statuses.count(201) >= 1
    assert overlapping_exclusive_allocations() == []
    for patient in patients:
        booked = Appointment.objects.filter(patient=patient, status=AppointmentStatus.BOOKED).count()
        assert booked in (0, 6), f"{patient} has {booked} of 6 visits booked"
    assert Course.objects.count() == statuses.count(201)
    assert CourseVisit.objects.count() == 6 * statuses.count(201)
    assert not Appointment.objects.exclude(status=AppointmentStatus.BOOKED).exists()
