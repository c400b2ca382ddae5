"""Staff password sign-in lockout (django-axes), shared by the desk sign-in and the Django admin.

Failures are counted per username *and* client address together (AXES_LOCKOUT_PARAMETERS), so
someone guessing at the desk's usernames from one address locks only themselves out of those
accounts: the desk signing in from its own workstation is not affected. The client address is
the one the API's per-address throttles use (NUM_PROXIES), so both limits agree on who is asking.
"""

from __future__ import annotations

import math
from datetime import timedelta

from axes.backends import AxesStandaloneBackend
from axes.helpers import get_client_username, get_cool_off
from axes.models import AccessAttempt
from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from rest_framework.throttling import BaseThrottle


class LockoutBackend(AxesStandaloneBackend):
    """Axes' check, skipped when there is no request (a shell or a management command calling
    `authenticate()`): nothing arrives over the network there, so there is nothing to lock out."""

    def authenticate(self, request: HttpRequest | None, username: str | None = None, password: str | None = None,
                     **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)

    def get_user(self, user_id):
        """A session opened by `login()` without naming a backend is recorded against the first
        backend, this one: read its user as Django's own backend does."""
        return ModelBackend().get_user(user_id)


def client_address(request: HttpRequest) -> str:
    """The client's address as the API throttles see it (X-Forwarded-For only behind NUM_PROXIES)."""
    return BaseThrottle().get_ident(request)


def seconds_until_unlocked(request: HttpRequest, credentials: dict | None) -> int:
    """Seconds until this username may try again from this address (at least one)."""
    cool_off = get_cool_off(request) or timedelta(0)
    last = (AccessAttempt.objects.filter(username=get_client_username(request, credentials),
                                         ip_address=client_address(request))
            .order_by("-attempt_time").values_list("attempt_time", flat=True).first())
    remaining = (last + cool_off - timezone.now()) if last else cool_off
    return max(1, math.ceil(remaining.total_seconds()))


def lockout_response(request: HttpRequest, original_response: HttpResponse | None = None,
                     credentials: dict | None = None) -> HttpResponse:
    """429 with Retry-After and a page saying what happened and what to do. Only pages take a
    password (the API signs in with one-time codes), so a page is the only answer needed."""
    retry_after = seconds_until_unlocked(request, credentials)
    response = render(request, "web/desk/locked_out.html",
                      {"minutes": math.ceil(retry_after / 60), "username": get_client_username(request, credentials)},
                      status=429)
    response["Retry-After"] = str(retry_after)
    return response
