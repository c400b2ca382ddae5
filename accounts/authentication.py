"""API tokens that expire: a lost phone should not stay signed in to health records forever."""

from datetime import timedelta
from functools import cache

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication
from rest_framework.authtoken.models import Token

from config import hot_sql
from scheduling import catalog
from scheduling.models import Patient


def token_is_expired(token, *, now=None) -> bool:
    now = now or timezone.now()
    return token.created <= now - timedelta(hours=settings.API_TOKEN_TTL_HOURS)


@cache
def _token_sql() -> str:
    """The token, its user and the user's patient record (if any), in one query: every patient
    endpoint reads the record (api.permissions.IsPatient); for staff the empty join costs nothing.
    The clinic's set-up version comes along, as every API request checks it (scheduling.catalog)."""
    User = get_user_model()
    return (f"SELECT {hot_sql.columns(Token, 't')}, {hot_sql.columns(User, 'u')}, {hot_sql.columns(Patient, 'p')}, "  # nosec B608 - model column names only
            f"{catalog.version_column()} "
            f"FROM {hot_sql.table(Token)} t "
            f"JOIN {hot_sql.table(User)} u ON u.{hot_sql.column(User, 'id')} = t.{hot_sql.column(Token, 'user')} "
            f"LEFT JOIN {hot_sql.table(Patient)} p ON p.{hot_sql.column(Patient, 'user')} = u.{hot_sql.column(User, 'id')} "
            f"WHERE t.{hot_sql.column(Token, 'key')} = %s")


def find_token(key: str):
    """The token with `key` and its user (patient record attached, or known absent), or None."""
    with connection.cursor() as cursor:
        cursor.execute(_token_sql(), [key])
        row = cursor.fetchone()
    if row is None:
        return None
    User = get_user_model()
    ends = len(Token._meta.concrete_fields), len(Token._meta.concrete_fields) + len(User._meta.concrete_fields)
    token = hot_sql.reader(Token)(row[:ends[0]])
    user = hot_sql.reader(User)(row[ends[0]:ends[1]])
    patient_values, version = row[ends[1]:-1], row[-1]
    catalog.read_with(version)
    has_patient = patient_values[Patient._meta.concrete_fields.index(Patient._meta.pk)] is not None
    patient = hot_sql.reader(Patient)(patient_values) if has_patient else None
    # As select_related("user", "user__patient") would leave them: no further query for either.
    User.patient.related.set_cached_value(user, patient)
    if patient is not None:
        Patient.user.field.set_cached_value(patient, user)
    Token.user.field.set_cached_value(token, user)
    return token


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's token scheme (`Authorization: Token <key>`), refused once older than API_TOKEN_TTL_HOURS."""

    def authenticate_credentials(self, key):
        token = find_token(key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        user = token.user
        if token_is_expired(token):
            token.delete()
            raise exceptions.AuthenticationFailed("Your sign-in has expired. Sign in again.")
        return user, token
