"""A risk answer escalates inside the request: the patient gets the crisis page, a RiskAlert is
recorded, and the on-call clinician is paged at once (whatever the hour or the patient's limits,
with no clinical detail in the text). The alert stays open until a clinician acknowledges it
with a note; a failed page is retried and shown on the alert."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail

from checkins.models import AlertStatus, CheckInStatus, OnCallClinician, RiskAlert, RiskRule
from notifications.channels.sms import LocmemSmsBackend, SmsError, SmsResult
from notifications.models import Channel, MessageStatus as M, OutboundMessage
from notifications.rendering import deny_listed_words
from tests.checkins.conftest import (
    api_client,
    checkin,
    completed_visit,
    first_page,
    HOUR,
    ON_CALL_EMAIL,
    ON_CALL_NUMBER,
    phx,
    run_dispatcher,
    texts_to,
    url,
    VISIT_END,
)
from tests.factories import LocationFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def week(clinic, clock):
    """The 7-day check-in (the whole PHQ-9 and the GAD-7), open."""
    visit = completed_visit(clinic)
    clock.move_to(VISIT_END + 169 * HOUR)
    run_dispatcher()  # the 7-day text goes out; the closed check-ins' texts are dropped
    LocmemSmsBackend.outbox = []
    return checkin(visit, "7d")


def item9(item, answer: int = 1, **overrides) -> dict:
    return first_page(item, phq_9=str(answer), **overrides)


def test_item_nine_above_zero_shows_the_crisis_page_and_pages_the_on_call_clinician_in_the_same_request(
        client, week, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = client.post(url(week), item9(week, 2))
    assert response.status_code == 200
    page = response.content.decode()
    for text in ("You are not alone", 'href="tel:911"', 'href="tel:988"', 'href="sms:988"',
                 'href="https://988lifeline.org/chat/"', "Veterans: call 988 and press 1.",
                 "We have let your care team know", 'href="tel:+1-602-555-0100"'):
        assert text in page, text
    alert = RiskAlert.objects.get()
    assert (alert.status, alert.patient, alert.checkin, alert.on_call.display_name) == (
        AlertStatus.OPEN, week.patient, week, "Dr. Rivera")
    assert alert.reasons == [{"code": "phq9_item9", "detail": "PHQ-9 item 9 (thoughts of being better off dead or "
                                                              "of self-harm): more than half the days (2)."}]
    week.refresh_from_db()
    assert week.status == CheckInStatus.ANSWERED
    # The page went to a worker at commit (no beat needed) and out to the on-call number and email.
    assert len(callbacks) == 1
    [text] = texts_to(ON_CALL_NUMBER)
    assert text == ("Clearday Clinic: Urgent: a patient check-in needs review. "
                    f"https://clinic.example/clinician/risk-alerts/{alert.pk}/")
    assert "Ana" not in text and deny_listed_words(text) == []
    [email] = [m for m in mail.outbox if m.to == [ON_CALL_EMAIL]]
    assert email.subject == "Urgent: a patient check-in needs review"
    assert "Ana" not in email.body and "PHQ" not in email.body
    assert {(m.channel, m.status) for m in alert.messages.all()} == {(Channel.SMS, M.SENT), (Channel.EMAIL, M.SENT)}


def test_the_page_is_due_at_once_for_the_dispatcher_if_the_task_is_lost(client, week):
    client.post(url(week), item9(week))  # commit callbacks not run: no task was queued
    alert = RiskAlert.objects.get()
    assert {m.status for m in alert.messages.all()} == {M.PLANNED}
    report = run_dispatcher()
    assert report.claimed == 2
    assert len(texts_to(ON_CALL_NUMBER)) == 1


def test_the_page_goes_out_at_night_and_past_the_patients_limits(client, clinic, week, clock):
    clock.move_to(phx(17, 23, 30))  # 23:30 in Phoenix, quiet hours for patients
    OutboundMessage.objects.filter(patient=clinic.patient).update(status=M.SENT, handed_off_at=phx(17, 12))
    client.post(url(week), item9(week))
    run_dispatcher()
    assert len(texts_to(ON_CALL_NUMBER)) == 1


def test_a_risk_word_in_the_free_text_escalates_in_spanish_too(client, clinic, clock):
    visit = completed_visit(clinic)
    clock.move_to(VISIT_END + 25 * HOUR)
    item = checkin(visit, "24h")
    response = client.post(url(item, lang="es"), first_page(item, free_text="A veces pienso en QUITARME la vida"))
    assert "No está solo" in response.content.decode()
    assert "Enviar AYUDA al 988" in response.content.decode()
    [alert] = RiskAlert.objects.all()
    assert alert.reasons[0]["detail"] == ("Menciona quitarse la vida (matched 'quitarme la vida' in the patient's "
                                          "own words).")


def test_risk_on_the_first_page_does_not_wait_for_the_rest_of_the_phq9(client, clinic, clock):
    visit = completed_visit(clinic)
    clock.move_to(VISIT_END + 73 * HOUR)
    item = checkin(visit, "72h")
    response = client.post(url(item), first_page(item, phq_1="3", phq_2="3", free_text="I want to die"))
    assert "You are not alone" in response.content.decode()
    item.refresh_from_db()
    assert item.status == CheckInStatus.ANSWERED
    assert RiskAlert.objects.count() == 1


def test_a_clinic_answer_rule_and_a_rule_of_another_location(client, clinic, clock):
    RiskRule.objects.create(kind="answer", answer="mood", comparison="at_most", threshold=1,
                            description="Mood at rock bottom")
    RiskRule.objects.create(kind="keyword", pattern="tired", description="Elsewhere only",
                            location=LocationFactory(name="Tucson"))
    visit = completed_visit(clinic)
    clock.move_to(VISIT_END + 25 * HOUR)
    item = checkin(visit, "24h")
    client.post(url(item), first_page(item, mood="1", free_text="So tired"))
    [alert] = RiskAlert.objects.all()
    assert [r["detail"] for r in alert.reasons] == ["Mood at rock bottom (Mood (0-10) 1, rule: at most 1)."]


def test_calm_answers_raise_nothing(client, week):
    response = client.post(url(week), first_page(week))
    assert "Your answers were sent to your care team." in response.content.decode()
    assert not RiskAlert.objects.exists()


def test_coming_back_to_a_risk_check_in_shows_the_crisis_resources_again(client, week):
    client.post(url(week), item9(week))
    assert "You are not alone" in client.get(url(week)).content.decode()


def test_the_alert_stays_open_until_a_clinician_acknowledges_it_with_a_note(client, clinic, week, clock):
    client.post(url(week), item9(week))
    alert = RiskAlert.objects.get()
    desk, doctor = api_client(clinic.desk.user), api_client(clinic.doctor.user)
    clock.shift(dt.timedelta(days=3))
    open_for_desk = desk.get("/api/v1/risk-alerts?status=open").json()["results"]
    assert [(a["id"], a["status"], a["reasons"], a["note"]) for a in open_for_desk] == [
        (alert.pk, "open", None, None)]
    assert doctor.get("/api/v1/risk-alerts").json()["results"][0]["reasons"][0]["code"] == "phq9_item9"
    assert desk.post(f"/api/v1/risk-alerts/{alert.pk}/acknowledge", {"note": "x"}).status_code == 403
    blank = doctor.post(f"/api/v1/risk-alerts/{alert.pk}/acknowledge", {"note": "  "}, format="json")
    assert (blank.status_code, blank.json()["errors"][0]["field"]) == (400, "note")
    assert RiskAlert.objects.get().status == AlertStatus.OPEN
    done = doctor.post(f"/api/v1/risk-alerts/{alert.pk}/acknowledge",
                       {"note": "Called Ana; safe, with her sister. Safety plan reviewed."}, format="json")
    assert done.status_code == 200
    body = done.json()
    assert (body["status"], body["acknowledged_by"]["name"]) == ("acknowledged", clinic.doctor.user.get_full_name())
    assert desk.get("/api/v1/risk-alerts?status=open").json()["results"] == []
    again = doctor.post(f"/api/v1/risk-alerts/{alert.pk}/acknowledge", {"note": "again"}, format="json")
    assert (again.status_code, again.json()["code"]) == (409, "risk_alert_already_acknowledged")


def test_the_clinician_acknowledges_on_the_alert_page(client, clinic, week):
    client.post(url(week), item9(week))
    alert = RiskAlert.objects.get()
    client.force_login(clinic.doctor.user)
    page = client.get(f"/clinician/risk-alerts/{alert.pk}/").content.decode()
    assert "PHQ-9 item 9" in page and "Acknowledge" in page
    refused = client.post(f"/clinician/risk-alerts/{alert.pk}/", {"note": ""})
    assert "Write a note saying what was done" in refused.content.decode()
    client.post(f"/clinician/risk-alerts/{alert.pk}/", {"note": "Called her."})
    alert.refresh_from_db()
    assert (alert.status, alert.note, alert.acknowledged_by) == (AlertStatus.ACKNOWLEDGED, "Called her.",
                                                                 clinic.doctor.user)


def test_the_front_desk_sees_the_open_alert_but_not_why(client, clinic, week):
    client.post(url(week), item9(week))
    alert = RiskAlert.objects.get()
    client.force_login(clinic.desk.user)
    listing = client.get("/clinician/risk-alerts/").content.decode()
    assert "Ana Lopez" in listing and "Open" in listing and "PHQ-9" not in listing
    page = client.get(f"/clinician/risk-alerts/{alert.pk}/").content.decode()
    assert "PHQ-9" not in page and 'name="note"' not in page
    assert client.post(f"/clinician/risk-alerts/{alert.pk}/", {"note": "x"}).status_code == 403


def test_a_desk_at_another_site_does_not_see_the_alert(clinic, week, client):
    from accounts.models import Role
    from tests.factories import StaffMemberFactory, UserFactory

    client.post(url(week), item9(week))
    elsewhere = StaffMemberFactory(locations=[LocationFactory(name="Tucson")],
                                   user=UserFactory(username="tucsondesk", role=Role.FRONT_DESK))
    assert api_client(elsewhere.user).get("/api/v1/risk-alerts").json()["results"] == []


class FlakySmsBackend(LocmemSmsBackend):
    failures: list[SmsError] = []

    def send(self, *, to, body, status_callback=None) -> SmsResult:
        if FlakySmsBackend.failures:
            raise FlakySmsBackend.failures.pop(0)
        return super().send(to=to, body=body, status_callback=status_callback)


def test_a_failed_page_is_retried_and_shown_on_the_alert(client, clinic, week, clock, settings):
    settings.SMS_BACKEND = "tests.checkins.test_risk.FlakySmsBackend"
    FlakySmsBackend.failures = [SmsError("Twilio answered 503: Service Unavailable", temporary=True)]
    client.post(url(week), item9(week))
    run_dispatcher()
    alert = RiskAlert.objects.get()
    doctor = api_client(clinic.doctor.user)
    body = doctor.get(f"/api/v1/risk-alerts/{alert.pk}").json()
    sms = next(d for d in body["deliveries"] if d["channel"] == "sms")
    assert (sms["status"], sms["attempts"], sms["last_error"]) == (
        "planned", 1, "Twilio answered 503: Service Unavailable")
    client.force_login(clinic.doctor.user)
    assert "Twilio answered 503" in client.get(f"/clinician/risk-alerts/{alert.pk}/").content.decode()
    clock.shift(dt.timedelta(seconds=31))
    run_dispatcher()
    assert len(texts_to(ON_CALL_NUMBER)) == 1
    assert doctor.get(f"/api/v1/risk-alerts/{alert.pk}").json()["delivery"] == "sent"


def test_without_an_on_call_clinician_the_alert_says_nobody_was_paged(client, clinic, week):
    OnCallClinician.objects.all().delete()
    response = client.post(url(week), item9(week))
    assert "You are not alone" in response.content.decode()
    alert = RiskAlert.objects.get()
    assert alert.delivery_problem.startswith("No on-call clinician is set for Camelback or for the whole clinic")
    assert api_client(clinic.doctor.user).get("/api/v1/risk-alerts").json()["results"][0]["delivery"] == "not_paged"


def test_a_sites_own_on_call_clinician_is_paged_before_the_clinic_wide_one(client, clinic, week):
    from tests.factories import StaffMemberFactory

    local = StaffMemberFactory(display_name="Dr. Local")
    OnCallClinician.objects.create(location=clinic.site, staff=local, sms_number="+16025550777")
    client.post(url(week), item9(week))
    run_dispatcher()
    assert RiskAlert.objects.get().on_call == local
    assert len(texts_to("+16025550777")) == 1 and texts_to(ON_CALL_NUMBER) == []
