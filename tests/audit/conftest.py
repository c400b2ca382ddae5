"""One site with a booked visit of one patient, and the staff who read and change it."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Role
from checkins.models import CheckIn, RiskAlert
from tests.factories import (
    AppointmentFactory,
    LocationFactory,
    PatientFactory,
    ServiceFactory,
    StaffMemberFactory,
    UserFactory,
)

BROWSER = "Mozilla/5.0 (desk PC)"


@pytest.fixture
def site(db):
    location = LocationFactory(name="Phoenix", time_zone="America/Phoenix", state="AZ")
    desk = UserFactory(username="desk", role=Role.FRONT_DESK)
    StaffMemberFactory(user=desk, display_name="Front Desk", roles=["front_desk"], locations=[location])
    clinician = UserFactory(username="dr.lee", role=Role.CLINICIAN)
    StaffMemberFactory(user=clinician, display_name="Dr Lee", roles=["prescriber"], locations=[location])
    patient = PatientFactory(user=UserFactory(username="ana", role=Role.PATIENT), legal_first_name="Ana")
    visit = AppointmentFactory(patient=patient, location=location, service=ServiceFactory(name="Integration"),
                               start=timezone.now() + dt.timedelta(days=2),
                               end=timezone.now() + dt.timedelta(days=2, hours=1))
    return SimpleNamespace(
        location=location, desk=desk, clinician=clinician, patient=patient, visit=visit,
        admin=UserFactory(username="clinic.admin", role=Role.ADMIN, is_staff=True),
        root=UserFactory(username="root", role=Role.ADMIN, is_staff=True, is_superuser=True))


def page_client(user) -> Client:
    client = Client(HTTP_USER_AGENT=BROWSER, REMOTE_ADDR="198.51.100.7")
    client.force_login(user)
    return client


def api_client(user) -> APIClient:
    client = APIClient(HTTP_USER_AGENT=BROWSER, REMOTE_ADDR="198.51.100.7")
    client.force_authenticate(user)
    return client


def open_alert(site) -> RiskAlert:
    now = timezone.now()
    checkin = CheckIn.objects.create(patient=site.patient, appointment=site.visit, location=site.location,
                                     step_key="24h", due_at=now, expires_at=now + dt.timedelta(days=3),
                                     link_nonce="n" * 32, token_hash="h" * 64, status="answered", answered_at=now)
    return RiskAlert.objects.create(patient=site.patient, checkin=checkin, location=site.location, created_at=now)
