"""GET /api/v1/availability: slots with local times, visibility by role, and 400s that name the
parameter."""

import datetime as dt

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from accounts.models import Role
from scheduling.models import WorkingHours
from tests.factories import (
    iv_infusion_service,
    LocationFactory,
    PatientFactory,
    ResourceFactory,
    StaffMemberFactory,
    UserFactory,
    video_therapy_service,
    weekly_hours,
    WorkingHoursFactory,
)

pytestmark = pytest.mark.django_db

URL = "/api/v1/availability"
DAY = "start=2030-03-11T00:00:00-07:00&end=2030-03-12T00:00:00-07:00"


@pytest.fixture(autouse=True)
def fresh_throttle():
    cache.clear()


@pytest.fixture
def clinic():
    phoenix = LocationFactory(name="Phoenix", time_zone="America/Phoenix")
    weekly_hours(location=phoenix)
    ResourceFactory(location=phoenix, name="Chair 1")
    nurse = StaffMemberFactory(display_name="Nurse Kim", locations=[phoenix])
    weekly_hours(staff=nurse)
    iv = iv_infusion_service(locations=[phoenix], code="iv-infusion", horizon_days=3650)
    therapist = StaffMemberFactory(display_name="Riley Lee", roles=["therapist"], time_zone="America/Los_Angeles",
                                   licensed_states=["AZ", "CA"])
    weekly_hours(staff=therapist)
    video = video_therapy_service(code="integration", horizon_days=3650)
    return {"phoenix": phoenix, "nurse": nurse, "iv": iv, "video": video, "therapist": therapist}


def get(query: str, user=None):
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client.get(f"{URL}?{query}")


def test_the_public_sees_slots_with_local_times_but_no_names_for_a_service_without_choice(clinic):
    response = get(f"service=iv-infusion&location={clinic['phoenix'].id}&{DAY}&detail=full")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["earliest"] == body["slots"][0]
    first = body["slots"][0]
    assert (first["start"], first["local_start"], first["time_zone"]) == (
        "2030-03-11T16:00:00Z", "2030-03-11T09:00:00-07:00", "America/Phoenix")
    assert first["staff"] is None
    assert [(p["phase"], p["staff"], p["resource"]) for p in first["phases"]] == [
        ("Set-up", None, None), ("Infusion", None, None), ("Recovery", None, None)]


def test_clinic_staff_see_the_nurse_and_the_chair(clinic):
    body = get(f"service=iv-infusion&location={clinic['phoenix'].id}&{DAY}&detail=full",
               UserFactory(role=Role.FRONT_DESK)).json()
    phases = body["slots"][0]["phases"]
    assert phases[0]["staff"] == {"id": clinic["nurse"].id, "name": "Nurse Kim"}
    assert phases[2]["resource"]["name"] == "Chair 1"


def test_a_video_visit_shows_the_patients_and_the_clinicians_clock(clinic):
    response = get("service=integration&modality=video&time_zone=America/Phoenix&detail=full&"
                   "start=2030-01-14T00:00:00-07:00&end=2030-01-15T00:00:00-07:00")
    first = response.json()["slots"][0]
    # 09:00 in Los Angeles (winter, UTC-8) is 10:00 in Phoenix.
    assert first["local_start"] == "2030-01-14T10:00:00-07:00"
    assert first["clinician_time_zone"] == "America/Los_Angeles"
    assert first["clinician_local_start"] == "2030-01-14T09:00:00-08:00"
    assert first["staff"] == [{"id": clinic["therapist"].id, "name": "Riley Lee"}]


def test_a_signed_in_patient_sees_video_slots_on_their_own_clock_and_only_licensed_clinicians(clinic):
    user = UserFactory(role=Role.PATIENT)
    PatientFactory(user=user, state="TX", time_zone="America/Chicago")
    body = get("service=integration&modality=video&start=2030-01-14T00:00:00-06:00&end=2030-01-15T00:00:00-06:00",
               user).json()
    assert body["slots"] == []
    user.patient.state = "CA"
    user.patient.save()
    body = get("service=integration&modality=video&start=2030-01-14T00:00:00-06:00&end=2030-01-15T00:00:00-06:00",
               user).json()
    assert body["slots"][0]["start"] == "2030-01-14T11:00-06:00"


def test_a_staff_only_service_needs_a_staff_user(clinic):
    clinic["iv"].bookable_online = False
    clinic["iv"].save()
    query = f"service=iv-infusion&location={clinic['phoenix'].id}&{DAY}"
    refused = get(query)
    assert refused.status_code == 403 and refused.json()["code"] == "staff_only"
    assert get(query, UserFactory(role=Role.CLINICIAN)).status_code == 200


@pytest.mark.parametrize("query, field, says", [
    ("service=nope&location={loc}&" + DAY, "service", "No service has the code 'nope'"),
    ("location={loc}&" + DAY, "service", "required"),
    ("service=iv-infusion&location=999999&" + DAY, "location", "No location has the id 999999"),
    ("service=iv-infusion&location={loc}&start=2030-03-12T00:00:00Z&end=2030-03-11T00:00:00Z", "end",
     "end must be after start"),
    ("service=iv-infusion&location={loc}&start=2030-03-01T00:00:00Z&end=2030-05-03T00:00:00Z", "end",
     "at most 62 days"),
    ("service=iv-infusion&location={loc}&start=2030-03-11T09:00:00&end=2030-03-12T00:00:00Z", "start",
     "Include a UTC offset"),
    ("service=iv-infusion&location={loc}&start=yesterday", "start", "ISO 8601"),
    ("service=iv-infusion&location={loc}&modality=video&" + DAY, "location", "not both"),
    ("service=iv-infusion&modality=video&" + DAY, "modality", "not offered by video"),
    ("service=iv-infusion&" + DAY, "location", "Choose a location"),
    ("service=integration&location={loc}&" + DAY, "location", "video only"),
    ("service=iv-infusion&location={loc}&language=fr&" + DAY, "language", "not a valid choice"),
    ("service=iv-infusion&location={loc}&time_zone=Mars/Olympus&" + DAY, "time_zone", "not a known IANA time zone"),
    ("service=iv-infusion&location={loc}&staff={therapist}&" + DAY, "staff", "is not a nurse"),
])
def test_a_bad_parameter_is_a_400_problem_that_names_it(clinic, query, field, says):
    response = get(query.format(loc=clinic["phoenix"].id, therapist=clinic["therapist"].id))
    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith("application/problem+json")
    body = response.json()
    assert body["errors"][0]["field"] == field
    assert says in body["detail"]


def test_an_offset_whose_plus_sign_was_not_url_encoded_is_still_understood(clinic):
    response = get(f"service=iv-infusion&location={clinic['phoenix'].id}"
                   "&start=2030-03-11T16:00:00+00:00&end=2030-03-11T17:00:00+00:00".replace("+", " "))
    assert response.status_code == 200
    assert response.json()["slots"][0]["start"] == "2030-03-11T09:00-07:00"


def test_a_closed_day_answers_no_slots_and_no_earliest(clinic):
    WorkingHours.objects.filter(location=clinic["phoenix"]).delete()
    body = get(f"service=iv-infusion&location={clinic['phoenix'].id}&{DAY}").json()
    assert body["slots"] == [] and body["earliest"] is None


def test_availability_is_throttled_under_its_own_scope(clinic, monkeypatch):
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"availability": "2/minute"})
    query = f"service=iv-infusion&location={clinic['phoenix'].id}&{DAY}"
    assert [get(query).status_code for _ in range(3)] == [200, 200, 429]


def test_the_endpoint_is_documented_with_its_parameters_and_problem_responses():
    schema = APIClient().get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/v1/availability"]["get"]
    assert {p["name"] for p in operation["parameters"]} >= {"service", "location", "modality", "start", "end",
                                                             "staff", "language"}
    assert "application/problem+json" in operation["responses"]["400"]["content"]
    assert operation["responses"]["200"]["content"]["application/json"]["examples"]


def test_the_repeated_hour_on_fall_back_day_shows_both_offsets(clinic):
    san_diego = LocationFactory(name="San Diego", time_zone="America/Los_Angeles")
    WorkingHoursFactory(location=san_diego, weekday=6, start_time=dt.time(0), end_time=dt.time(4))
    ResourceFactory(location=san_diego, name="Chair A")
    nurse = clinic["nurse"]
    nurse.locations.add(san_diego)
    clinic["iv"].locations.add(san_diego)
    WorkingHours.objects.filter(staff=nurse).update(location_for_staff=clinic["phoenix"])
    WorkingHoursFactory(staff=nurse, weekday=6, start_time=dt.time(0), end_time=dt.time(4),
                        location_for_staff=san_diego)
    body = get(f"service=iv-infusion&location={san_diego.id}"
               "&start=2030-11-03T00:00:00-07:00&end=2030-11-03T03:00:00-08:00").json()
    starts = [s["start"] for s in body["slots"]]
    assert "2030-11-03T01:00-07:00" in starts and "2030-11-03T01:00-08:00" in starts
    assert len(starts) == len(set(starts))


# --- Lean by default, the rest with detail=full, day groups on request, gzip ------------------


def test_by_default_each_slot_is_its_start_and_end_on_the_local_clock_only(clinic):
    body = get(f"service=iv-infusion&location={clinic['phoenix'].id}&{DAY}",
               UserFactory(role=Role.FRONT_DESK)).json()
    assert body["time_zone"] == "America/Phoenix"
    assert body["slots"][0] == body["earliest"] == {"start": "2030-03-11T09:00-07:00", "end": "2030-03-11T10:25-07:00"}
    assert all(set(slot) == {"start", "end"} for slot in body["slots"])
    full = get(f"service=iv-infusion&location={clinic['phoenix'].id}&{DAY}&detail=full",
               UserFactory(role=Role.FRONT_DESK)).json()
    assert [s["local_start"][:16] for s in full["slots"]] == [s["start"][:16] for s in body["slots"]]
    assert [dt.datetime.fromisoformat(s["end"]) for s in full["slots"]] == [
        dt.datetime.fromisoformat(s["end"]) for s in body["slots"]]
    assert {"phases", "staff", "local_end", "time_zone"} <= set(full["slots"][0])
    assert len(response_bytes(body)) < len(response_bytes(full)) / 3


def response_bytes(body) -> bytes:
    import json

    return json.dumps(body, separators=(",", ":")).encode()


def test_group_day_groups_the_slots_by_their_local_day(clinic):
    two_days = "start=2030-03-11T00:00:00-07:00&end=2030-03-13T00:00:00-07:00"
    flat = get(f"service=iv-infusion&location={clinic['phoenix'].id}&{two_days}").json()
    grouped = get(f"service=iv-infusion&location={clinic['phoenix'].id}&{two_days}&group=day").json()
    assert "slots" not in grouped
    assert [day["date"] for day in grouped["days"]] == ["2030-03-11", "2030-03-12"]
    assert [slot for day in grouped["days"] for slot in day["slots"]] == flat["slots"]
    assert all(slot["start"].startswith(day["date"]) for day in grouped["days"] for slot in day["slots"])


def test_availability_is_gzipped_when_the_client_accepts_it_and_other_answers_are_not(clinic):
    import gzip
    import json

    url = f"{URL}?service=iv-infusion&location={clinic['phoenix'].id}&{DAY}"
    plain = APIClient().get(url)
    zipped = APIClient().get(url, HTTP_ACCEPT_ENCODING="gzip, deflate, br")
    assert "Content-Encoding" not in plain
    assert zipped["Content-Encoding"] == "gzip" and "Accept-Encoding" in zipped["Vary"]
    assert json.loads(gzip.decompress(zipped.content)) == plain.json()
    services = APIClient().get("/api/v1/services", HTTP_ACCEPT_ENCODING="gzip")
    assert "Content-Encoding" not in services


def test_an_unknown_detail_or_group_is_a_400_naming_it(clinic):
    for query, field in (("detail=everything", "detail"), ("group=week", "group")):
        response = get(f"service=iv-infusion&location={clinic['phoenix'].id}&{DAY}&{query}")
        assert response.status_code == 400 and response.json()["errors"][0]["field"] == field
