"""The booking tests' small Phoenix clinic (one chair, one nurse), reused for calendars."""

from tests.booking.conftest import clinic, frozen, people  # noqa: F401  (fixtures)
