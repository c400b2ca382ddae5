"""Rate limits the pages share with the API: plain DRF throttle classes on Django's cache.

A limit has one budget whichever way it is reached: the booking pages count against the same
cache keys as `/api/v1/availability` (`availability`) and the booking POSTs (`booking`), so a
script cannot double its allowance by scraping the HTML instead of the JSON. Rates are
DEFAULT_THROTTLE_RATES in settings, each read from a THROTTLE_* environment variable. They live
here, not in api/, so the pages can use them without importing the API.
"""

from __future__ import annotations

from rest_framework.throttling import SimpleRateThrottle, UserRateThrottle


class AvailabilityThrottle(UserRateThrottle):
    """The `availability` rate per signed-in user, else per client address: the engine is the
    costliest read, and an open calendar is what a scraper wants."""

    scope = "availability"


class BookingThrottle(UserRateThrottle):
    """The `booking` rate (THROTTLE_BOOKING) on POSTs; reading the calendar is not throttled here."""

    scope = "booking"

    def allow_request(self, request, view) -> bool:
        return request.method != "POST" or super().allow_request(request, view)


class PerClientIpThrottle(SimpleRateThrottle):
    """Counted per client address even for signed-in callers (see NUM_PROXIES in settings)."""

    def get_cache_key(self, request, view):
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}


class SignInCodeRequestThrottle(PerClientIpThrottle):
    scope = "otp_request_ip"


class SignInVerifyThrottle(PerClientIpThrottle):
    scope = "otp_verify_ip"


def seconds_to_wait(request, throttle: SimpleRateThrottle) -> int | None:
    """Count this page request against `throttle`; seconds to wait when over the rate, else None."""
    if throttle.allow_request(request, None):
        return None
    return max(1, int(throttle.wait() or 60))
