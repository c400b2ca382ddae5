"""API tokens are per device, hashed at rest and expiring (django-rest-knox); every refused token
gets one clear 401 that says to sign in again, including a plaintext token from before."""

import pytest
from knox.models import AuthToken
from rest_framework.exceptions import AuthenticationFailed

from accounts.authentication import DeviceTokenAuthentication, SIGN_IN_AGAIN
from accounts.models import Role
from tests.factories import PatientFactory, UserFactory

pytestmark = pytest.mark.django_db


def authenticate(token: str):
    return DeviceTokenAuthentication().authenticate_credentials(token.encode())


def test_a_token_signs_in_its_user_and_is_stored_only_as_a_hash():
    patient = PatientFactory(user=UserFactory(role=Role.PATIENT))
    row, token = AuthToken.objects.create(patient.user)

    user, auth = authenticate(token)

    assert user == patient.user and auth == row
    assert token not in row.digest and row.expiry is not None


def test_an_unknown_a_plaintext_and_a_deactivated_users_token_are_refused_with_one_clear_message(client):
    inactive = UserFactory(role=Role.PATIENT, is_active=False)

    for token in ["0" * 64, "9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b", AuthToken.objects.create(inactive)[1]]:
        with pytest.raises(AuthenticationFailed, match="Sign in again"):
            authenticate(token)
    response = client.get("/api/v1/me", HTTP_AUTHORIZATION="Token 9944b09199c62bcf9418ad846dd0e4bbdfc6ee4b")
    assert response.status_code == 401 and response.json()["detail"] == SIGN_IN_AGAIN
