"""Rate limits the pages share with the API, and the helper that applies a DRF throttle to a page.

A limit has one budget whichever way it is reached: the booking pages count against the same
cache keys as `/api/v1/availability` (`availability`, DRF's ScopedRateThrottle key) and the
booking POSTs (`booking`, api.views.holds.BookingThrottle), so a script cannot double its
allowance by scraping the HTML instead of the JSON. Rates are DEFAULT_THROTTLE_RATES in
settings, each read from a THROTTLE_* environment variable.
"""

from __future__ import annotations

from rest_framework.throttling import SimpleRateThrottle, UserRateThrottle


class AvailabilityThrottle(UserRateThrottle):
    """The `availability` rate per signed-in user, else per client address: the engine is the
    costliest read, and an open calendar is what a scraper wants."""

    scope = "availability"


def seconds_to_wait(request, throttle: SimpleRateThrottle) -> int | None:
    """Count this page request against `throttle`; seconds to wait when over the rate, else None."""
    if throttle.allow_request(request, None):
        return None
    return max(1, int(throttle.wait() or 60))
