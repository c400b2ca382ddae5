"""API tokens that expire: a lost phone should not stay signed in to health records forever."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication


def token_is_expired(token, *, now=None) -> bool:
    now = now or timezone.now()
    return token.created <= now - timedelta(hours=settings.API_TOKEN_TTL_HOURS)


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's token scheme (`Authorization: Token <key>`), refused once older than API_TOKEN_TTL_HOURS."""

    def authenticate_credentials(self, key):
        # The user's patient record comes in the same query: every patient endpoint reads it
        # (api.permissions.IsPatient), and for staff the empty join costs nothing.
        model = self.get_model()
        token = model.objects.select_related("user", "user__patient").filter(key=key).first()
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        user = token.user
        if token_is_expired(token):
            token.delete()
            raise exceptions.AuthenticationFailed("Your sign-in has expired. Sign in again.")
        return user, token
