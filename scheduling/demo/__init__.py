"""The demo clinic `manage.py seed_demo` loads: `catalog` writes the clinic, `history` books its
past and upcoming visits through the availability engine so they never overlap.

The apps above scheduling add their part of the demo (clinical records, the on-call clinician)
by registering a seeder in their `AppConfig.ready()`: it is called as `seeder(clinic=..., today=...)`,
with what `catalog.create_clinic` returned (sites, staff by username, services by code,
patient ids), in the demo's transaction and before the visits are booked. A seeder registered with
`after_visits=True` runs once the visits are in, when `clinic["showcase"]` names the showcase
day and its visit per mark (scheduling/demo/showcase.py), or is None."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

_seeders: list[Callable[..., None]] = []
_after_visits: list[Callable[..., None]] = []


def register_seeder(seeder: Callable[..., None], *, after_visits: bool = False) -> Callable[..., None]:
    seeders = _after_visits if after_visits else _seeders
    if seeder not in seeders:  # ready() may run twice in tests
        seeders.append(seeder)
    return seeder


def run_seeders(*, clinic: dict, today: dt.date, after_visits: bool = False) -> None:
    """Every registered seeder (of the ones before or after the visits), in the order of INSTALLED_APPS."""
    for seeder in _after_visits if after_visits else _seeders:
        seeder(clinic=clinic, today=today)
