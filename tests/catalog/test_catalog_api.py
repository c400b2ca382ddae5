"""GET /api/v1/services, /locations and /staff: public, active things only, no private data."""

import pytest
from rest_framework.test import APIClient

from accounts.models import Role
from tests.factories import (
    iv_infusion_service,
    LocationFactory,
    ResourceFactory,
    StaffMemberFactory,
    UserFactory,
    video_therapy_service,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def catalog():
    phoenix = LocationFactory(name="Phoenix")
    LocationFactory(name="Closed site", active=False)
    ResourceFactory(location=phoenix, name="Chair 1")
    iv = iv_infusion_service(locations=[phoenix], code="iv-infusion")
    video = video_therapy_service(code="integration", modality="either", locations=[phoenix])
    iv_infusion_service(code="retired", active=False)
    nurse = StaffMemberFactory(display_name="Nurse Kim", roles=["nurse"], locations=[phoenix])
    therapist = StaffMemberFactory(display_name="Riley Lee", roles=["therapist"], languages=["en", "es"])
    StaffMemberFactory(display_name="Desk person", roles=["front_desk"])
    return {"phoenix": phoenix, "iv": iv, "video": video, "nurse": nurse, "therapist": therapist}


def results(response):
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_anyone_can_list_the_active_services_with_their_phases(catalog):
    services = {s["code"]: s for s in results(APIClient().get("/api/v1/services"))}
    assert set(services) == {"iv-infusion", "integration"}
    iv = services["iv-infusion"]
    assert iv["duration_minutes"] == 85
    assert [(p["name"], p["staff_usage"]) for p in iv["phases"]] == [
        ("Set-up", "exclusive"), ("Infusion", "shared"), ("Recovery", "exclusive")]
    assert iv["location_ids"] == [catalog["phoenix"].id]


def test_a_service_carries_its_spanish_description_beside_the_english_one(catalog):
    catalog["iv"].description, catalog["iv"].description_es = "Rest in a recliner.", "Descanse en un sillón."
    catalog["iv"].save()
    iv = {s["code"]: s for s in results(APIClient().get("/api/v1/services"))}["iv-infusion"]
    assert (iv["description"], iv["description_es"]) == ("Rest in a recliner.", "Descanse en un sillón.")


def test_services_can_be_filtered_to_those_seen_by_video(catalog):
    assert [s["code"] for s in results(APIClient().get("/api/v1/services?modality=video"))] == ["integration"]


def test_locations_show_chairs_and_rooms_to_clinic_staff_only(catalog):
    public = results(APIClient().get("/api/v1/locations"))
    assert [loc["name"] for loc in public] == ["Phoenix"]
    assert "resources" not in public[0]
    client = APIClient()
    client.force_authenticate(UserFactory(role=Role.FRONT_DESK))
    assert results(client.get("/api/v1/locations"))[0]["resources"] == [
        {"id": catalog["phoenix"].resources.get().id, "name": "Chair 1", "kind": "infusion_chair"}]


def test_the_staff_list_shows_clinicians_names_roles_and_languages_and_nothing_private(catalog):
    staff = results(APIClient().get("/api/v1/staff"))
    assert [m["name"] for m in staff] == ["Nurse Kim", "Riley Lee"]
    assert set(staff[0]) == {"id", "name", "roles", "languages", "licensed_states", "location_ids", "time_zone"}
    assert "example.com" not in str(staff)


def test_the_staff_list_filters_by_role_language_and_service(catalog):
    assert [m["name"] for m in results(APIClient().get("/api/v1/staff?language=es"))] == ["Riley Lee"]
    assert [m["name"] for m in results(APIClient().get("/api/v1/staff?service=iv-infusion"))] == ["Nurse Kim"]
    assert [m["name"] for m in results(APIClient().get("/api/v1/staff?role=therapist"))] == ["Riley Lee"]
    bad = APIClient().get("/api/v1/staff?service=nope")
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "service"
