import pytest
from django.core.management import call_command
from knox.models import AuthToken

from accounts.models import Role, User
from tests.factories import PatientFactory, StaffMemberFactory, UserFactory

pytestmark = pytest.mark.django_db


def token_header(user) -> dict:
    return {"HTTP_AUTHORIZATION": f"Token {AuthToken.objects.create(user)[1]}"}


def test_me_needs_a_signed_in_caller_and_says_how_to_sign_in(client):
    response = client.get("/api/v1/me")

    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"
    assert response.json()["code"] == "not_authenticated"


def test_me_tells_a_patient_their_role_and_patient_id(client):
    patient = PatientFactory(user=UserFactory(role=Role.PATIENT), preferred_name="Annie", legal_last_name="Lee")

    body = client.get("/api/v1/me", **token_header(patient.user)).json()

    assert body == {"id": patient.user.pk, "username": patient.user.username, "role": "patient",
                    "display_name": "Annie Lee", "patient_id": patient.pk, "staff_id": None}


def test_me_tells_a_clinician_their_role_and_staff_id(client):
    staff = StaffMemberFactory(display_name="Dr. Rivera")

    body = client.get("/api/v1/me", **token_header(staff.user)).json()

    assert (body["role"], body["staff_id"], body["patient_id"], body["display_name"]) == (
        "clinician", staff.pk, None, "Dr. Rivera")


def test_signing_out_deletes_this_devices_token_and_leaves_the_others_signed_in(client):
    user = UserFactory(role=Role.FRONT_DESK)
    phone, laptop = token_header(user), token_header(user)

    assert client.post("/api/v1/auth/logout", **phone).status_code == 204

    assert AuthToken.objects.filter(user=user).count() == 1
    assert client.get("/api/v1/me", **phone).status_code == 401
    assert client.get("/api/v1/me", **laptop).status_code == 200


def test_signing_out_everywhere_deletes_every_token_of_the_user_only(client):
    user, other = UserFactory(role=Role.PATIENT), UserFactory(role=Role.PATIENT)
    phone, laptop, others = token_header(user), token_header(user), token_header(other)

    assert client.post("/api/v1/auth/logout-all", **phone).status_code == 204

    assert client.get("/api/v1/me", **laptop).status_code == 401
    assert client.get("/api/v1/me", **others).status_code == 200


def test_signing_out_ends_a_browser_session(client):
    user = UserFactory(role=Role.FRONT_DESK)
    client.force_login(user)

    assert client.post("/api/v1/auth/logout").status_code == 204
    assert client.get("/api/v1/me").status_code == 401


def test_createsuperuser_makes_a_clinic_admin_not_a_patient():
    call_command("createsuperuser", username="owner", email="owner@example.com", interactive=False, verbosity=0)

    assert User.objects.get(username="owner").role == Role.ADMIN
