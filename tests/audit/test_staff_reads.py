"""Staff reading a patient's records leaves one audit entry per request, saying who (and their
role), what, and from where; a patient reading their own records leaves none."""

from __future__ import annotations

import threading

import pytest
from django.db import connections
from django.urls import reverse

from audit.models import Action, AuditEntry
from notifications.models import InboundMessage
from tests.audit.conftest import api_client, BROWSER, page_client

pytestmark = pytest.mark.django_db


def only_entry() -> AuditEntry:
    entries = list(AuditEntry.objects.all())
    assert len(entries) == 1, entries
    return entries[0]


def test_the_desk_opening_a_visit_page_records_who_what_and_from_where(site):
    response = page_client(site.desk).get(reverse("web:desk-appointment", args=[site.visit.pk]),
                                          HTTP_X_REQUEST_ID="req-visit-1")

    assert response.status_code == 200
    entry = only_entry()
    assert (entry.actor, entry.actor_username, entry.actor_role) == (site.desk, "desk", "front_desk")
    assert (entry.action, entry.record_kind, entry.record_id) == (Action.READ, "scheduling.appointment",
                                                                  str(site.visit.pk))
    assert entry.patient_id == site.patient.pk
    assert (entry.ip, entry.user_agent, entry.request_id) == ("198.51.100.7", BROWSER, "req-visit-1")
    assert "messages" in entry.summary


def test_a_clinician_reading_a_patients_clinical_summary_is_recorded(site):
    response = api_client(site.clinician).get(reverse("api:care-patient", args=[site.patient.pk]),
                                              HTTP_X_REQUEST_ID="req-summary")

    assert response.status_code == 200
    entry = only_entry()
    assert (entry.actor_role, entry.record_kind, entry.record_id, entry.patient_id) == (
        "clinician", "scheduling.patient", str(site.patient.pk), site.patient.pk)
    assert (entry.ip, entry.request_id) == ("198.51.100.7", "req-summary")


def test_the_desk_booking_page_for_a_patient_is_a_read_of_that_patient(site):
    response = page_client(site.desk).get(reverse("web:desk-book", args=[site.patient.pk]))

    assert response.status_code == 200
    assert (only_entry().record_kind, only_entry().patient_id) == ("scheduling.patient", site.patient.pk)


@pytest.mark.parametrize(("who", "summary"), [("clinician", "check-ins with answers"), ("desk", "check-ins")])
def test_reading_a_patients_check_ins_through_the_api_is_one_entry(site, who, summary):
    response = api_client(getattr(site, who)).get(reverse("api:patient-checkins", args=[site.patient.pk]))

    assert response.status_code == 200
    entry = only_entry()
    assert (entry.record_kind, entry.patient_id, entry.summary) == ("checkins.checkin", site.patient.pk, summary)


def test_the_clinicians_check_in_page_is_recorded(site):
    response = page_client(site.clinician).get(reverse("checkins:staff-patient", args=[site.patient.pk]),
                                               HTTP_X_REQUEST_ID="req-chart")

    assert response.status_code == 200
    entry = only_entry()
    assert (entry.actor, entry.record_kind, entry.patient_id, entry.request_id) == (
        site.clinician, "checkins.checkin", site.patient.pk, "req-chart")
    assert entry.ip == "198.51.100.7"


def test_reading_a_visits_message_history_through_the_api_is_recorded(site):
    response = api_client(site.desk).get(reverse("api:appointment-messages", args=[site.visit.pk]))

    assert response.status_code == 200
    entry = only_entry()
    assert (entry.record_kind, entry.patient_id) == ("notifications.outboundmessage", site.patient.pk)
    assert str(site.visit.pk) in entry.summary


def test_a_list_is_one_entry_naming_its_filter_not_one_per_row(site):
    for n in range(3):
        InboundMessage.objects.create(provider_id=f"SM{n}", from_number="+16025550101", body="Call me",
                                      received_at=site.visit.start, patient=site.patient, appointment=site.visit,
                                      action="other", needs_attention=True, attention_reason="Free text.")

    api = api_client(site.desk).get(reverse("api:messages-inbox"), {"handled": "false"})
    page = page_client(site.desk).get(reverse("web:desk-inbox"))

    assert api.status_code == 200 and len(api.json()["results"]) == 3
    assert page.status_code == 200
    entries = list(AuditEntry.objects.order_by("id"))
    assert [(e.record_kind, e.record_id, e.summary) for e in entries] == [
        ("notifications.inboundmessage", "", "inbox, handled=False"),
        ("notifications.inboundmessage", "", "inbox page, handled=False")]


def test_staff_reading_an_appointment_through_the_api_is_recorded(site):
    response = api_client(site.desk).get(reverse("api:appointment", args=[site.visit.pk]))

    assert response.status_code == 200
    assert (only_entry().record_kind, only_entry().record_id) == ("scheduling.appointment", str(site.visit.pk))


def test_a_patient_reading_their_own_appointment_leaves_no_entry(site):
    response = api_client(site.patient.user).get(reverse("api:appointment", args=[site.visit.pk]))
    listing = api_client(site.patient.user).get(reverse("api:appointments"))

    assert response.status_code == 200 and listing.status_code == 200
    assert not AuditEntry.objects.exists()


def test_the_address_is_the_one_the_configured_proxies_report(site, settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "NUM_PROXIES": 1}
    client = api_client(site.clinician)

    client.get(reverse("api:care-patient", args=[site.patient.pk]), REMOTE_ADDR="10.0.0.2",
               HTTP_X_FORWARDED_FOR="203.0.113.50")

    assert only_entry().ip == "203.0.113.50"


def test_without_proxies_a_forged_forwarded_for_header_is_ignored(site):
    api_client(site.clinician).get(reverse("api:care-patient", args=[site.patient.pk]),
                                   HTTP_X_FORWARDED_FOR="203.0.113.50")

    assert only_entry().ip == "198.51.100.7"


@pytest.mark.django_db(transaction=True)
def test_a_read_is_committed_at_once_although_the_request_changes_nothing(site):
    page_client(site.desk).get(reverse("web:desk-appointment", args=[site.visit.pk]))

    seen = []
    worker = threading.Thread(target=lambda: (seen.append(AuditEntry.objects.count()), connections.close_all()))
    worker.start()
    worker.join()
    assert seen == [1]


def test_opening_a_record_that_belongs_to_a_patient_through_its_check_in_in_the_admin_is_a_read_of_that_patient(
        site):
    from checkins.models import CheckInAnswers
    from tests.audit.conftest import open_alert

    answers = CheckInAnswers.objects.create(checkin=open_alert(site).checkin, mood=4, free_text="Tired")
    page = page_client(site.root).get(reverse("admin:checkins_checkinanswers_change", args=[answers.pk]))

    assert page.status_code == 200
    entry = AuditEntry.objects.get(action=Action.READ, record_kind="checkins.checkinanswers")
    assert (entry.record_id, entry.patient_id, entry.actor_username) == (str(answers.pk), site.patient.pk, "root")


def test_reading_the_audit_log_itself_in_the_admin_writes_no_entry(site):
    from audit.services import record

    entry = record(action=Action.READ, target=site.patient, actor=site.desk, summary="patient detail")
    before = AuditEntry.objects.count()
    page = page_client(site.admin).get(reverse("admin:audit_auditentry_change", args=[entry.pk]))

    assert page.status_code == 200
    assert AuditEntry.objects.count() == before


def test_a_list_filtered_on_a_patient_carries_the_patients_id(site):
    api = api_client(site.desk)

    courses = api.get(reverse("api:courses"), {"patient": site.patient.pk})
    visits = api.get(reverse("api:appointments"), {"patient": site.patient.pk})
    everyone = api.get(reverse("api:appointments"))

    assert (courses.status_code, visits.status_code, everyone.status_code) == (200, 200, 200)
    entries = list(AuditEntry.objects.order_by("id"))
    assert [(e.record_kind, e.patient_id) for e in entries] == [
        ("scheduling.course", site.patient.pk), ("scheduling.appointment", site.patient.pk),
        ("scheduling.appointment", None)]


def test_the_desks_patient_search_is_one_entry_per_patient_found_without_the_query(site):
    from tests.factories import PatientFactory

    namesake = PatientFactory(legal_first_name="Ana", legal_last_name="Other")

    page = page_client(site.desk).get(reverse("web:desk-find-patient"), {"q": "Ana"})

    assert page.status_code == 200
    entries = list(AuditEntry.objects.order_by("patient_id"))
    assert [(e.record_kind, e.patient_id) for e in entries] == [
        ("scheduling.patient", p) for p in sorted([site.patient.pk, namesake.pk])]
    assert all("Ana" not in e.summary for e in entries)


def test_a_patient_listing_their_own_courses_leaves_no_entry(site):
    response = api_client(site.patient.user).get(reverse("api:courses"), {"patient": site.patient.pk})

    assert response.status_code == 200
    assert not AuditEntry.objects.exists()
