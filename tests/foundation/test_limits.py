"""Limits on what a request may ask for: a page size, an offset, a row id, a day. A value out of
range is a 400 problem that names the parameter (a path id, a 404), never a 500 from the database
or from date arithmetic."""

from __future__ import annotations

import pytest
import time_machine
from drf_spectacular.generators import SchemaGenerator

from api.pagination import MAX_LIMIT
from scheduling.services.booking import book_appointment
from tests.booking.conftest import at, client_for, desk_user, make_clinic, MONDAY, NOW, patient_user

pytestmark = pytest.mark.django_db

BEYOND_BIGINT = "18446744073709551616"
SCHEMA = SchemaGenerator().get_schema(request=None, public=True)
LISTS = ["/api/v1/services", "/api/v1/locations", "/api/v1/staff", "/api/v1/appointments", "/api/v1/course-templates"]


@pytest.fixture
def clinic(db):
    """Phoenix and Tucson; the desk serves Phoenix only."""
    return make_clinic()


@pytest.fixture
def desk(clinic):
    return desk_user("desk", clinic.location)


def book_a_visit(clinic):
    ana = patient_user("ana")
    with time_machine.travel(NOW, tick=False):
        return book_appointment(patient=ana, service=clinic.service, location=clinic.location, start=at(9),
                                actor=ana.user)


def assert_problem(response, status: int, code: str, field: str | None = None) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert (body["status"], body["code"]) == (status, code)
    if field is not None:
        assert field in [error["field"] for error in body["errors"]], body
    return body


@pytest.mark.parametrize("path", LISTS)
def test_a_limit_beyond_the_database_range_is_a_400_on_every_list(path, desk):
    response = client_for(desk).get(path, {"limit": BEYOND_BIGINT})

    assert_problem(response, 400, "invalid_pagination", "limit")


def test_anyone_asking_for_a_huge_page_gets_a_400_not_a_server_error(client, clinic):
    assert_problem(client.get("/api/v1/services", {"limit": BEYOND_BIGINT}), 400, "invalid_pagination", "limit")


def test_a_page_larger_than_the_maximum_is_refused_with_the_maximum_named(clinic, desk):
    client = client_for(desk)

    body = assert_problem(client.get("/api/v1/appointments", {"limit": MAX_LIMIT + 1}), 400, "invalid_pagination",
                          "limit")
    assert str(MAX_LIMIT) in body["detail"]
    assert client.get("/api/v1/appointments", {"limit": MAX_LIMIT}).status_code == 200


@pytest.mark.parametrize(("name", "value"), [
    ("limit", "ten"), ("limit", "0"), ("limit", "-5"), ("limit", "1e3"),
    ("offset", "-1"), ("offset", "first"), ("offset", BEYOND_BIGINT),
])
def test_a_limit_or_offset_that_is_not_a_count_is_a_400_naming_it(name, value, clinic, desk):
    response = client_for(desk).get("/api/v1/appointments", {name: value})

    assert_problem(response, 400, "invalid_pagination", name)


def test_an_empty_limit_means_the_default_page_and_an_offset_past_the_end_an_empty_one(clinic, desk):
    book_a_visit(clinic)
    client = client_for(desk)

    assert client.get("/api/v1/appointments?limit=&offset=").json()["count"] == 1
    assert client.get("/api/v1/appointments", {"offset": 10**12}).json()["results"] == []


def test_the_schema_documents_the_page_bounds_and_the_400_on_every_paginated_list():
    paginated = [(path, operation) for path, operations in SCHEMA["paths"].items()
                 for operation in operations.values()
                 if any(p["name"] == "limit" for p in operation.get("parameters", []))]

    assert {"/api/v1/locations", "/api/v1/course-templates"} <= {path for path, _ in paginated}
    for path, operation in paginated:
        limit = next(p for p in operation["parameters"] if p["name"] == "limit")
        assert limit["schema"]["maximum"] == MAX_LIMIT, path
        assert "400" in operation["responses"], path


ID_PATHS = [(method, path) for path, operations in SCHEMA["paths"].items()
            if "{" in path and "{" not in path.replace("{id}", "").replace("{visit}", "")
            for method in operations if method in ("get", "post", "put", "patch", "delete")]


@pytest.mark.parametrize(("method", "path"), ID_PATHS)
def test_a_path_id_beyond_the_database_range_is_not_found(method, path, desk):
    huge = path.replace("{id}", "99999999999999999999").replace("{visit}", "99999999999999999999")

    response = getattr(client_for(desk), method)(huge, {}, format="json")

    assert_problem(response, 404, "not_found")


def test_the_schema_bounds_path_ids_to_the_database_range():
    parameter = next(p for p in SCHEMA["paths"]["/api/v1/appointments/{id}"]["get"]["parameters"] if p["name"] == "id")

    assert parameter["schema"] == {"type": "integer", "minimum": 1, "maximum": 2**63 - 1}


@pytest.mark.parametrize(("path", "name"), [
    ("/api/v1/appointments", "patient"), ("/api/v1/appointments", "location"), ("/api/v1/appointments", "staff"),
    ("/api/v1/services", "location"), ("/api/v1/staff", "location"), ("/api/v1/care/gate-overrides", "patient"),
])
def test_a_query_id_beyond_the_database_range_is_a_400_naming_it(path, name, desk):
    response = client_for(desk).get(path, {name: BEYOND_BIGINT})

    assert_problem(response, 400, "validation_error", name)


@pytest.mark.parametrize(("path", "query"), [
    ("/api/v1/appointments", {"date": "9999-12-31"}),
    ("/api/v1/appointments", {"date": "0001-01-01"}),
    ("/api/v1/appointments", {"start_from": "9999-12-31T23:00:00-07:00"}),
    ("/api/v1/appointments", {"start_to": "0001-01-01T00:00:00+01:00"}),
    ("/api/v1/care/escorts/missing", {"date": "9999-12-31"}),
])
def test_a_day_outside_the_calendar_we_keep_is_a_400_naming_it(path, query, clinic, desk):
    response = client_for(desk).get(path, query)

    assert_problem(response, 400, "validation_error", next(iter(query)))


@pytest.mark.parametrize("query", [{"start": "9999-12-30T00:00:00Z"}, {"start": "0001-01-01T00:00:00Z"},
                                   {"end": "9999-12-31T12:00:00Z", "start": "9999-12-01T00:00:00Z"},
                                   {"start": "99999-01-01T00:00:00Z"}])
def test_availability_refuses_an_absurd_range_with_a_400(query, client, clinic):
    response = client.get("/api/v1/availability", {"service": clinic.service.code, "location": clinic.location.pk,
                                                   **query})

    assert_problem(response, 400, "validation_error", next(iter(query)))


def test_the_waiting_list_refuses_a_day_outside_the_calendar(clinic):
    response = client_for(clinic.nurse.user).get("/api/v1/telehealth/waiting", {"date": "9999-12-31"})

    assert_problem(response, 400, "validation_error", "date")


def test_a_day_inside_the_calendar_still_lists(clinic, desk):
    book_a_visit(clinic)

    response = client_for(desk).get("/api/v1/appointments", {"date": MONDAY.isoformat()})

    assert response.status_code == 200 and response.json()["count"] == 1
