"""The waitlist API as a single-site desk member and as a patient: joining with Idempotency-Key,
a refusal that says why, the desk's scope, withdrawing, priority, the report."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from accounts.models import Role
from audit.models import AuditEntry
from scheduling.models import StaffRole
from tests.factories import LocationFactory, PatientFactory, StaffMemberFactory, UserFactory
from tests.waitlist.conftest import phx
from waitlist.models import EntryStatus, WaitlistEntry

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def desk_at(*sites, name="desk"):
    user = UserFactory(username=name, role=Role.FRONT_DESK)
    StaffMemberFactory(user=user, roles=[StaffRole.FRONT_DESK], locations=list(sites))
    return user


def test_a_patient_joins_once_with_an_idempotency_key(clinic, clock):
    patient = clinic.patient()
    patient.user = UserFactory(username="ana", role=Role.PATIENT)
    patient.save()
    client = client_for(patient.user)
    body = {
        "service": clinic.infusion.pk,
        "place": "location",
        "location": clinic.site.pk,
        "weekdays": [0, 1, 2],
        "time_ranges": [["08:00", "12:00"]],
    }

    first = client.post("/api/v1/waitlist", body, format="json", HTTP_IDEMPOTENCY_KEY="join-1")
    again = client.post("/api/v1/waitlist", body, format="json", HTTP_IDEMPOTENCY_KEY="join-1")
    other_key = client.post("/api/v1/waitlist", body, format="json", HTTP_IDEMPOTENCY_KEY="join-2")

    assert first.status_code == 201, first.json()
    assert again.status_code == 201 and again.json()["id"] == first.json()["id"]
    assert other_key.status_code == 200 and other_key.json()["id"] == first.json()["id"]
    assert WaitlistEntry.objects.get().time_ranges == [["08:00", "12:00"]]


def test_a_patient_who_cannot_book_the_service_is_told_why(clinic, clock):
    patient = clinic.patient(cleared=False)
    patient.user = UserFactory(username="bea", role=Role.PATIENT)
    patient.save()

    refused = client_for(patient.user).post(
        "/api/v1/waitlist", {"service": clinic.infusion.pk}, format="json", HTTP_IDEMPOTENCY_KEY="join-x"
    )

    assert refused.status_code == 422
    problem = refused.json()
    assert problem["code"] == "waitlist_not_eligible" and problem["detail"] and problem["next_step"]
    assert refused["Content-Type"].startswith("application/problem+json")
    assert not WaitlistEntry.objects.exists()


def test_the_desk_adds_a_caller_and_sees_only_its_sites(clinic, clock):
    desk = desk_at(clinic.site)
    elsewhere = desk_at(LocationFactory(name="Tucson"), name="tucson")
    caller = clinic.patient()
    clinic.book(caller, phx(5, 9))  # a patient of this site, so the desk may act for them

    added = client_for(desk).post(
        "/api/v1/waitlist",
        {
            "patient": caller.pk,
            "service": clinic.infusion.pk,
            "place": "location",
            "location": clinic.site.pk,
            "priority": 10,
        },
        format="json",
        HTTP_IDEMPOTENCY_KEY="desk-1",
    )
    assert added.status_code == 201, added.json()
    assert added.json()["priority"] == 10

    listed = client_for(desk).get("/api/v1/waitlist/entries")
    assert listed.json()["count"] == 1
    assert [e["id"] for e in listed.json()["results"]] == [added.json()["id"]]
    assert AuditEntry.objects.filter(
        patient_id=caller.pk, action="read", record_kind__endswith="waitlistentry"
    ).exists()
    assert client_for(elsewhere).get("/api/v1/waitlist/entries").json()["results"] == []

    entry_id = added.json()["id"]
    raised = client_for(desk).post(
        f"/api/v1/waitlist/entries/{entry_id}/priority", {"priority": 50}, format="json", HTTP_IDEMPOTENCY_KEY="prio-1"
    )
    assert raised.status_code == 200 and raised.json()["priority"] == 50
    hidden = client_for(elsewhere).post(f"/api/v1/waitlist/entries/{entry_id}/withdraw", HTTP_IDEMPOTENCY_KEY="w-0")
    assert hidden.status_code == 404
    withdrawn = client_for(desk).post(f"/api/v1/waitlist/entries/{entry_id}/withdraw", HTTP_IDEMPOTENCY_KEY="w-1")
    assert withdrawn.status_code == 200 and WaitlistEntry.objects.get().status == EntryStatus.WITHDRAWN


def test_the_desk_cannot_add_a_patient_it_cannot_see(clinic, clock):
    desk = desk_at(clinic.site)
    stranger = PatientFactory()
    other_site = LocationFactory(name="Tucson")
    from tests.factories import AppointmentFactory

    AppointmentFactory(patient=stranger, location=other_site)

    refused = client_for(desk).post(
        "/api/v1/waitlist",
        {"patient": stranger.pk, "service": clinic.infusion.pk},
        format="json",
        HTTP_IDEMPOTENCY_KEY="desk-2",
    )

    assert refused.status_code == 404 and refused.json()["code"] == "patient_not_found"


def test_the_report_counts_freed_and_refilled_minutes_per_week(clinic, clock):
    from scheduling.services.transitions import cancel_appointment
    from waitlist import claiming, joining, matching
    from waitlist.models import FreedTime

    joining.join(patient=clinic.patient(), service=clinic.infusion, now=phx(3, 9))
    visit = clinic.book(clinic.patient(), phx(4, 10))
    cancel_appointment(appointment=visit, actor=None, now=phx(3, 10))
    [offer] = matching.match(FreedTime.objects.get().pk, now=phx(3, 10))
    claiming.claim(offer_id=offer.pk, now=phx(3, 10, 6))

    weeks = client_for(desk_at(clinic.site)).get("/api/v1/waitlist/report?weeks=2").json()

    assert len(weeks) == 2
    this_week = weeks[-1]
    assert this_week["starts_on"] == "2025-03-03"
    assert this_week["minutes_freed"] == 85 and this_week["minutes_refilled"] == 85
    assert this_week["median_minutes_to_refill"] == 6.0
    assert this_week["offers_sent"] == 1 and this_week["offers_claimed"] == 1
