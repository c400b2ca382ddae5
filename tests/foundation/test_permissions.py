"""Role checks decide on the server, whatever a page shows."""

import pytest
from django.contrib.auth.models import AnonymousUser
from rest_framework.test import APIRequestFactory

from accounts.models import Role
from api.permissions import IsClinicAdmin, IsClinician, IsClinicStaff, IsFrontDesk, IsPatient
from tests.factories import PatientFactory, UserFactory

pytestmark = pytest.mark.django_db

CLASSES = [IsPatient, IsFrontDesk, IsClinician, IsClinicStaff, IsClinicAdmin]
ALLOWED = {
    Role.PATIENT: {IsPatient},
    Role.FRONT_DESK: {IsFrontDesk, IsClinicStaff},
    Role.CLINICIAN: {IsClinician, IsClinicStaff},
    Role.ADMIN: {IsFrontDesk, IsClinician, IsClinicStaff, IsClinicAdmin},
}


def allowed(user) -> set:
    request = APIRequestFactory().get("/")
    request.user = user
    return {cls for cls in CLASSES if cls().has_permission(request, view=None)}


@pytest.mark.parametrize("role", list(Role))
def test_each_role_passes_exactly_its_own_checks(role):
    user = UserFactory(role=role)
    if role == Role.PATIENT:
        PatientFactory(user=user)

    assert allowed(user) == ALLOWED[role]


def test_nobody_passes_a_role_check_without_signing_in():
    assert allowed(AnonymousUser()) == set()


def test_a_disabled_account_passes_no_role_check():
    assert allowed(UserFactory(role=Role.ADMIN, is_active=False)) == set()


def test_a_patient_account_without_a_patient_record_is_not_a_patient():
    assert allowed(UserFactory(role=Role.PATIENT)) == set()
