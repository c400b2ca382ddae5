"""Every form that posts carries a CSRF token, and the same post without it is refused (403, the
"This form has expired" page): the desk's pages, the patient's booking and sign-in pages, the
check-in form, the video visit's identity form and both sign-in pages. htmx posts send the token
in the X-CSRFToken header the page declares on <body>.
"""

from __future__ import annotations

import datetime as dt
from html.parser import HTMLParser
from types import SimpleNamespace
from urllib.parse import urljoin

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import Role
from notifications.models import InboundMessage
from scheduling.models import AppointmentStatus, StaffRole
from scheduling.services import transitions
from telehealth.passes import issue_pass, token_for
from tests.checkins.conftest import checkin, url
from tests.factories import (
    AllocationFactory,
    AppointmentFactory,
    PatientFactory,
    PhaseFactory,
    ServiceFactory,
    UserFactory,
)
from tests.web.conftest import make_clinic, patient_with_user

pytestmark = pytest.mark.django_db


class Forms(HTMLParser):
    """The page's forms (method, action, fields) and its htmx posts."""

    def __init__(self):
        super().__init__()
        self.forms: list[SimpleNamespace] = []
        self.hx_posts: list[str] = []
        self.hx_headers = ""
        self._open: SimpleNamespace | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "body":
            self.hx_headers = attrs.get("hx-headers") or ""
        if "hx-post" in attrs:
            self.hx_posts.append(attrs["hx-post"])
        if tag == "form":
            self._open = SimpleNamespace(method=(attrs.get("method") or "get").lower(), action=attrs.get("action"),
                                         fields={})
            self.forms.append(self._open)
        elif tag in ("input", "select", "textarea", "button") and self._open is not None and attrs.get("name"):
            self._open.fields.setdefault(attrs["name"], attrs.get("value") or "")

    def handle_endtag(self, tag):
        if tag == "form":
            self._open = None


def assert_every_post_needs_the_token(client: Client, page: str) -> int:
    """Checks each posting form on `page`; returns how many there were."""
    response = client.get(page)
    assert response.status_code == 200, page
    parsed = Forms()
    parsed.feed(response.content.decode())
    posting = [form for form in parsed.forms if form.method == "post"]
    for form in posting:
        token = form.fields.pop("csrfmiddlewaretoken", "")
        assert token, f"{page}: a form posting to {form.action or 'itself'} has no CSRF token"
        refused = client.post(urljoin(page, form.action or page), form.fields)
        assert refused.status_code == 403, f"{page} -> {form.action}"
        assert b"This form has expired" in refused.content
    for target in parsed.hx_posts:
        assert '"X-CSRFToken": "' in parsed.hx_headers, f"{page}: htmx posts to {target} without the token"
        assert client.post(target).status_code == 403
    return len(posting) + len(parsed.hx_posts)


@pytest.fixture
def clinic(db):
    return make_clinic(opens=dt.time(0), closes=dt.time(23, 59))


@pytest.fixture
def visit(clinic):
    """A booked in-person integration session tomorrow, with a text in the desk's inbox."""
    patient = patient_with_user(username="ana", phone="+16025550101", legal_first_name="Ana", state="AZ")
    start = (timezone.now() + dt.timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
    appointment = AppointmentFactory(patient=patient, service=clinic.integration, location=clinic.phoenix,
                                     start=start, end=start + dt.timedelta(minutes=50))
    session = clinic.integration.phases.first()
    AllocationFactory(appointment=appointment, phase=session, staff=clinic.therapist, resource=None)
    AllocationFactory(appointment=appointment, phase=session, staff=None, resource=clinic.room)
    InboundMessage.objects.create(provider_id="SM-csrf-1", from_number=patient.phone, body="Can I bring my sister?",
                                  received_at=timezone.now(), patient=patient, appointment=appointment,
                                  action=InboundMessage.Action.OTHER, needs_attention=True)
    return appointment


def test_the_front_desks_forms_need_the_token(clinic, visit):
    client = Client(enforce_csrf_checks=True)
    client.force_login(clinic.desk)
    pages = [f"/desk/?location={clinic.phoenix.pk}", f"/desk/week?staff={clinic.therapist.pk}", "/desk/book",
             f"/desk/book/{visit.patient.pk}", f"/desk/block?location={clinic.phoenix.pk}", "/desk/inbox",
             f"/desk/floor?location={clinic.phoenix.pk}", f"/desk/appointments/{visit.pk}",
             f"/desk/appointments/{visit.pk}/move"]

    checked = {page: assert_every_post_needs_the_token(client, page) for page in pages}

    assert all(checked.values()), checked  # every desk page has at least its sign-out form


def test_the_patients_booking_and_sign_in_forms_need_the_token(clinic, visit):
    visitor = Client(enforce_csrf_checks=True)
    signed_in = Client(enforce_csrf_checks=True)
    signed_in.force_login(visit.patient.user)

    checked = [assert_every_post_needs_the_token(visitor, page)
               for page in ("/", "/me/sign-in", f"/book/{clinic.integration.code}/")]
    checked.append(assert_every_post_needs_the_token(signed_in, "/me/"))
    checked.append(assert_every_post_needs_the_token(signed_in, f"/me/visits/{visit.pk}/cancel"))

    assert all(checked), checked


def test_the_staff_and_admin_sign_in_forms_need_the_token_and_work_with_it(clinic):
    client = Client(enforce_csrf_checks=True)

    assert assert_every_post_needs_the_token(client, "/desk/login") == 1
    assert assert_every_post_needs_the_token(client, "/admin/login/") == 1
    client.get("/desk/login")
    signed_in = client.post("/desk/login", {"username": "desk", "password": "wrong password",
                                            "csrfmiddlewaretoken": client.cookies["csrftoken"].value})
    assert signed_in.status_code != 403


def test_the_check_in_form_needs_the_token(clinic, settings):
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.SMS_BACKEND = "notifications.channels.sms.LocmemSmsBackend"
    clinic.iv.is_dosing = True
    clinic.iv.save(update_fields=["is_dosing"])
    end = timezone.now() - dt.timedelta(hours=25)
    appointment = AppointmentFactory(patient=patient_with_user(username="ana", phone="+16025550101"),
                                     service=clinic.iv, location=clinic.phoenix, start=end - dt.timedelta(minutes=85),
                                     end=end, status=AppointmentStatus.CHECKED_IN)
    transitions.complete(appointment=appointment, actor=clinic.nurse.user)

    assert assert_every_post_needs_the_token(Client(enforce_csrf_checks=True), url(checkin(appointment, "24h"))) == 1


def test_the_video_visit_identity_form_needs_the_token(clinic):
    start = (timezone.now() + dt.timedelta(minutes=5)).replace(second=0, microsecond=0)
    prescriber = clinic.therapist
    follow_up = ServiceFactory(code="follow-up", name="Follow-up visit", modality="video")
    phase = PhaseFactory(service=follow_up, order=1, name="Visit", duration_minutes=30, staff_role=StaffRole.THERAPIST)
    visit = AppointmentFactory(patient=PatientFactory(state="AZ", user=UserFactory(role=Role.PATIENT)),
                               service=follow_up, location=None, modality="video", start=start,
                               end=start + dt.timedelta(minutes=30))
    AllocationFactory(appointment=visit, phase=phase, staff=prescriber, resource=None)

    page = f"/visit/{token_for(issue_pass(appointment=visit))}"

    assert assert_every_post_needs_the_token(Client(enforce_csrf_checks=True), page) == 1
