"""A lost race is a 409 `slot_taken` whatever the server's hash seed and however many other
holders are off: the refusal's code comes from a fixed precedence (scheduling/availability/
explain.py), never from a vote over a set, whose order changes with PYTHONHASHSEED. So the
booking is run by fresh Python processes, each under its own seed, against the committed rows."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys

import pytest
from django.conf import settings
from django.db import connection

from scheduling.services.booking import book_appointment
from scheduling.services.holds import hold_slot
from tests.factories import HoursOverrideFactory

from .conftest import at, desk_user, iso, make_clinic, MONDAY, NOW, patient_user

pytestmark = pytest.mark.django_db(transaction=True)

TUESDAY = MONDAY + dt.timedelta(days=1)
SEEDS = ("0", "1", "2", "3", "7", "11")

# Run in a fresh process: post each booking through the whole API stack, print (status, code, detail).
BOOK = """
import json, sys
import django
django.setup()
import datetime as dt
import time_machine
from django.contrib.auth import get_user_model
from rest_framework.test import APIClient
now, user_id, bodies = json.loads(sys.argv[1])
with time_machine.travel(dt.datetime.fromisoformat(now), tick=False):
    client = APIClient()
    client.force_authenticate(get_user_model().objects.get(pk=user_id))
    answers = []
    for body in bodies:
        response = client.post("/api/v1/appointments", body, format="json")
        data = response.json()
        answers.append([response.status_code, data.get("code"), data.get("detail")])
print(json.dumps(answers))
"""


def database_url() -> str:
    db = connection.settings_dict
    auth = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


def book_in_fresh_processes(user, bodies: list[dict]) -> dict[str, list]:
    argument = json.dumps([NOW.isoformat(), user.pk, bodies])
    answers = {}
    for seed in SEEDS:
        env = {**os.environ, "PYTHONHASHSEED": seed, "DATABASE_URL": database_url(),
               "DJANGO_SETTINGS_MODULE": "config.settings"}
        result = subprocess.run([sys.executable, "-c", BOOK, argument], env=env, cwd=settings.BASE_DIR,
                                capture_output=True, text=True, timeout=120)
        assert result.returncode == 0, result.stderr
        answers[seed] = json.loads(result.stdout.strip().splitlines()[-1])
    return answers


@pytest.mark.skipif(connection.vendor != "postgresql", reason="the fresh processes read the PostgreSQL test database")
def test_losing_the_only_nurse_on_duty_is_slot_taken_under_every_hash_seed(frozen):
    # Four nurses. Monday: three are off and the one on duty is taken (three and more holders
    # that are off). Tuesday: two are off and the two on duty are taken, one by a visit and one
    # by a hold (as many holders off as taken). Chairs are free.
    clinic = make_clinic(chairs=3, nurses=4, watch_capacity=1)
    for nurse in clinic.nurses[1:]:
        HoursOverrideFactory(staff=nurse, date=MONDAY, reason="Conference")
    for nurse in clinic.nurses[2:]:
        HoursOverrideFactory(staff=nurse, date=TUESDAY, reason="Conference")
    ana, cy, dee, ben = (patient_user(name) for name in ("ana", "cy", "dee", "ben"))
    for patient, day in ((ana, MONDAY), (cy, TUESDAY)):
        book_appointment(patient=patient, service=clinic.service, location=clinic.location, start=at(9, day=day),
                         actor=patient.user)
    hold_slot(patient=dee, service=clinic.service, location=clinic.location, start=at(9, day=TUESDAY),
              actor=dee.user)
    desk = desk_user("desk", clinic.location)
    bodies = [{"service": clinic.service.pk, "location": clinic.location.pk, "start": iso(at(9, day=day))}
              for day in (MONDAY, TUESDAY)]

    for seed, answers in book_in_fresh_processes(ben.user, bodies).items():
        assert [(status, code) for status, code, _ in answers] == [(409, "slot_taken")] * 2, (seed, answers)
        monday, tuesday = (detail for _, _, detail in answers)
        # The holders that decide come first, and every time names its day and zone.
        assert monday.startswith("No nurse is free Mon 10 Mar 2025 09:00-09:55 MST: Nurse 1 is booked "
                                 "Mon 10 Mar 2025 09:00-09:15 MST; Nurse 2 is unavailable"), monday
        assert tuesday.startswith("No nurse is free Tue 11 Mar 2025 09:00-09:55 MST: Nurse 1 is booked "
                                  "Tue 11 Mar 2025 09:00-09:15 MST; Nurse 2 is booked"), tuesday
    desk_bodies = [body | {"patient": ben.pk} for body in bodies]
    for seed, answers in book_in_fresh_processes(desk, desk_bodies).items():
        assert [(status, code) for status, code, _ in answers] == [(409, "slot_taken")] * 2, (seed, answers)
