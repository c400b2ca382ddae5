"""The check-ins' part of the demo clinic (a seeder, scheduling.demo)."""

from __future__ import annotations

import datetime as dt

from .models import OnCallClinician


def seed_on_call(*, clinic: dict, today: dt.date) -> None:
    """Risk alerts page someone from the first minute of the demo: Dr Rivera is on call."""
    OnCallClinician.objects.create(staff=clinic["staff"]["dr.rivera"], sms_number="+16025550199")
