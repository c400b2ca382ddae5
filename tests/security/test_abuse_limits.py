"""Abuse limits: every rate limit answers the request past it with a 429 that says when to come
back, staff password sign-in locks after repeated failures, and one-time codes and signed links
neither outlive their purpose nor tell anyone whether an account exists.

The per-destination code limit, the wrong-try lock on a code and single use of a code are in
tests/accounts; these tests add what spans the API, the pages and the admin.
"""

from __future__ import annotations

import datetime as dt
import hmac
import re

import pytest
import time_machine
from axes.models import AccessAttempt
from django.contrib.auth import authenticate
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient
from rest_framework.throttling import SimpleRateThrottle

from accounts.models import OneTimeCode, Role
from tests.factories import (
    iv_infusion_service,
    LocationFactory,
    PatientFactory,
    ResourceFactory,
    StaffMemberFactory,
    UserFactory,
    weekly_hours,
)

pytestmark = pytest.mark.django_db

RATES = {"otp_request_ip": "3/hour", "otp_verify_ip": "3/hour", "availability": "3/minute", "booking": "3/minute"}
LIMIT = 3
PASSWORD = "a-long-desk-password"


@pytest.fixture
def small_rates(monkeypatch):
    """Every throttle at three requests, so the fourth is the one refused."""
    monkeypatch.setattr(SimpleRateThrottle, "THROTTLE_RATES", RATES)


@pytest.fixture
def clinic():
    phoenix = LocationFactory(name="Phoenix")
    weekly_hours(location=phoenix)
    ResourceFactory(location=phoenix, name="Chair 1")
    weekly_hours(staff=StaffMemberFactory(locations=[phoenix]))
    service = iv_infusion_service(locations=[phoenix], code="iv", is_dosing=False)
    return phoenix, service


@pytest.fixture
def patient_client():
    user = UserFactory(username="pat", role=Role.PATIENT)
    PatientFactory(user=user)
    client = APIClient()
    client.force_authenticate(user)
    return client


def assert_throttled(response, code: str = "throttled") -> None:
    assert response.status_code == 429
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == code
    assert int(response["Retry-After"]) == body["retry_after"] > 0


# --- API rate limits: the request past the limit is a 429 problem with Retry-After ----------

API_LIMITS = {
    # name: (caller, method, path, body)
    "sign-in code requests per address": ("anonymous", "post", "/api/v1/auth/code", {"destination": "+16025550100"}),
    "sign-in code tries per address": ("anonymous", "post", "/api/v1/auth/verify",
                                       {"destination": "+16025550100", "code": "000000"}),
    "availability reads per address": ("anonymous", "get", "/api/v1/availability", None),
    "availability reads per patient": ("patient", "get", "/api/v1/availability", None),
    "holds per patient": ("patient", "post", "/api/v1/holds", {}),
    "appointments per patient": ("patient", "post", "/api/v1/appointments", {}),
    "courses per patient": ("patient", "post", "/api/v1/courses", {}),
}


@pytest.mark.parametrize("name", list(API_LIMITS))
def test_the_request_past_each_api_limit_is_a_429_with_retry_after(name, small_rates, patient_client):
    caller, method, path, body = API_LIMITS[name]
    client = patient_client if caller == "patient" else APIClient()

    def send():
        return getattr(client, method)(path, body, format="json") if body is not None else client.get(path)

    allowed = [send().status_code for _ in range(LIMIT)]
    refused = send()

    assert 429 not in allowed
    assert_throttled(refused)


def test_a_client_cannot_reset_its_availability_count_with_a_forged_forwarded_for(small_rates):
    client = APIClient()
    for n in range(LIMIT):
        client.get("/api/v1/availability", HTTP_X_FORWARDED_FOR=f"203.0.113.{n}")

    assert_throttled(client.get("/api/v1/availability", HTTP_X_FORWARDED_FOR="198.51.100.7"))


def test_reading_appointments_is_not_counted_as_booking(small_rates, patient_client):
    statuses = [patient_client.get("/api/v1/appointments").status_code for _ in range(LIMIT + 2)]

    assert statuses == [200] * (LIMIT + 2)


# --- The pages share the API's budgets ------------------------------------------------------

def test_the_times_page_shares_the_availability_budget_with_the_api(small_rates, clinic, client):
    location, service = clinic
    for _ in range(LIMIT):
        assert APIClient().get("/api/v1/availability").status_code != 429

    page = client.get(reverse("web:times", args=[service.code, str(location.pk)]))

    assert page.status_code == 429
    assert int(page["Retry-After"]) > 0
    assert "Too many pages were asked for from this connection" in page.content.decode()


def test_picking_times_on_the_pages_counts_as_booking(small_rates, clinic, client):
    location, service = clinic
    pick = reverse("web:pick", args=[service.code, str(location.pk)])
    allowed = [client.post(pick, {"slot": "nonsense"}).status_code for _ in range(LIMIT)]
    refused = client.post(pick, {"slot": "nonsense"})

    assert 429 not in allowed
    assert refused.status_code == 429 and int(refused["Retry-After"]) > 0


# --- Staff sign-in lockout (django-axes) ----------------------------------------------------

@pytest.fixture
def desk_user():
    return UserFactory(username="desk.x", role=Role.FRONT_DESK, password=PASSWORD, is_staff=True)


def desk_sign_in(client, password: str, *, address: str = "192.0.2.10", username: str = "desk.x"):
    return client.post(reverse("web:desk-login"), {"username": username, "password": password},
                       REMOTE_ADDR=address)


def fail(client, times: int, **where) -> list[int]:
    return [desk_sign_in(client, "wrong-password", **where).status_code for _ in range(times)]


def test_after_the_failure_limit_the_right_password_is_refused_with_a_lockout_page(client, desk_user, settings):
    assert fail(client, settings.AXES_FAILURE_LIMIT - 1) == [200] * (settings.AXES_FAILURE_LIMIT - 1)
    last_failure = desk_sign_in(client, "wrong-password")
    right_password = desk_sign_in(client, PASSWORD)

    for locked in (last_failure, right_password):
        assert locked.status_code == 429
        assert locked["Content-Type"].startswith("text/html")
        page = locked.content.decode()
        assert "Sign-in locked for now" in page and "desk.x" in page
        assert 0 < int(locked["Retry-After"]) <= settings.AXES_COOLOFF_TIME.total_seconds()
    assert "_auth_user_id" not in client.session


def test_the_lock_lifts_after_the_cool_off(client, desk_user, settings):
    start = timezone.now()
    with time_machine.travel(start, tick=False):
        fail(client, settings.AXES_FAILURE_LIMIT)
        assert desk_sign_in(client, PASSWORD).status_code == 429
    with time_machine.travel(start + settings.AXES_COOLOFF_TIME - dt.timedelta(seconds=5), tick=False):
        assert desk_sign_in(client, PASSWORD).status_code == 429
    with time_machine.travel(start + settings.AXES_COOLOFF_TIME + dt.timedelta(seconds=1), tick=False):
        signed_in = desk_sign_in(client, PASSWORD)

    assert signed_in.status_code == 302 and signed_in.url == reverse("web:desk-day")
    assert int(client.session["_auth_user_id"]) == desk_user.pk


def test_a_successful_sign_in_resets_the_count(client, desk_user, settings):
    below = settings.AXES_FAILURE_LIMIT - 1
    fail(client, below)
    assert desk_sign_in(client, PASSWORD).status_code == 302
    client.logout()

    assert fail(client, below) == [200] * below
    assert desk_sign_in(client, PASSWORD).status_code == 302


def test_failures_from_another_address_do_not_lock_the_desk_out(client, desk_user, settings):
    """Locked by username and address together: someone guessing from outside cannot lock the
    desk's own workstation out, nor other accounts from their address."""
    UserFactory(username="desk.y", role=Role.FRONT_DESK, password=PASSWORD)
    fail(client, settings.AXES_FAILURE_LIMIT, address="203.0.113.66")

    assert desk_sign_in(client, PASSWORD, address="203.0.113.66").status_code == 429
    assert desk_sign_in(client, PASSWORD, address="203.0.113.66", username="desk.y").status_code == 302
    client.logout()
    assert desk_sign_in(client, PASSWORD, address="192.0.2.10").status_code == 302


def test_the_admin_sign_in_locks_the_same_way(client, desk_user, settings):
    admin_login = reverse("admin:login")
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(admin_login, {"username": "desk.x", "password": "wrong-password"})
    locked = client.post(admin_login, {"username": "desk.x", "password": PASSWORD})

    assert locked.status_code == 429
    assert "Sign-in locked for now" in locked.content.decode()
    assert AccessAttempt.objects.get(username="desk.x").failures_since_start == settings.AXES_FAILURE_LIMIT


def test_authenticating_outside_a_request_still_works(desk_user):
    """Management commands and the shell call authenticate() without a request."""
    assert authenticate(username="desk.x", password=PASSWORD) == desk_user
    assert authenticate(username="desk.x", password="wrong-password") is None


# --- One-time codes and signed links --------------------------------------------------------

@pytest.fixture
def spy_compare(monkeypatch):
    calls = []
    real = hmac.compare_digest

    def spy(a, b):
        calls.append((a, b))
        return real(a, b)

    return calls, spy


def test_a_wrong_code_is_compared_in_constant_time_whether_or_not_the_number_is_a_patients(monkeypatch,
                                                                                             spy_compare):
    """The verification path does not short-circuit on whether an account exists: a known and
    an unknown number both reach the constant-time comparison and get the same answer."""
    calls, spy = spy_compare
    monkeypatch.setattr("accounts.services.hmac.compare_digest", spy)
    PatientFactory(phone="+16025550134")
    client = APIClient()
    answers = []
    for destination in ("+16025550134", "+16025550999"):
        client.post("/api/v1/auth/code", {"destination": destination}, format="json")
        answers.append(client.post("/api/v1/auth/verify", {"destination": destination, "code": "000000"},
                                   format="json"))

    assert [len(call[0]) for call in calls] == [64, 64]
    assert answers[0].status_code == answers[1].status_code == 400
    assert answers[0].content == answers[1].content
    assert OneTimeCode.objects.filter(attempts=1).count() == 2


def test_check_in_links_are_checked_in_constant_time_and_refused_alike(monkeypatch):
    from checkins import links
    from notifications import link_tokens

    calls = []
    real = link_tokens.secrets.compare_digest
    monkeypatch.setattr(link_tokens.secrets, "compare_digest", lambda a, b: calls.append(b) or real(a, b))
    malformed, unknown = "short", "A" * links.TOKEN_LENGTH

    assert links.resolve(malformed) is None and links.resolve(unknown) is None
    assert calls == []  # no row: refused before any comparison, identically
    client = APIClient()
    answers = [client.get(f"/api/v1/checkins/{token}") for token in (malformed, unknown)]
    assert answers[0].status_code == answers[1].status_code == 404
    assert answers[0].json()["code"] == answers[1].json()["code"] == "checkin_link_invalid"


def test_join_links_check_their_signature_in_constant_time_before_any_lookup(monkeypatch):
    from telehealth import passes

    calls = []
    real = passes.hmac.compare_digest
    monkeypatch.setattr(passes.hmac, "compare_digest", lambda a, b: calls.append(a) or real(a, b))
    forged = "L" * passes.LOOKUP_LENGTH + "0" * passes.MAC_LENGTH

    assert passes.resolve(forged, now=timezone.now()) is None
    assert calls == ["0" * passes.MAC_LENGTH]


def test_a_manage_link_stops_working_a_day_after_the_visit(settings):
    from notifications.rendering import appointment_token
    from tests.factories import AppointmentFactory

    start = timezone.now() + dt.timedelta(days=2)
    appointment = AppointmentFactory(start=start, end=start + dt.timedelta(hours=1))
    token = appointment_token(appointment)
    client = APIClient()
    path = reverse("web:manage", args=[token])

    with time_machine.travel(start, tick=False):
        assert client.get(path).status_code == 200
    last_moment = appointment.end + dt.timedelta(hours=settings.MANAGE_LINK_EXPIRES_HOURS)
    with time_machine.travel(last_moment - dt.timedelta(seconds=1), tick=False):
        assert client.get(path).status_code == 200
    with time_machine.travel(last_moment + dt.timedelta(seconds=1), tick=False):
        expired = client.get(path)
    assert expired.status_code == 404
    assert re.search("We could not find that page", expired.content.decode())
