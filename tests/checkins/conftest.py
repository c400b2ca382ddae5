"""A clinic in Phoenix (no DST; texting window 8:00-21:00 MST) with an IV dosing service, an
integration service and its therapist, a clinician on call for the whole clinic, a front desk,
and Ana, who gave SMS consent. Her infusion on Monday 10 March 2025 ran 9:00-10:25 and is marked
completed at 10:30 through the booking service, which plans her check-ins."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.core import mail
from rest_framework.test import APIClient

from accounts.models import Role
from checkins import links
from checkins.models import CheckIn, OnCallClinician
from notifications import dispatch, sending
from notifications.channels.sms import LocmemSmsBackend
from scheduling.models import AppointmentStatus as S, StaffRole
from scheduling.services import transitions
from tests.factories import (
    AllocationFactory,
    AppointmentFactory,
    LocationFactory,
    PatientFactory,
    PhaseFactory,
    ServiceFactory,
    StaffMemberFactory,
    UserFactory,
    video_therapy_service,
)

PHX = ZoneInfo("America/Phoenix")
VISIT_START = dt.datetime(2025, 3, 10, 16, 0, tzinfo=dt.UTC)  # Monday 9:00 MST
VISIT_END = VISIT_START + dt.timedelta(minutes=85)  # 10:25 MST
COMPLETED_AT = dt.datetime(2025, 3, 10, 17, 30, tzinfo=dt.UTC)  # 10:30 MST
HOUR = dt.timedelta(hours=1)
ON_CALL_NUMBER = "+16025550999"
ON_CALL_EMAIL = "oncall@clinic.example"


def phx(day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2025, 3, day, hour, minute, tzinfo=PHX).astimezone(dt.UTC)


@pytest.fixture(autouse=True)
def _messaging_settings(settings):
    settings.SMS_BACKEND = "notifications.channels.sms.LocmemSmsBackend"
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.PUBLIC_BASE_URL = "https://clinic.example"
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # A task queued at commit runs right there, as a worker would a moment later.
    settings.CELERY_TASK_ALWAYS_EAGER = True
    LocmemSmsBackend.outbox = []
    mail.outbox = []
    yield
    LocmemSmsBackend.outbox = []


@pytest.fixture
def clock():
    with time_machine.travel(COMPLETED_AT, tick=False) as traveller:
        yield traveller


@pytest.fixture
def clinic(db):
    site = LocationFactory(name="Camelback", time_zone="America/Phoenix", state="AZ", phone="+16025550100")
    dosing = ServiceFactory(code="iv-infusion", name="IV infusion session", category="iv_ketamine", is_dosing=True,
                            locations=[site])
    integration = video_therapy_service(code="integration", name="Integration session", bookable_online=True)
    therapist = StaffMemberFactory(display_name="Sam Therapist", roles=[StaffRole.THERAPIST], locations=[site])
    nurse = StaffMemberFactory(display_name="Nina Nurse", roles=[StaffRole.NURSE], locations=[site])
    doctor = StaffMemberFactory(display_name="Dr. Rivera", roles=[StaffRole.PRESCRIBER], locations=[site],
                                user=UserFactory(username="dr.rivera", role=Role.CLINICIAN))
    desk = StaffMemberFactory(display_name="Front Desk", roles=[], locations=[site],
                              user=UserFactory(username="frontdesk", role=Role.FRONT_DESK))
    on_call = OnCallClinician.objects.create(location=None, staff=doctor, sms_number=ON_CALL_NUMBER,
                                             email=ON_CALL_EMAIL)
    patient = PatientFactory(legal_first_name="Ana", legal_last_name="Lopez", phone="+16025550123",
                             email="ana@example.com", language="en", sms_consent=True,
                             user=UserFactory(username="ana", role=Role.PATIENT))
    return SimpleNamespace(site=site, dosing=dosing, integration=integration, therapist=therapist, nurse=nurse,
                           doctor=doctor, desk=desk, on_call=on_call, patient=patient)


def completed_visit(clinic, *, patient=None, service=None, start=VISIT_START, end=VISIT_END, location="site",
                    staff=None):
    """A checked-in visit completed through the booking service (which plans the check-ins)."""
    appointment = AppointmentFactory(
        patient=patient or clinic.patient, service=service or clinic.dosing,
        location=clinic.site if location == "site" else location, modality="in_person" if location else "video",
        start=start, end=end, status=S.CHECKED_IN)
    for member in staff or ():
        AllocationFactory(appointment=appointment, staff=member, phase=PhaseFactory(service=appointment.service))
    transitions.complete(appointment=appointment, actor=clinic.nurse.user)
    appointment.refresh_from_db()
    return appointment


def checkin(appointment, key: str) -> CheckIn:
    return CheckIn.objects.get(appointment=appointment, step_key=key)


def url(item: CheckIn, **query) -> str:
    path = links.answer_path(item)
    return path + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else "")


def api_client(user=None) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def run_dispatcher() -> dispatch.DispatchReport:
    """One beat: claim what is due and deliver it here (what the worker tasks would do)."""
    return dispatch.dispatch_due(
        enqueue=lambda ids, attempt: sending.deliver_batch(message_ids=ids, attempt_id=attempt))


def texts_to(number: str) -> list[str]:
    return [sent["body"] for sent in LocmemSmsBackend.outbox if sent["to"] == number]


# Answers that fill every question of each default step, nothing worrying.
CALM = {"mood": "7", "sleep": "6", "side_effects": ["none"], "free_text": "Feeling lighter today.",
        "wants_integration": "no"}


def first_page(item: CheckIn, **overrides) -> dict:
    """A complete first page for this check-in (all items 0 unless overridden), as a browser posts it."""
    data = dict(CALM)
    if "sleep" not in item.sections:
        data.pop("sleep")
    if "mood" not in item.sections:
        data.pop("mood")
    if "side_effects" not in item.sections:
        data.pop("side_effects")
    phq = 9 if "phq9" in item.questionnaires else 2 if "phq2" in item.questionnaires else 0
    data.update({f"phq_{n}": "0" for n in range(1, phq + 1)})
    if "gad7" in item.questionnaires:
        data.update({f"gad_{n}": "0" for n in range(1, 8)})
    data.update(overrides)
    return data
