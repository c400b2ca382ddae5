"""On Redis, the booking throttle (DRF's own, on Django's cache) keeps DRF's rules: the request
past the rate is refused with a 429 saying when to come back, refusals do not count, the window
slides, each user has their own budget, and the API and the pages share one. While Redis is down, bookings go through (tests/foundation/test_cache_fail_soft.py)."""

from __future__ import annotations

import os
import uuid

import pytest
import time_machine
from django.core.cache import caches
from knox.models import AuthToken
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from accounts.models import Role
from config.throttles import BookingThrottle
from tests.factories import PatientFactory, UserFactory

pytestmark = [pytest.mark.redis, pytest.mark.django_db]
LIMIT = 3


@pytest.fixture
def redis_cache(settings, monkeypatch):
    """The real Redis, under a key prefix of this test's own."""
    settings.CACHES = {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": os.environ.get("REDIS_URL", ""),
                                   "OPTIONS": {"IGNORE_EXCEPTIONS": True}, "KEY_PREFIX": uuid.uuid4().hex}}
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", {"booking": f"{LIMIT}/minute"})
    return caches["default"]


def _patient_client() -> APIClient:
    client = APIClient()
    client.user = PatientFactory(user=UserFactory(role=Role.PATIENT)).user
    client.credentials(HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(client.user)[1]}")
    return client


def _hold(client) -> int:
    return client.post("/api/v1/holds", {}, format="json").status_code  # past the throttle: a 400


def test_the_request_past_the_rate_is_refused_with_when_to_come_back(redis_cache):
    client = _patient_client()
    with time_machine.travel("2026-03-02 10:00:00Z", tick=False) as clock:
        allowed = [_hold(client) for _ in range(LIMIT)]
        clock.shift(20)
        refused = client.post("/api/v1/holds", {}, format="json")

    assert allowed == [400] * LIMIT
    assert refused.status_code == 429 and refused.json()["code"] == "throttled"
    assert int(refused["Retry-After"]) == 40  # the oldest counted request leaves the window then


def test_the_window_slides_and_refusals_do_not_count(redis_cache):
    client = _patient_client()
    with time_machine.travel("2026-03-02 10:00:00Z", tick=False) as clock:
        _hold(client)
        clock.shift(30)
        _hold(client), _hold(client)
        refused = [_hold(client) for _ in range(3)]
        clock.shift(31)  # the first request has left the window, the refusals never entered it
        after = [_hold(client), _hold(client)]

    assert refused == [429] * 3
    assert after == [400, 429]


def test_each_user_has_their_own_budget(redis_cache):
    ana, ben = _patient_client(), _patient_client()
    with time_machine.travel("2026-03-02 10:00:00Z", tick=False):
        for _ in range(LIMIT):
            _hold(ana)

        assert (_hold(ana), _hold(ben)) == (429, 400)


def test_the_pages_count_against_the_same_window(redis_cache, rf):
    client = _patient_client()
    page_request = rf.post("/book/pick")
    page_request.user = client.user
    with time_machine.travel("2026-03-02 10:00:00Z", tick=False):
        for _ in range(LIMIT):
            assert BookingThrottle().allow_request(page_request, None)

        assert _hold(client) == 429
