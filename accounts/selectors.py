"""Reads for sign-in: which patient a phone or email belongs to, and who a signed-in user is.

Patients live in scheduling, which sits above accounts: accounts reaches the patient model
through its own sign-in code's foreign key and a user's reverse relations (`user.patient`,
`user.staff_member`) instead of importing it."""

from dataclasses import dataclass

from django.core.exceptions import ObjectDoesNotExist

from .destinations import Destination
from .models import OneTimeCode, User


def patient_model():
    """The model a sign-in code is for (scheduling's Patient), by OneTimeCode.patient."""
    return OneTimeCode._meta.get_field("patient").related_model


def patients_for_destination(*, destination: Destination) -> list:
    """Patients whose phone (exact E.164) or email (any case) is this destination."""
    patients = patient_model().objects.select_related("user")
    if destination.is_sms:
        matches = patients.filter(phone=destination.address)
    else:
        matches = patients.filter(email__iexact=destination.address)
    return list(matches[:2])


@dataclass(frozen=True)
class Identity:
    user_id: int
    username: str
    role: str
    display_name: str
    patient_id: int | None
    staff_id: int | None


def _related(user: User, name: str):
    try:
        return getattr(user, name)
    except ObjectDoesNotExist:
        return None


def identity_for(*, user: User) -> Identity:
    patient, staff = _related(user, "patient"), _related(user, "staff_member")
    if staff is not None:
        display_name = staff.display_name
    elif patient is not None:
        display_name = patient.display_name
    else:
        display_name = user.get_full_name() or user.get_username()
    return Identity(user_id=user.pk, username=user.get_username(), role=user.role, display_name=display_name,
                    patient_id=patient.pk if patient else None, staff_id=staff.pk if staff else None)
