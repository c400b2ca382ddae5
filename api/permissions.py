"""Role checks on the server. Pages may hide buttons; these decide.

A user has one role. The clinic admin role includes the front desk's and a clinician's
permissions (in a small clinic the medical director runs the admin side too).
"""

from rest_framework.permissions import BasePermission

from accounts.models import Role


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
