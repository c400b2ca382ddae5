"""The callers the API fuzz runs as, on a small seeded clinic, and the settings that keep the
run deterministic: time frozen, no throttling, and Django's per-request connection handling off
(the WSGI app shares the test's transaction, as Django's own test client does)."""

from __future__ import annotations

from collections import defaultdict
from types import SimpleNamespace

import pytest
import time_machine
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
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


@pytest.fixture(autouse=True)
def _one_connection_per_test():
    """Each request would otherwise close the connection that the test's transaction lives on."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


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
            yield _seed()
        finally:
            transaction.set_rollback(True)
            seeded.__exit__(None, None, None)


def _seed() -> SimpleNamespace:
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
