"""Reads for sign-in: which patient a phone or email belongs to, and who a signed-in user is."""

from dataclasses import dataclass

from scheduling.models import Patient, StaffMember

from .destinations import Destination
from .models import User


def patients_for_destination(*, destination: Destination) -> list[Patient]:
    """Patients whose phone (exact E.164) or email (any case) is this destination."""
    if destination.is_sms:
        matches = Patient.objects.filter(phone=destination.address)
    else:
        matches = Patient.objects.filter(email__iexact=destination.address)
    return list(matches.select_related("user")[:2])


@dataclass(frozen=True)
class Identity:
    user_id: int
    username: str
    role: str
    display_name: str
    patient_id: int | None
    staff_id: int | None


def identity_for(*, user: User) -> Identity:
    patient = Patient.objects.filter(user=user).only("id", "preferred_name", "legal_first_name",
                                                     "legal_last_name").first()
    staff = StaffMember.objects.filter(user=user).only("id", "display_name").first()
    if staff is not None:
        display_name = staff.display_name
    elif patient is not None:
        display_name = patient.display_name
    else:
        display_name = user.get_full_name() or user.get_username()
    return Identity(user_id=user.pk, username=user.get_username(), role=user.role, display_name=display_name,
                    patient_id=patient.pk if patient else None, staff_id=staff.pk if staff else None)
