"""The front desk sees what each visit was sent and how it went, the replies, and what failed."""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.test import APIClient

from accounts.models import Role
from notifications.channels.sms import SmsError
from notifications.inbound import receive_sms
from notifications.models import MessageStatus as M
from tests.factories import LocationFactory, PatientFactory, StaffMemberFactory, UserFactory
from tests.notifications.conftest import book, NOW, rows, run_dispatcher

pytestmark = pytest.mark.django_db


def client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


@pytest.fixture
def desk(clinic):
    user = UserFactory(username="desk", role=Role.FRONT_DESK)
    StaffMemberFactory(user=user, roles=[], locations=[clinic])
    return client_for(user)


@pytest.fixture
def visit(clock, patient, clinic):
    appointment = book(patient=patient, location=clinic)
    clock.move_to(NOW + dt.timedelta(minutes=5))
    run_dispatcher()
    receive_sms(provider_id="SMreply1", from_number=str(patient.phone), to_number="+16025550199", body="C")
    receive_sms(provider_id="SMreply2", from_number=str(patient.phone), to_number="+16025550199",
                body="Is parking free?")
    return appointment


def test_the_desk_sees_what_a_visit_was_sent_when_how_it_went_and_the_replies(desk, visit):
    body = desk.get(f"/api/v1/appointments/{visit.pk}/messages").json()
    assert body["appointment"] == visit.pk
    confirmation = body["messages"][0]
    assert (confirmation["kind"], confirmation["channel"], confirmation["status"]) == ("confirmation", "sms", "sent")
    assert confirmation["sent_at"] == "2025-03-03T17:05:00Z"
    assert confirmation["body"].startswith("Clearday Clinic: your visit is booked")
    assert [m["kind"] for m in body["messages"]] == ["confirmation", "reply_confirmed", "reminder_72h",
                                                     "reminder_24h", "reminder_2h"]
    assert [(r["body"], r["action"]) for r in body["replies"]] == [("C", "confirm"), ("Is parking free?", "other")]


def test_the_desk_works_the_inbox_and_a_second_click_keeps_the_first_handler(desk, visit):
    inbox = desk.get("/api/v1/messages/inbox").json()
    assert [item["body"] for item in inbox["results"]] == ["Is parking free?"]
    item = inbox["results"][0]
    handled = desk.post(f"/api/v1/messages/inbox/{item['id']}/handle").json()
    assert (handled["handled_by"], handled["handled_at"]) == ("desk", "2025-03-03T17:05:00Z")
    other = UserFactory(username="desk2", role=Role.ADMIN)
    again = client_for(other).post(f"/api/v1/messages/inbox/{item['id']}/handle").json()
    assert again["handled_by"] == "desk"
    assert desk.get("/api/v1/messages/inbox").json()["results"] == []
    assert [i["id"] for i in desk.get("/api/v1/messages/inbox?handled=true").json()["results"]] == [item["id"]]


def test_failed_messages_are_listed_for_the_desk(desk, clock, patient, clinic, settings):
    settings.SMS_BACKEND = "tests.notifications.test_api.RefusingBackend"
    appointment = book(patient=patient, location=clinic)
    clock.move_to(NOW + dt.timedelta(minutes=5))
    run_dispatcher()
    failed = desk.get("/api/v1/messages/failed").json()["results"]
    assert [(f["appointment"], f["kind"], f["status"], f["last_error"]) for f in failed] == [
        (appointment.pk, "confirmation", M.FAILED, "Twilio answered 400: invalid number")]
    assert failed[0]["patient_name"] == patient.display_name


class RefusingBackend:
    can_look_up = False

    def send(self, *, to, body, status_callback=None):
        raise SmsError("Twilio answered 400: invalid number", temporary=False, provider_code="21211")


def test_a_desk_at_another_location_cannot_see_the_visit_or_its_replies(visit):
    user = UserFactory(username="elsewhere", role=Role.FRONT_DESK)
    StaffMemberFactory(user=user, roles=[], locations=[LocationFactory(name="Tucson")])
    client = client_for(user)
    response = client.get(f"/api/v1/appointments/{visit.pk}/messages")
    assert response.status_code == 404
    assert client.get("/api/v1/messages/inbox").json()["results"] == []


def test_patients_and_anonymous_callers_are_refused(visit):
    patient_user = UserFactory(username="pat", role=Role.PATIENT)
    PatientFactory(user=patient_user)
    assert client_for(patient_user).get(f"/api/v1/appointments/{visit.pk}/messages").status_code == 403
    assert client_for(patient_user).get("/api/v1/messages/inbox").status_code == 403
    assert APIClient().get("/api/v1/messages/failed").status_code == 401


def test_a_missing_inbox_item_is_a_specific_404(desk, visit):
    response = desk.post("/api/v1/messages/inbox/999999/handle")
    assert response.status_code == 404
    assert response.json()["detail"] == "There is no reply 999999 in your inbox."


def test_superseded_messages_stay_visible_with_their_reason(desk, visit, clock):
    from tests.notifications.conftest import change

    change(visit, start=visit.start + dt.timedelta(days=1), end=visit.end + dt.timedelta(days=1))
    messages = desk.get(f"/api/v1/appointments/{visit.pk}/messages").json()["messages"]
    superseded = [m for m in messages if m["status"] == "superseded"]
    assert {m["status_reason"] for m in superseded} == {"The visit moved to another time."}
    assert rows(visit, status=M.SUPERSEDED).count() == len(superseded) == 3
