"""Re-exports for the pages until they import config.throttles directly."""

from config.throttles import AvailabilityThrottle, BookingThrottle, seconds_to_wait  # noqa: F401
