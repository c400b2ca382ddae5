"""With Redis down, the cache reads a miss and drops writes, so a throttled booking still goes
through (config/cache.py says why that is the right way to fail)."""

import socket

import pytest
from django.core.cache import caches
from rest_framework.authtoken.models import Token

from accounts.models import Role
from config.cache import FailSoftRedisCache
from tests.factories import PatientFactory, UserFactory


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens once the socket is closed


@pytest.fixture
def cache_without_redis(settings):
    settings.CACHES = {"default": {"BACKEND": "config.cache.FailSoftRedisCache",
                                   "LOCATION": f"redis://127.0.0.1:{_closed_port()}/0",
                                   "OPTIONS": {"socket_connect_timeout": 1}}}
    cache = caches["default"]
    assert isinstance(cache, FailSoftRedisCache)
    return cache


def test_reads_miss_and_writes_are_dropped_while_redis_is_down(cache_without_redis):
    cache = cache_without_redis

    cache.set("throttle_booking_7", [1.0, 2.0], 60)
    assert cache.get("throttle_booking_7", []) == []
    assert cache.get_many(["a", "b"]) == {}
    assert cache.add("notifications:dispatch-follow-up", 1, 2) is False
    assert cache.has_key("a") is False
    assert cache.delete("a") is False


@pytest.mark.django_db
def test_a_throttled_booking_endpoint_answers_while_redis_is_down(cache_without_redis, client):
    patient = PatientFactory(user=UserFactory(role=Role.PATIENT)).user
    response = client.post("/api/v1/holds", {}, content_type="application/json",
                           HTTP_AUTHORIZATION=f"Token {Token.objects.create(user=patient)}")

    # Past the booking throttle (which read and wrote the cache) to the validation of the body.
    assert response.status_code == 400
    assert response.json()["code"] == "validation_error"


def test_the_cache_keeps_one_redis_client_instead_of_building_one_per_call(cache_without_redis):
    # Building a client re-creates its table of response callbacks; throttles asked twice a request.
    client = cache_without_redis._cache.get_client("a")
    assert cache_without_redis._cache.get_client("b") is client
    assert cache_without_redis._cache.get_client("c", write=True) is client  # one server: one pool
    assert client.connection_pool is cache_without_redis._cache._get_connection_pool(False)
