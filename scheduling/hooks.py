"""How scheduling tells the apps above it about a booking, without knowing them.

Scheduling sits below care, checkins and notifications: it imports none of them. They register
here in their `AppConfig.ready()`:

- `on_appointment_changed(listener)`: called as `listener(appointment=..., action=..., new=...,
  now=...)` after every change of an appointment (booked, held, rescheduled, cancelled,
  checked_in, no_show, completed, expired), inside the transaction that made it and under its
  locks, so what a listener writes (the outbox) commits or rolls back with the booking.
  `new` is true when the appointment was inserted in this very transaction.
- `on_booking_check(check)`: called as `check(patient=..., service=..., location=..., start=...,
  actor=..., override_reason=...)` before a visit is booked, held or moved; it raises a
  `core.errors.DomainError` to refuse (the clinical gates).
- `on_check_in_check(check)`: called as `check(appointment=..., actor=..., override_reason=...)`
  under the appointment's lock before check-in; raises to refuse, or returns the names of the
  rules the desk overrode.
- `on_time_freed(listener)`: called as `listener(location=..., resource=..., staff=..., start=...,
  end=..., reason=...)` (one owner given, the others None) when time opens up without a visit
  leaving it: a block removed ("block_removed") or hours added ("hours_added"), from
  `scheduling.freeing`'s model signals, inside the transaction that saves or deletes the row.
- `on_site_check(check)`: called as `check(location=...)` from `Location.clean()` (the admin);
  raises a Django `ValidationError` to refuse a site (its name in texts to patients).

Listeners run in the order they registered, which is the order of INSTALLED_APPS.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

_changed: list[Callable[..., None]] = []
_booking_checks: list[Callable[..., None]] = []
_check_in_checks: list[Callable[..., list[str]]] = []
_site_checks: list[Callable[..., None]] = []
_time_freed: list[Callable[..., None]] = []


def _register(listeners: list, listener: Callable) -> Callable:
    if listener not in listeners:  # ready() may run twice in tests
        listeners.append(listener)
    return listener


def on_appointment_changed(listener: Callable[..., None]) -> Callable[..., None]:
    return _register(_changed, listener)


def on_booking_check(check: Callable[..., None]) -> Callable[..., None]:
    return _register(_booking_checks, check)


def on_check_in_check(check: Callable[..., list[str]]) -> Callable[..., list[str]]:
    return _register(_check_in_checks, check)


def on_site_check(check: Callable[..., None]) -> Callable[..., None]:
    return _register(_site_checks, check)


def on_time_freed(listener: Callable[..., None]) -> Callable[..., None]:
    return _register(_time_freed, listener)


def time_freed(*, location=None, resource=None, staff=None, start: datetime, end: datetime, reason: str) -> None:
    for listener in _time_freed:
        listener(location=location, resource=resource, staff=staff, start=start, end=end, reason=reason)


def check_site(location) -> None:
    for check in _site_checks:
        check(location=location)


def appointment_changed(appointment, *, action: str, new: bool = False, now: datetime | None = None) -> None:
    for listener in _changed:
        listener(appointment=appointment, action=action, new=new, now=now)


def check_booking(*, patient, service, location, start: datetime, actor, override_reason: str = "") -> None:
    for check in _booking_checks:
        check(
            patient=patient,
            service=service,
            location=location,
            start=start,
            actor=actor,
            override_reason=override_reason,
        )


def check_check_in(*, appointment, actor, override_reason: str = "") -> list[str]:
    overridden: list[str] = []
    for check in _check_in_checks:
        overridden.extend(check(appointment=appointment, actor=actor, override_reason=override_reason))
    return overridden
