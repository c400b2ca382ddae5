"""API tokens: one per device, stored hashed (django-rest-knox), expiring after API_TOKEN_TTL_HOURS
(REST_KNOX in settings), so a lost phone does not stay signed in to health records, and signing
out on one device leaves the others signed in."""

from __future__ import annotations

from knox.auth import TokenAuthentication
from rest_framework import exceptions

SIGN_IN_AGAIN = "This token is no longer valid: it has expired, was signed out, or predates hashed tokens. Sign in again."


class DeviceTokenAuthentication(TokenAuthentication):
    """knox's scheme (`Authorization: Token <token>`), with one clear answer for every refused
    token: an expired one, a signed-out one and a plaintext token issued before tokens were
    hashed all mean the same thing to the caller."""

    def authenticate_credentials(self, token):
        try:
            return super().authenticate_credentials(token)
        except exceptions.AuthenticationFailed:
            raise exceptions.AuthenticationFailed(SIGN_IN_AGAIN) from None
