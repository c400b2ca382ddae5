"""The Redis cache, failing soft: throttles and rate counters read a miss and drop a write while
Redis is down, instead of failing the request that asked.

The cache holds nothing a booking needs: per-client request counts for the throttles and a
marker that spaces the dispatcher's follow-up runs. Losing them for the length of a Redis outage
lets a few more requests through; failing every booking with a 500 would be far worse. The
limits that protect sign-in do not depend on the cache alone: codes per destination and guesses
per code are counted in the database (accounts/services.py). Each failure is logged.
"""

from __future__ import annotations

import logging

from django.core.cache.backends.redis import RedisCache, RedisCacheClient
from redis.exceptions import BusyLoadingError, ConnectionError, TimeoutError

# Redis not reachable (down, restarting, loading its data): a miss. Anything else (a wrong
# password, a wrong-type key) is a fault to see, not a limit to drop quietly.
UNAVAILABLE = (ConnectionError, TimeoutError, BusyLoadingError)

logger = logging.getLogger(__name__)


class KeptClientRedisCacheClient(RedisCacheClient):
    """Django's client, keeping one redis-py client per connection pool instead of building one
    per call: each build re-creates the client's table of response callbacks, which the throttles
    paid twice a request. redis-py clients are thread-safe; the pool does the connection work."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class FailSoftRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = KeptClientRedisCacheClient

    def _failed(self, operation: str, exc: Exception) -> None:
        logger.warning("Cache %s skipped: Redis is unavailable (%s)", operation, exc.__class__.__name__)

    def get(self, key, default=None, version=None):
        try:
            return super().get(key, default, version)
        except UNAVAILABLE as exc:
            self._failed("get", exc)
            return default

    def get_many(self, keys, version=None):
        try:
            return super().get_many(keys, version)
        except UNAVAILABLE as exc:
            self._failed("get_many", exc)
            return {}

    def has_key(self, key, version=None):
        try:
            return super().has_key(key, version)
        except UNAVAILABLE as exc:
            self._failed("has_key", exc)
            return False

    def add(self, key, value, timeout=None, version=None):
        try:
            return super().add(key, value, timeout, version)
        except UNAVAILABLE as exc:
            self._failed("add", exc)
            return False

    def set(self, key, value, timeout=None, version=None):
        try:
            super().set(key, value, timeout, version)
        except UNAVAILABLE as exc:
            self._failed("set", exc)

    def set_many(self, data, timeout=None, version=None):
        try:
            return super().set_many(data, timeout, version)
        except UNAVAILABLE as exc:
            self._failed("set_many", exc)
            return list(data)

    def touch(self, key, timeout=None, version=None):
        try:
            return super().touch(key, timeout, version)
        except UNAVAILABLE as exc:
            self._failed("touch", exc)
            return False

    def delete(self, key, version=None):
        try:
            return super().delete(key, version)
        except UNAVAILABLE as exc:
            self._failed("delete", exc)
            return False
