"""One definition of whose records a staff member may read, walked over every patient id.

A front-desk user at one site (Phoenix, no video) sees the patients with a visit there, in any
status, and the callers with no visit yet; every other patient is a 404 on every patient-scoped
endpoint and page, exactly like an id that does not exist, and is never found by the search.
The care team sees every patient; a deactivated user or staff record sees none.
"""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
import time_machine
from django.test import Client
from rest_framework.test import APIClient

from accounts.models import Role
from checkins import links
from checkins.models import CheckIn, RiskAlert
from scheduling.models import AppointmentStatus, StaffMember
from scheduling.selectors.appointments import visible_patients
from tests.factories import (
    AppointmentFactory,
    clearance,
    LocationFactory,
    PatientFactory,
    ServiceFactory,
    StaffMemberFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

NOW = dt.datetime(2025, 3, 3, 15, 0, tzinfo=dt.UTC)
# Every API endpoint and page that names a patient in its path (the access matrix lists the routes).
PATIENT_READS = [
    "/api/v1/patients/{id}/checkins",
    "/api/v1/care/patients/{id}",
    "/clinician/patients/{id}/checkins/",
    "/desk/book/{id}",
]


@pytest.fixture
def world(db):
    phoenix = LocationFactory(name="Phoenix")
    san_diego = LocationFactory(name="San Diego", time_zone="America/Los_Angeles", state="CA")
    video = LocationFactory(name="Telehealth", is_virtual=True, state="", address="")
    service = ServiceFactory(name="IV infusion", is_dosing=True, locations=[phoenix, san_diego])

    def patient(last_name: str, *visits):
        person = PatientFactory(legal_first_name="Pat", legal_last_name=last_name)
        for location, status in visits:
            AppointmentFactory(patient=person, service=service, location=location, status=status,
                               modality="video" if location is None else "in_person")
        return person

    booked = AppointmentStatus.BOOKED
    patients = {
        "phoenix": patient("Phoenixian", (phoenix, booked)),
        "cancelled_at_phoenix": patient("Cancelledphx", (phoenix, AppointmentStatus.CANCELLED)),
        "both_sites": patient("Bothsites", (phoenix, booked), (san_diego, booked)),
        "new_caller": patient("Newcaller"),
        "san_diego": patient("Sandiegan", (san_diego, booked)),
        "video_only": patient("Videoonly", (None, booked)),
    }
    # The leak the tester found: a San Diego patient's dosing visit and open suicide-risk alert.
    visit = patients["san_diego"].appointments.get()
    nonce = links.new_nonce()
    checkin = CheckIn.objects.create(patient=patients["san_diego"], appointment=visit, location=san_diego,
                                     step_key="24h", sections=["mood"], due_at=NOW, expires_at=NOW + dt.timedelta(days=2),
                                     link_nonce=nonce, token_hash=links.hash_token(links.token_from_nonce(nonce)))
    RiskAlert.objects.create(patient=patients["san_diego"], checkin=checkin, location=san_diego, created_at=NOW)
    clearance(patients["san_diego"], notes="Reviewed cardiology letter")

    desk = UserFactory(username="desk.phoenix", role=Role.FRONT_DESK)
    StaffMemberFactory(user=desk, display_name="Phoenix Desk", roles=["front_desk"], locations=[phoenix])
    therapist = UserFactory(username="therapist", role=Role.CLINICIAN)
    StaffMemberFactory(user=therapist, display_name="Therapist", roles=["therapist"], locations=[video])
    return SimpleNamespace(patients=patients, desk=desk, therapist=therapist, phoenix=phoenix, video=video)


@pytest.fixture(autouse=True)
def _now():
    with time_machine.travel(NOW, tick=False):
        yield


IN_PHOENIX_SCOPE = {"phoenix", "cancelled_at_phoenix", "both_sites", "new_caller"}


def get(user, path: str):
    if path.startswith("/api/"):
        client = APIClient()
        client.force_authenticate(user)
    else:
        client = Client()
        client.force_login(user)
    return client.get(path)


def test_a_single_site_desk_reads_its_own_patients_and_gets_404_for_every_other_patient_id(world):
    missing = max(p.pk for p in world.patients.values()) + 1000
    problems = []
    for name, patient in [*world.patients.items(), ("does_not_exist", SimpleNamespace(pk=missing))]:
        wanted = 200 if name in IN_PHOENIX_SCOPE else 404
        for template in PATIENT_READS:
            status = get(world.desk, template.format(id=patient.pk)).status_code
            if status != wanted:
                problems.append(f"{name} {template}: {status}, wanted {wanted}")

    assert problems == []


def test_another_sites_patient_answers_exactly_like_one_that_does_not_exist(world):
    other = get(world.desk, f"/api/v1/patients/{world.patients['san_diego'].pk}/checkins").json()
    missing = get(world.desk, "/api/v1/patients/999999/checkins").json()

    assert (other["status"], other["code"]) == (missing["status"], missing["code"]) == (404, "patient_not_found")


def test_writes_naming_another_sites_patient_are_refused_like_a_missing_patient(world):
    client = APIClient()
    client.force_authenticate(world.desk)
    answers = dict.fromkeys(("uncontrolled_hypertension", "psychosis_or_mania", "pregnancy",
                             "aneurysmal_vascular_disease", "intracerebral_hemorrhage", "hypersensitivity",
                             "substance_use"), False)

    def screening_for(pk):
        return client.post("/api/v1/care/screenings", {"patient": pk, "answers": answers}, format="json")

    assert screening_for(world.patients["phoenix"].pk).status_code == 201
    assert screening_for(world.patients["new_caller"].pk).status_code == 201
    refused = screening_for(world.patients["san_diego"].pk)
    assert refused.status_code == 400
    assert refused.json()["errors"] == [{"field": "patient", "code": "invalid",
                                         "message": f"There is no patient {world.patients['san_diego'].pk}."}]
    overrides = client.get(f"/api/v1/care/gate-overrides?patient={world.patients['video_only'].pk}")
    assert overrides.status_code == 400


def test_the_desks_patient_search_finds_its_sites_patients_and_new_callers_only(world):
    page = get(world.desk, "/desk/book?q=Pat").content.decode()

    found = {name for name, patient in world.patients.items() if patient.legal_last_name in page}
    assert found == IN_PHOENIX_SCOPE


def test_a_desk_covering_telehealth_also_sees_patients_with_only_video_visits(world):
    world.desk.staff_member.locations.add(world.video)

    assert get(world.desk, f"/api/v1/care/patients/{world.patients['video_only'].pk}").status_code == 200
    assert get(world.desk, f"/api/v1/care/patients/{world.patients['san_diego'].pk}").status_code == 404


def test_the_care_team_sees_every_patient(world):
    for patient in world.patients.values():
        assert get(world.therapist, f"/api/v1/patients/{patient.pk}/checkins").status_code == 200
        assert get(world.therapist, f"/clinician/patients/{patient.pk}/checkins/").status_code == 200
    body = get(world.therapist, f"/api/v1/patients/{world.patients['san_diego'].pk}/checkins").json()
    assert body["checkins"][0]["risk_alert"] is not None


def test_a_deactivated_staff_record_sees_no_patient_whatever_the_role(world):
    StaffMember.objects.filter(user__in=[world.desk, world.therapist]).update(active=False)

    for user in (world.desk, world.therapist):
        user.refresh_from_db()
        assert list(visible_patients(user=user)) == []
        assert get(user, f"/api/v1/patients/{world.patients['phoenix'].pk}/checkins").status_code == 404
    assert get(world.desk, "/api/v1/appointments").json()["results"] == []


def test_a_deactivated_user_sees_nothing(world):
    world.desk.is_active = False
    world.desk.save(update_fields=["is_active"])

    assert list(visible_patients(user=world.desk)) == []
    assert get(world.desk, f"/api/v1/care/patients/{world.patients['phoenix'].pk}").status_code in (401, 403)


def test_the_desk_reads_clearance_state_and_expiry_but_never_the_notes(world):
    other_desk = UserFactory(username="desk.sd", role=Role.FRONT_DESK)
    StaffMemberFactory(user=other_desk, roles=["front_desk"],
                       locations=[world.patients["san_diego"].appointments.get().location])
    pk = world.patients["san_diego"].pk

    as_desk = get(other_desk, f"/api/v1/care/patients/{pk}").json()
    as_care_team = get(world.therapist, f"/api/v1/care/patients/{pk}").json()

    desk_clearance, team_clearance = as_desk["clearances"][0], as_care_team["clearances"][0]
    assert (desk_clearance["state"], desk_clearance["expires_on"], desk_clearance["treatment"]) == (
        team_clearance["state"], team_clearance["expires_on"], team_clearance["treatment"])
    assert desk_clearance["notes"] is None and team_clearance["notes"] == "Reviewed cardiology letter"
    assert desk_clearance["screening"]["answers"] is None and desk_clearance["screening"]["findings"] is None
    assert team_clearance["screening"]["answers"]["pregnancy"] is False

