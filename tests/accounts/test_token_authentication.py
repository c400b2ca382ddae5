"""The API token scheme: one query finds the token, its user and the user's patient record, and
what it hands back is what the ORM would have loaded."""

import datetime as dt

import pytest
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed

from accounts.authentication import ExpiringTokenAuthentication
from accounts.models import Role
from scheduling.models import Patient
from tests.factories import PatientFactory, StaffMemberFactory, UserFactory

pytestmark = pytest.mark.django_db


def authenticate(key: str):
    return ExpiringTokenAuthentication().authenticate_credentials(key)


def test_a_patients_token_brings_the_user_and_the_patient_record_in_one_query(django_assert_num_queries):
    patient = PatientFactory(user=UserFactory(role=Role.PATIENT), legal_first_name="Ana", preferred_name="Annie",
                             date_of_birth=dt.date(1979, 2, 28))
    key = Token.objects.create(user=patient.user).key

    with django_assert_num_queries(1):
        user, token = authenticate(key)
        record = user.patient
        assert record.user is user and token.user is user

    assert (user.pk, user.role, user.username) == (patient.user.pk, Role.PATIENT, patient.user.username)
    assert (record.pk, record.legal_first_name, record.preferred_name) == (patient.pk, "Ana", "Annie")
    assert record.date_of_birth == dt.date(1979, 2, 28)  # a date on SQLite too, not its text
    assert token.key == key and token.created.tzinfo is not None


def test_a_staff_token_knows_the_user_has_no_patient_record_without_asking_again(django_assert_num_queries):
    staff = StaffMemberFactory(display_name="Dr. Rivera")
    key = Token.objects.create(user=staff.user).key

    with django_assert_num_queries(1):
        user, _ = authenticate(key)
        with pytest.raises(Patient.DoesNotExist):
            user.patient
    assert user.role == Role.CLINICIAN and user == staff.user


def test_an_unknown_token_and_a_deactivated_users_token_are_refused():
    with pytest.raises(AuthenticationFailed, match="Invalid token"):
        authenticate("0" * 40)

    user = UserFactory(role=Role.PATIENT, is_active=False)
    with pytest.raises(AuthenticationFailed, match="inactive"):
        authenticate(Token.objects.create(user=user).key)
