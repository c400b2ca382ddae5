"""Rate limits the pages share with the API, and the helper that applies a DRF throttle to a page.

A limit has one budget whichever way it is reached: the booking pages count against the same
cache keys as `/api/v1/availability` (`availability`, DRF's ScopedRateThrottle key) and the
booking POSTs (`booking`, api.views.holds.BookingThrottle), so a script cannot double its
allowance by scraping the HTML instead of the JSON. Rates are DEFAULT_THROTTLE_RATES in
settings, each read from a THROTTLE_* environment variable.
"""

from __future__ import annotations

from rest_framework.throttling import SimpleRateThrottle, UserRateThrottle


class WindowThrottle(UserRateThrottle):
    """DRF's per-user sliding window, counted in one round trip where the cache can
    (config.cache.FailSoftRedisCache.take_from_window); elsewhere (the embedded file cache) DRF's
    own count. Every booking POST passes one, so it is worth a Redis script instead of a read
    and a write of the pickled history."""

    def allow_request(self, request, view) -> bool:
        take = getattr(self.cache, "take_from_window", None)
        if take is None or self.rate is None:
            return super().allow_request(request, view)
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        oldest = take(self.key, limit=self.num_requests, window_s=self.duration, now=self.now)
        if oldest is None:
            return True
        self.history = [oldest]
        return self.throttle_failure()

    def wait(self) -> float | None:
        if getattr(self.cache, "take_from_window", None) is None:
            return super().wait()
        return max(0.0, self.duration - (self.now - self.history[-1])) if self.history else self.duration


class AvailabilityThrottle(UserRateThrottle):
    """The `availability` rate per signed-in user, else per client address: the engine is the
    costliest read, and an open calendar is what a scraper wants."""

    scope = "availability"


def seconds_to_wait(request, throttle: SimpleRateThrottle) -> int | None:
    """Count this page request against `throttle`; seconds to wait when over the rate, else None."""
    if throttle.allow_request(request, None):
        return None
    return max(1, int(throttle.wait() or 60))
