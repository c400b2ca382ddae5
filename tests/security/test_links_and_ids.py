"""Links and identifiers (issue 19, finding 6): a visit's manage link does not show a signed-in
patient someone else's visit, and a client's X-Request-ID reaches the logs, the response and the
audit rows only when it is a short token of safe characters."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import timezone

from accounts.models import Role
from audit.context import origin
from audit.models import AuditEntry
from notifications.rendering import appointment_token
from tests.factories import AppointmentFactory, LocationFactory, PatientFactory, StaffMemberFactory, UserFactory
from tests.foundation.test_logging import log_lines  # noqa: F401  (fixture)

pytestmark = pytest.mark.django_db


@pytest.fixture
def site(db, settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    location = LocationFactory(name="Phoenix", time_zone="America/Phoenix", state="AZ")
    desk = UserFactory(username="desk", role=Role.FRONT_DESK)
    StaffMemberFactory(user=desk, display_name="Front Desk", roles=["front_desk"], locations=[location])
    ana = PatientFactory(user=UserFactory(username="ana", role=Role.PATIENT), legal_first_name="Ana",
                         legal_last_name="Quarrington", phone="+16025550111")
    ben = PatientFactory(user=UserFactory(username="ben", role=Role.PATIENT), legal_first_name="Ben",
                         legal_last_name="Underhill", phone="+16025550122")
    start = timezone.now() + dt.timedelta(days=2)
    visit = AppointmentFactory(patient=ana, location=location, start=start, end=start + dt.timedelta(hours=1))
    return SimpleNamespace(location=location, desk=desk, ana=ana, ben=ben, visit=visit,
                           manage=reverse("web:manage", args=[appointment_token(visit)]))


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- The manage link --------------------------------------------------------------------------

def test_another_signed_in_patient_gets_the_unknown_link_page_naming_nobody(site):
    theirs = signed_in(site.ben.user).get(site.manage)
    unknown = signed_in(site.ben.user).get(reverse("web:manage", args=["no-such-token-at-all"]))

    assert theirs.status_code == unknown.status_code == 404
    page = theirs.content.decode()
    assert "Quarrington" not in page and site.location.name not in page
    assert "We could not find that page" in page and "We could not find that page" in unknown.content.decode()


def test_another_signed_in_patient_cannot_ask_for_a_sign_in_code_through_the_link(site):
    ben = signed_in(site.ben.user)
    response = ben.post(site.manage)

    assert response.status_code == 404
    assert "sign_in" not in ben.session


def test_the_owner_signed_in_goes_to_their_visit(site):
    response = signed_in(site.ana.user).get(site.manage)

    assert response.status_code == 302
    assert response.url == f"{reverse('web:my-appointments')}#visit-{site.visit.pk}"


def test_the_link_still_works_for_someone_not_signed_in(site):
    response = Client().get(site.manage)

    assert response.status_code == 200
    assert site.location.name in response.content.decode()


# --- X-Request-ID -----------------------------------------------------------------------------

UNSAFE_IDS = [
    "req-1\n",  # a trailing newline slipped past `^...$`
    "r" * 65,  # too long
    "req 1",
    "req-1;DROP",
    "<script>",
    "réq-1",
    "",
]


@pytest.mark.parametrize("raw", UNSAFE_IDS)
def test_an_unsafe_request_id_is_replaced_in_the_response_the_log_and_the_audit_row(site, log_lines, raw):
    response = signed_in(site.desk).get(reverse("web:desk-appointment", args=[site.visit.pk]),
                                        HTTP_X_REQUEST_ID=raw)

    assert response.status_code == 200
    made = response["X-Request-ID"]
    assert made != raw and len(made) == 32 and made.isalnum()
    assert AuditEntry.objects.filter(record_kind="scheduling.appointment", record_id=str(site.visit.pk)).exists()
    assert set(AuditEntry.objects.values_list("request_id", flat=True)) == {made}
    assert any(f"[{made}] GET /desk/appointments/{site.visit.pk} 200" in line for line in log_lines)
    assert not any(raw and raw in line for line in log_lines)


@pytest.mark.parametrize("safe", ["lb-7f3a.42", "0b7e5c1e-9f4d-4c51-9a57-2d4f0e8a1c33", "r" * 64])
def test_a_short_token_of_safe_characters_is_kept_everywhere(site, safe):
    response = signed_in(site.desk).get(reverse("web:desk-appointment", args=[site.visit.pk]),
                                        HTTP_X_REQUEST_ID=safe)

    assert response["X-Request-ID"] == safe
    assert AuditEntry.objects.filter(record_kind="scheduling.appointment").exists()
    assert set(AuditEntry.objects.values_list("request_id", flat=True)) == {safe}


def test_the_audit_log_never_takes_an_unsafe_id_from_the_request_itself():
    request = RequestFactory().get("/", REMOTE_ADDR="198.51.100.7")
    request.request_id = "forged\nline"

    assert origin(request).request_id == ""  # outside a request nothing is bound: no id rather than the raw one
