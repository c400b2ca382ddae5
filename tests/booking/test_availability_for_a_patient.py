"""The desk's availability may name a patient: their gates, their state's licensure (video), their
language and their clock then apply, so every time offered books for them."""

import datetime as dt

import pytest

from accounts.models import Role
from audit.models import AuditEntry
from scheduling.models import Service
from tests.factories import (
    LocationFactory,
    PatientFactory,
    StaffMemberFactory,
    UserFactory,
    video_therapy_service,
    weekly_hours,
)

from .conftest import client_for, desk_user

pytestmark = pytest.mark.django_db

DAY = "start=2025-03-10T00:00:00-07:00&end=2025-03-11T00:00:00-07:00"


@pytest.fixture
def telehealth(frozen):
    virtual = LocationFactory(name="Telehealth", time_zone="America/Phoenix", is_virtual=True)
    # Casey works all day but is licensed in California only; Ari, licensed in Arizona, works 9-11.
    casey = StaffMemberFactory(display_name="Casey", roles=["therapist"], time_zone="America/Los_Angeles",
                               licensed_states=["CA"], languages=["en"])
    weekly_hours(staff=casey, start=dt.time(8), end=dt.time(18))
    ari = StaffMemberFactory(display_name="Ari", roles=["therapist"], time_zone="America/Phoenix",
                             licensed_states=["AZ"], languages=["en", "es"])
    weekly_hours(staff=ari, start=dt.time(9), end=dt.time(11))
    service = video_therapy_service(code="evaluation", name="Video evaluation", is_dosing=False,
                                    category=Service.Category.EVALUATION, slot_step_minutes=30)
    patient = PatientFactory(user=UserFactory(username="ana", role=Role.PATIENT), legal_first_name="Ana",
                             state="AZ", time_zone="America/Phoenix")
    return virtual, service, patient, desk_user("desk", virtual)


def availability(client, service, query=""):
    response = client.get(f"/api/v1/availability?service={service.code}&modality=video&{DAY}{query}")
    assert response.status_code == 200, response.content
    return response.json()


def test_every_video_time_offered_to_the_desk_for_an_arizona_patient_books(telehealth):
    _, service, patient, desk = telehealth
    client = client_for(desk)
    everyone = availability(client, service)["slots"]
    offered = availability(client, service, f"&patient={patient.pk}")
    assert offered["eligibility"]["can_book"] is True
    assert len(offered["slots"]) == 3 < len(everyone)  # Ari's 9:00, 9:30, 10:00 only
    assert offered["time_zone"] == "America/Phoenix"  # the patient's clock
    for slot in offered["slots"]:
        assert slot["start"].endswith("-07:00")
        booked = client.post("/api/v1/appointments", {"service": service.pk, "modality": "video",
                                                      "start": slot["start"], "patient": patient.pk}, format="json")
        assert booked.status_code == 201, (slot["start"], booked.json())
        assert client.post(f"/api/v1/appointments/{booked.json()['id']}/cancel", {}, format="json").status_code == 200
    assert AuditEntry.objects.filter(patient_id=patient.pk, summary="availability for a patient").exists()


def test_the_patients_language_narrows_the_clinicians(telehealth):
    _, service, patient, desk = telehealth
    patient.state = "CA"
    patient.language = "es"
    patient.save()
    offered = availability(client_for(desk), service, f"&patient={patient.pk}")
    assert offered["slots"] == []  # Casey, licensed in California, speaks no Spanish


def test_a_patient_the_caller_may_not_see_or_a_patient_naming_another_is_a_400(telehealth):
    _, service, patient, desk = telehealth
    first = availability(client_for(desk), service, f"&patient={patient.pk}")["slots"][0]
    booked = client_for(desk).post("/api/v1/appointments", {"service": service.pk, "modality": "video",
                                                            "start": first["start"], "patient": patient.pk},
                                   format="json")
    assert booked.status_code == 201  # Ana is now a telehealth patient: Tucson's desk does not see her
    elsewhere = desk_user("elsewhere", LocationFactory(name="Tucson", time_zone="America/Phoenix"))
    other = PatientFactory(user=UserFactory(username="ben", role=Role.PATIENT), legal_first_name="Ben")
    for user, named in ((elsewhere, patient), (other.user, patient)):
        response = client_for(user).get(f"/api/v1/availability?service={service.code}&modality=video&{DAY}"
                                        f"&patient={named.pk}")
        assert response.status_code == 400 and response.json()["errors"][0]["field"] == "patient"
