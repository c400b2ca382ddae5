"""The callers the API fuzz runs as, on a small seeded clinic, and what keeps the run deterministic:
time frozen while seeding, no throttling, a fixed seed. The in-process run (test_openapi_schema.py)
also turns Django's per-request connection handling off there; the live-server run
(test_live_server.py) needs none of that."""

from __future__ import annotations

from collections import defaultdict
from types import SimpleNamespace

import pytest
import time_machine
from django.db import transaction
from django.test import override_settings
from knox.models import AuthToken
from rest_framework.throttling import SimpleRateThrottle

from scheduling.models import BookingChannel
from scheduling.services.booking import book_appointment
from scheduling.services.holds import hold_slot
from tests.booking.conftest import at, desk_user, iso, make_clinic, NOW, patient_user

# The module's users are made before the suite's per-test fast hasher applies.
FAST_HASHER = override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"])


@pytest.fixture(autouse=True)
def _unthrottled(monkeypatch):
    """Limits are tested where they are defined; here a 429 would only make the outcome depend
    on how many examples came before. Every scope, present or future, gets a rate no run reaches."""
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", defaultdict(lambda: "1000000/second"))


@pytest.fixture(scope="module")
def fuzz_clinic(django_db_setup, django_db_blocker):
    """Phoenix with two chairs and a nurse; Ana (a patient) with a booked visit and a live hold,
    Ben with a visit of his own, and a front desk at Phoenix. `ids` lists, per request field, rows
    the fuzz may aim at; `starts`, times the engine offers.

    Seeded once for the module inside a transaction that is rolled back at its end; each test's
    own transaction (the `db` fixture) nests inside it, so every operation starts from this state."""
    with django_db_blocker.unblock(), time_machine.travel(NOW, tick=False), FAST_HASHER:
        seeded = transaction.atomic()
        seeded.__enter__()
        try:
            yield seed_clinic()
        finally:
            transaction.set_rollback(True)
            seeded.__exit__(None, None, None)


def seed_clinic() -> SimpleNamespace:
    clinic = make_clinic(chairs=2, watch_capacity=2)
    ana, ben = patient_user("ana"), patient_user("ben")
    desk = desk_user("desk", clinic.location)
    visit = book_appointment(patient=ana, service=clinic.service, location=clinic.location, start=at(9),
                             actor=ana.user)
    hold = hold_slot(patient=ana, service=clinic.service, location=clinic.location, start=at(11), actor=ana.user,
                     minutes=60 * 24 * 30)
    other = book_appointment(patient=ben, service=clinic.service, location=clinic.location, start=at(14),
                             actor=desk, channel=BookingChannel.FRONT_DESK)
    return SimpleNamespace(
        tokens={"patient": AuthToken.objects.create(ana.user)[1], "front_desk": AuthToken.objects.create(desk)[1]},
        ids={"appointment": [visit.pk, hold.pk, other.pk], "hold": [hold.pk], "patient": [ana.pk, ben.pk],
             "service": [clinic.service.pk], "location": [clinic.location.pk, clinic.other_location.pk],
             "staff": [clinic.nurse.pk]},
        starts=[iso(at(10)), iso(at(13)), iso(at(15, 30))],
    )


# Path ids by the resource the path names; body fields by their own name.
PATH_IDS = {"/api/v1/appointments/{id}": "appointment", "/api/v1/telehealth/appointments/{id}": "appointment",
            "/api/v1/care/patients/{id}": "patient", "/api/v1/patients/{id}": "patient"}


def aim_at_rows(case, clinic: SimpleNamespace) -> None:
    """Two generated ids in three are swapped for rows that exist (the caller's visit, a hold,
    someone else's visit, ...), and a generated start for a time the engine offers, so requests
    get past the 404 into the handlers; the rest stay as generated."""
    kind = next((k for prefix, k in PATH_IDS.items() if case.path.startswith(prefix)), None)
    value = (case.path_parameters or {}).get("id")
    if kind and isinstance(value, int) and value % 3:
        known = clinic.ids[kind]
        case.path_parameters["id"] = known[value % len(known)]
    if isinstance(case.body, dict):
        for name, value in list(case.body.items()):
            if name in clinic.ids and isinstance(value, int) and not isinstance(value, bool) and value % 3:
                known = clinic.ids[name]
                case.body[name] = known[value % len(known)]
            elif name == "start" and isinstance(value, str) and len(value) % 3:
                case.body[name] = clinic.starts[len(value) % len(clinic.starts)]
