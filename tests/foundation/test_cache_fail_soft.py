"""With Redis down, the cache reads a miss and drops writes (django-redis IGNORE_EXCEPTIONS, set in
config/settings.py, which says why that is the right way to fail), so a throttled booking still
goes through."""

import socket

import pytest
from django.core.cache import caches
from knox.models import AuthToken

from accounts.models import Role
from tests.factories import PatientFactory, UserFactory


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens once the socket is closed


@pytest.fixture
def cache_without_redis(settings):
    settings.CACHES = {"default": {**settings.CACHES["default"], "BACKEND": "django_redis.cache.RedisCache",
                                   "LOCATION": f"redis://127.0.0.1:{_closed_port()}/0",
                                   "OPTIONS": {"IGNORE_EXCEPTIONS": True, "SOCKET_CONNECT_TIMEOUT": 1}}}
    return caches["default"]


def test_reads_miss_and_writes_are_dropped_while_redis_is_down(cache_without_redis):
    cache = cache_without_redis

    cache.set("throttle_booking_7", [1.0, 2.0], 60)
    assert cache.get("throttle_booking_7", []) == []
    assert cache.get_many(["a", "b"]) == {}
    assert not cache.add("notifications:dispatch-follow-up", 1, 2)
    assert not cache.has_key("a")
    assert not cache.delete("a")


@pytest.mark.django_db
def test_a_throttled_booking_endpoint_answers_while_redis_is_down(cache_without_redis, client):
    patient = PatientFactory(user=UserFactory(role=Role.PATIENT)).user
    response = client.post("/api/v1/holds", {}, content_type="application/json",
                           HTTP_AUTHORIZATION=f"Token {AuthToken.objects.create(patient)[1]}")

    # Past the booking throttle (which read and wrote the cache) to the validation of the body.
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"
