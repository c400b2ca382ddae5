"""Role checks on the server. Pages may hide buttons; these decide.

A user has one role. The clinic admin role includes the front desk's and a clinician's
permissions (in a small clinic the medical director runs the admin side too).
"""

from rest_framework.permissions import BasePermission

from accounts.models import Role
from care.selectors import is_prescriber, may_record_rems


class _HasRole(BasePermission):
    roles: tuple[str, ...] = ()
    message = "Your role does not allow this."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_active and user.role in self.roles)


class IsPatient(_HasRole):
    """A signed-in patient with a patient record (every patient endpoint reads `user.patient`)."""

    roles = (Role.PATIENT,)
    message = "This is for patients signed in with their own record."

    def has_permission(self, request, view) -> bool:
        return super().has_permission(request, view) and getattr(request.user, "patient", None) is not None


class IsFrontDesk(_HasRole):
    roles = (Role.FRONT_DESK, Role.ADMIN)


class IsClinician(_HasRole):
    roles = (Role.CLINICIAN, Role.ADMIN)


class IsClinicStaff(_HasRole):
    roles = (Role.FRONT_DESK, Role.CLINICIAN, Role.ADMIN)


class IsClinicAdmin(_HasRole):
    roles = (Role.ADMIN,)


class IsPrescriber(BasePermission):
    """Clearances: the rule is care's (`care.services` enforces it too); checked here as well so a
    therapist is refused before their body is read."""

    message = "Only a prescriber may do this."

    def has_permission(self, request, view) -> bool:
        return is_prescriber(request.user)


class MayRecordRems(BasePermission):
    message = "Only a prescriber or a clinic admin may record a REMS enrolment."

    def has_permission(self, request, view) -> bool:
        return may_record_rems(request.user)
