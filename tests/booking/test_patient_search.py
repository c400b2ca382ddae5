"""GET /api/v1/patients?q=: clinic staff find a patient by name, mobile number or date of birth,
among the patients they may see, a page at a time, and every search is audited."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from accounts.models import Role
from audit.models import AuditEntry
from tests.factories import AppointmentFactory, LocationFactory, PatientFactory, StaffMemberFactory, UserFactory

from .conftest import client_for, desk_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def clinic():
    phoenix, tucson = LocationFactory(name="Phoenix"), LocationFactory(name="Tucson")
    ana = PatientFactory(legal_first_name="Ana", legal_last_name="Ruiz", phone="+16025550111",
                         date_of_birth=dt.date(1990, 4, 2))
    ben = PatientFactory(legal_first_name="Benito", legal_last_name="Ruiz", preferred_name="Ben",
                         phone="+15205550122", date_of_birth=dt.date(1985, 7, 9))
    cy = PatientFactory(legal_first_name="Cy", legal_last_name="Ruizdael", date_of_birth=dt.date(1990, 4, 2))
    AppointmentFactory(patient=ana, location=phoenix)
    AppointmentFactory(patient=ben, location=tucson)  # Cy has no visit yet: a new caller any desk may book
    therapist = UserFactory(username="therapist", role=Role.CLINICIAN)
    StaffMemberFactory(user=therapist, display_name="Riley", roles=["therapist"], locations=[tucson])
    return {"ana": ana, "ben": ben, "cy": cy, "desk": desk_user("desk", phoenix), "therapist": therapist}


def search(user, q, **params):
    return client_for(user).get("/api/v1/patients", {"q": q, **params})


def names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [row["name"] for row in response.json()["results"]]


def test_a_single_site_desk_finds_its_own_patients_and_new_callers_never_another_sites(clinic):
    desk = clinic["desk"]
    assert names(search(desk, "ruiz")) == ["Ana Ruiz", "Cy Ruizdael"]  # Ben's visits are in Tucson
    assert names(search(desk, "(602) 555-0111")) == ["Ana Ruiz"]
    assert names(search(desk, "+1 602 555 0111")) == ["Ana Ruiz"]
    assert names(search(desk, "1990-04-02")) == ["Ana Ruiz", "Cy Ruizdael"]
    assert names(search(desk, "04/02/1990")) == ["Ana Ruiz", "Cy Ruizdael"]
    assert names(search(desk, "520-555-0122")) == []
    row = search(desk, "ana ruiz").json()["results"][0]
    assert row == {"id": clinic["ana"].pk, "name": "Ana Ruiz", "legal_first_name": "Ana", "legal_last_name": "Ruiz",
                   "preferred_name": "", "date_of_birth": "1990-04-02", "phone": "+16025550111",
                   "email": clinic["ana"].email, "language": "en", "state": clinic["ana"].state,
                   "time_zone": clinic["ana"].time_zone}


def test_a_therapist_finds_any_patient_by_a_preferred_name_too(clinic):
    assert names(search(clinic["therapist"], "ruiz")) == ["Ana Ruiz", "Ben Ruiz", "Cy Ruizdael"]
    assert names(search(clinic["therapist"], "ben")) == ["Ben Ruiz"]


def test_the_search_is_paginated(clinic):
    first = search(clinic["therapist"], "ruiz", limit=2).json()
    assert first["count"] == 3 and len(first["results"]) == 2 and first["next"]
    second = client_for(clinic["therapist"]).get(first["next"]).json()
    assert [r["name"] for r in second["results"]] == ["Cy Ruizdael"] and second["next"] is None
    assert search(clinic["therapist"], "ruiz", limit=500).json()["code"] == "invalid_pagination"


def test_every_search_is_audited_with_the_patients_it_listed(clinic):
    search(clinic["desk"], "ruiz")
    entries = AuditEntry.objects.filter(actor=clinic["desk"], record_kind="scheduling.patient")
    assert sorted(e.patient_id for e in entries) == sorted([clinic["ana"].pk, clinic["cy"].pk])
    search(clinic["desk"], "nobody")
    assert AuditEntry.objects.filter(actor=clinic["desk"], patient__isnull=True,
                                     summary="patient search, 0 listed").count() == 1


def test_patients_and_visitors_cannot_search_and_a_missing_or_short_query_is_a_400(clinic):
    assert search(UserFactory(username="p", role=Role.PATIENT), "ruiz").status_code == 403
    assert APIClient().get("/api/v1/patients", {"q": "ruiz"}).status_code == 401
    for params in ({}, {"q": "r"}):
        response = client_for(clinic["desk"]).get("/api/v1/patients", params)
        assert response.status_code == 400 and response.json()["errors"][0]["field"] == "q"
