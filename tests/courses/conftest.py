"""The clinic of tests/care (Phoenix: two chairs, a nurse, a therapist), its default course
templates, and a cleared patient."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from scheduling.models import Allocation, Appointment, AppointmentStatus
from scheduling.services.course_templates import create_default_templates
from tests.care.conftest import (  # noqa: F401  (fixtures and helpers shared with tests/care)
    _fast_password_hashing,
    at,
    client_for,
    desk_user,
    frozen,
    iso,
    make_clinic,
    NOW,
    patient_user,
)
from tests.factories import clearance, UserFactory


def templates_for(clinic):
    return {t.code: t for t in create_default_templates(services={
        "iv": clinic.iv, "spravato": clinic.spravato, "integration": clinic.integration, "booster": clinic.iv})}


@pytest.fixture
def clinic(db):
    clinic = make_clinic()
    clinic.templates = templates_for(clinic)
    return clinic


@pytest.fixture
def people(clinic):
    ana = patient_user("ana")
    clearance(ana)
    return SimpleNamespace(ana=ana, desk=desk_user("desk", clinic.phoenix, clinic.tucson, clinic.telehealth),
                           admin=UserFactory(username="admin", role="admin"))


def course_body(clinic, **extra) -> dict:
    return {"template": "iv-induction", "location": clinic.phoenix.pk, "start_from": iso(at(0)), **extra}


def overlapping_exclusive_allocations() -> list[tuple[int, int]]:
    """Pairs of exclusive allocations of one chair or person that overlap in time (must be none)."""
    rows = list(Allocation.objects.filter(exclusive=True).values_list("pk", "staff_id", "resource_id", "start", "end"))
    clashes = []
    for i, (a, staff_a, res_a, start_a, end_a) in enumerate(rows):
        for b, staff_b, res_b, start_b, end_b in rows[i + 1:]:
            same = (staff_a and staff_a == staff_b) or (res_a and res_a == res_b)
            if same and start_a < end_b and start_b < end_a:
                clashes.append((a, b))
    return clashes


def booked_for(patient) -> list[Appointment]:
    return list(Appointment.objects.filter(patient=patient, status=AppointmentStatus.BOOKED).order_by("start"))
