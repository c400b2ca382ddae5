"""A client books from the catalog alone: services carry both `id` and `code`, and every endpoint
that takes a service accepts either."""

import pytest

from scheduling.models import Appointment

from .conftest import at, client_for, iso

pytestmark = pytest.mark.django_db


def test_the_catalog_lists_each_service_with_its_id_and_code(clinic):
    response = client_for_anyone().get("/api/v1/services")
    row = next(r for r in results(response) if r["code"] == "iv")
    assert row["id"] == clinic.service.pk
    locations = results(client_for_anyone().get("/api/v1/locations"))
    assert all("id" in loc for loc in locations)
    staff = results(client_for_anyone().get("/api/v1/staff"))
    assert all("id" in member for member in staff)


@pytest.mark.parametrize("as_code", [True, False], ids=["code", "id"])
def test_a_hold_and_a_booking_take_the_service_by_code_or_id(clinic, people, frozen, as_code):
    service = clinic.service.code if as_code else clinic.service.pk
    client = client_for(people.ana.user)
    hold = client.post("/api/v1/holds", {"service": service, "location": clinic.location.pk, "start": iso(at(9))},
                       format="json")
    assert hold.status_code == 201, hold.content
    booked = client.post("/api/v1/appointments",
                         {"service": service, "location": clinic.location.pk, "start": iso(at(13))}, format="json")
    assert booked.status_code == 201, booked.content
    assert booked.json()["service"] == {"id": clinic.service.pk, "code": "iv", "name": clinic.service.name}
    converted = client.post("/api/v1/appointments", {"hold": hold.json()["id"], "service": service}, format="json")
    assert converted.status_code == 201, converted.content
    assert Appointment.objects.filter(status="booked").count() == 2


@pytest.mark.parametrize("as_code", [True, False], ids=["code", "id"])
def test_availability_and_the_staff_list_take_the_service_by_code_or_id(clinic, frozen, as_code):
    service = clinic.service.code if as_code else clinic.service.pk
    day = "start=2025-03-10T00:00:00-07:00&end=2025-03-11T00:00:00-07:00"
    response = client_for_anyone().get(f"/api/v1/availability?service={service}&location={clinic.location.pk}&{day}")
    assert response.status_code == 200, response.content
    assert response.json()["slots"]
    staff = client_for_anyone().get(f"/api/v1/staff?service={service}")
    assert [m["id"] for m in results(staff)] == [clinic.nurse.pk]


@pytest.mark.parametrize("value", ["no-such-service", "Robert'); DROP", 0, True, 1.5])
def test_a_service_that_is_neither_a_known_code_nor_an_id_is_a_400_naming_the_field(clinic, people, frozen, value):
    response = client_for(people.ana.user).post(
        "/api/v1/holds", {"service": value, "location": clinic.location.pk, "start": iso(at(9))}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["field"] == "service"


def test_the_schema_documents_the_service_field_once_as_an_id_or_a_code():
    from drf_spectacular.generators import SchemaGenerator

    schema = SchemaGenerator().get_schema(request=None, public=True)
    hold = schema["components"]["schemas"]["HoldRequestRequest"]["properties"]["service"]
    assert {alt["type"] for alt in hold["oneOf"]} == {"integer", "string"}
    availability = next(p for p in schema["paths"]["/api/v1/availability"]["get"]["parameters"]
                        if p["name"] == "service")
    assert {alt["type"] for alt in availability["schema"]["oneOf"]} == {"integer", "string"}
    assert "id" in schema["components"]["schemas"]["Service"]["properties"]


def client_for_anyone():
    from rest_framework.test import APIClient

    return APIClient()


def results(response):
    assert response.status_code == 200, response.content
    data = response.json()
    return data["results"] if isinstance(data, dict) else data


def test_a_lean_availability_slot_books_as_it_is_given(clinic, people, frozen):
    day = "start=2025-03-10T00:00:00-07:00&end=2025-03-11T00:00:00-07:00"
    body = client_for_anyone().get(f"/api/v1/availability?service=iv&location={clinic.location.pk}&{day}").json()
    slot = body["slots"][0]
    assert slot == {"start": "2025-03-10T07:00-07:00", "end": "2025-03-10T08:25-07:00"}
    booked = client_for(people.ana.user).post(
        "/api/v1/appointments", {"service": "iv", "location": clinic.location.pk, "start": slot["start"]},
        format="json")
    assert booked.status_code == 201, booked.content
    assert booked.json()["start"] == "2025-03-10T14:00:00Z"
