"""API tokens that expire: a lost phone should not stay signed in to health records forever."""

from datetime import timedelta

from django.conf import settings
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication


def token_is_expired(token, *, now=None) -> bool:
    now = now or timezone.now()
    return token.created <= now - timedelta(hours=settings.API_TOKEN_TTL_HOURS)


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's token scheme (`Authorization: Token <key>`), refused once older than API_TOKEN_TTL_HOURS."""

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if token_is_expired(token):
            token.delete()
            raise exceptions.AuthenticationFailed("Your sign-in has expired. Sign in again.")
        return user, token
