"""Role checks on the server. Pages may hide buttons; these decide."""

from rest_framework.permissions import BasePermission

from accounts.models import Role


class _HasRole(BasePermission):
    roles: tuple[str, ...] = ()
    message = "Your role does not allow this."

    def has_permission(self, request, view) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and user.is_active and user.role in self.roles)


class IsPatient(_HasRole):
    roles = (Role.PATIENT,)


class IsFrontDesk(_HasRole):
    roles = (Role.FRONT_DESK, Role.ADMIN)


class IsClinician(_HasRole):
    roles = (Role.CLINICIAN, Role.ADMIN)


class IsClinicStaff(_HasRole):
    roles = (Role.FRONT_DESK, Role.CLINICIAN, Role.ADMIN)


class IsClinicAdmin(_HasRole):
    roles = (Role.ADMIN,)
