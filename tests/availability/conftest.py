import datetime as dt

import pytest

from tests.factories import iv_infusion_service, LocationFactory, ResourceFactory, StaffMemberFactory, weekly_hours

# Monday 10 March 2025; Phoenix is UTC-7 all year.
MONDAY = dt.date(2025, 3, 10)
NOW = dt.datetime(2025, 3, 1, 12, 0, tzinfo=dt.UTC)


@pytest.fixture
def phoenix():
    return LocationFactory(name="Phoenix", time_zone="America/Phoenix", state="AZ")


@pytest.fixture
def iv_clinic(phoenix):
    """Phoenix open 9-17 daily, two chairs, one nurse (watching up to two chairs), IV infusion."""
    weekly_hours(location=phoenix)
    chairs = [ResourceFactory(location=phoenix, name=f"Chair {n}") for n in (1, 2)]
    nurse = StaffMemberFactory(display_name="Nurse Kim", watch_capacity=2, locations=[phoenix])
    weekly_hours(staff=nurse)
    service = iv_infusion_service(locations=[phoenix], code="iv")
    return {"location": phoenix, "chairs": chairs, "nurse": nurse, "service": service}
