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
import secrets

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

    def take_from_window(self, key: str, *, limit: int, window_s: float, now: float) -> float | None:
        """A sliding-window rate count in one round trip (a Lua script on a sorted set): if fewer
        than `limit` requests were counted under `key` in the last `window_s` seconds, count this
        one and return None; else count nothing and return the oldest counted time, from which
        the caller works out when to come back. DRF's throttles read the pickled history and
        write it back, two round trips and a pickle per booking request. While Redis is down the
        request is let through, as the other reads here fail soft."""
        try:
            client = self._cache.get_client(key, write=True)
            script = self._window_script or client.register_script(_WINDOW_SCRIPT)
            self._window_script = script
            # Its own key: DRF's throttles keep a pickled list under the plain one.
            oldest = script(keys=[self.make_and_validate_key(f"{key}:window")],
                            args=[now, window_s, limit, f"{now!r}:{secrets.token_hex(4)}"], client=client)
        except UNAVAILABLE as exc:
            self._failed("take_from_window", exc)
            return None
        return None if oldest is None else float(oldest)

    _window_script = None


# KEYS[1]: the window; ARGV: now, window (s), limit, a unique member for this request.
_WINDOW_SCRIPT = """
local now, window, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
if redis.call('ZCARD', KEYS[1]) >= limit then
  return redis.call('ZRANGE', KEYS[1], 0, 0, 'WITHSCORES')[2] or ARGV[1]
end
redis.call('ZADD', KEYS[1], now, ARGV[4])
redis.call('EXPIRE', KEYS[1], math.ceil(window))
return false
"""
