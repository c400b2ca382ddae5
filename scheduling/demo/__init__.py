"""The demo clinic `manage.py seed_demo` loads: `catalog` writes the clinic, `history` books its
past and upcoming visits through the availability engine so they never overlap.

The apps above scheduling add their part of the demo (clinical records, the on-call clinician)
by registering a seeder in their `AppConfig.ready()`: it is called as `seeder(clinic=..., today=...)`,
with what `catalog.create_clinic` returned (sites, staff by username, services by code,
patient ids), in the demo's transaction and before the visits are booked."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

_seeders: list[Callable[..., None]] = []


def register_seeder(seeder: Callable[..., None]) -> Callable[..., None]:
    if seeder not in _seeders:  # ready() may run twice in tests
        _seeders.append(seeder)
    return seeder


def run_seeders(*, clinic: dict, today: dt.date) -> None:
    """Every registered seeder, in the order of INSTALLED_APPS."""
    for seeder in _seeders:
        seeder(clinic=clinic, today=today)
