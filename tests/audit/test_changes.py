"""Changes made through the services and the admin write audit entries, in the change's own
transaction."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from audit.models import Action, AuditEntry
from care import gates, services as care
from care.models import Clearance, ContraindicationScreening
from checkins.models import RiskRule
from notifications.consent import revoke_sms
from tests.audit.conftest import api_client, open_alert, page_client
from tests.factories import AppointmentFactory, clearance, iv_infusion_service, screening
from web.services.patients import create_patient, PatientDetails

pytestmark = pytest.mark.django_db


def entries(**filters) -> list[tuple]:
    return list(AuditEntry.objects.filter(**filters).order_by("id").values_list(
        "actor__username", "action", "record_kind", "record_id", "patient_id", "summary"))


def test_clearing_and_revoking_through_the_api_are_recorded_with_where_from(site):
    screening(site.patient)
    client = api_client(site.clinician)

    cleared = client.post(reverse("api:care-clearances"), {"patient": site.patient.pk, "treatment": "iv_ketamine",
                                                           "evaluated_on": "2025-02-01"}, format="json",
                          HTTP_X_REQUEST_ID="req-clear")
    revoked = client.post(reverse("api:care-clearance-revoke", args=[cleared.json()["id"]]),
                          {"reason": "New finding at the last visit."}, format="json")

    assert cleared.status_code == 201 and revoked.status_code == 200
    pk = str(cleared.json()["id"])
    assert entries(record_kind="care.clearance") == [
        ("dr.lee", Action.CREATE, "care.clearance", pk, site.patient.pk, "clearance for iv_ketamine"),
        ("dr.lee", Action.CHANGE, "care.clearance", pk, site.patient.pk, "clearance for iv_ketamine revoked")]
    created = AuditEntry.objects.get(record_kind="care.clearance", action=Action.CREATE)
    assert (created.ip, created.request_id, created.actor_role) == ("198.51.100.7", "req-clear", "clinician")


def test_the_entry_rolls_back_with_the_change_it_describes(site):
    screening(site.patient)

    with pytest.raises(RuntimeError), transaction.atomic():
        care.clear_patient(patient=site.patient, treatment="iv_ketamine", actor=site.clinician,
                           evaluated_on=dt.date(2025, 2, 1))
        raise RuntimeError("the request failed after the clearance was written")

    assert not Clearance.objects.exists()
    assert not AuditEntry.objects.exists()


def test_screening_rems_escort_and_monitoring_form_changes_are_recorded(site):
    care.record_screening(patient=site.patient, answers={name: False for name, _ in ContraindicationScreening.FINDINGS},
                          source="intake_form", actor=site.clinician)
    care.enrol_in_rems(patient=site.patient, enrolled_on=dt.date(2025, 1, 5), actor=site.clinician)
    care.enrol_in_rems(patient=site.patient, enrolled_on=dt.date(2025, 1, 6), actor=site.clinician)
    dosing = AppointmentFactory(patient=site.patient, location=site.location,
                                service=iv_infusion_service(locations=[site.location]),
                                start=timezone.now() + dt.timedelta(days=1),
                                end=timezone.now() + dt.timedelta(days=1, hours=2))
    care.record_escort(appointment=dosing, name="Sam Doe", phone="+16025550199", confirmed_adult=True,
                       actor=site.patient.user)

    assert [(e[1], e[2], e[4]) for e in entries()] == [
        (Action.CREATE, "care.contraindicationscreening", site.patient.pk),
        (Action.CREATE, "care.remsenrolment", site.patient.pk),
        (Action.CHANGE, "care.remsenrolment", site.patient.pk),
        (Action.CREATE, "care.escort", site.patient.pk)]
    assert AuditEntry.objects.get(record_kind="care.escort").actor_role == "patient"
    assert "Sam" not in AuditEntry.objects.get(record_kind="care.escort").summary


def test_a_desk_override_of_a_gate_is_an_override_entry(site):
    dosing = AppointmentFactory(patient=site.patient, location=site.location,
                                service=iv_infusion_service(locations=[site.location]),
                                start=timezone.now() + dt.timedelta(hours=1),
                                end=timezone.now() + dt.timedelta(hours=3))

    overrides = gates.enforce_check_in_gates(appointment=dosing, actor=site.desk, override_reason="Driver is parking")

    assert [o.gate for o in overrides] == ["escort"]
    assert entries(action=Action.OVERRIDE) == [
        ("desk", Action.OVERRIDE, "care.gateoverride", str(overrides[0].pk), site.patient.pk,
         "escort gate overridden at check_in")]


def test_acknowledging_a_risk_alert_is_recorded(site):
    alert = open_alert(site)

    response = page_client(site.clinician).post(reverse("checkins:staff-alert", args=[alert.pk]),
                                                {"note": "Called the patient; safe."})

    assert response.status_code == 302
    assert entries(action=Action.CHANGE) == [
        ("dr.lee", Action.CHANGE, "checkins.riskalert", str(alert.pk), site.patient.pk, "risk alert acknowledged")]
    assert "safe" not in AuditEntry.objects.get().summary


def test_consent_changes_and_new_patient_records_are_recorded(site):
    revoke_sms(patients=[site.patient], source="sms_keyword", detail="STOP")
    details = PatientDetails(first_name="Bea", last_name="Ruiz", date_of_birth=dt.date(1990, 1, 2),
                             phone="+16025550177", email="bea@example.com", state="AZ", language="en",
                             time_zone="America/Phoenix", sms_consent=True)
    created = create_patient(details=details, consent_source="front_desk", actor=site.desk)

    assert [(e[0], e[1], e[2], e[4], e[5]) for e in entries()] == [
        (None, Action.CHANGE, "notifications.consentevent", site.patient.pk, "SMS consent revoked (sms_keyword)"),
        ("desk", Action.CREATE, "scheduling.patient", created.pk, "patient record created (front_desk)"),
        # consent services take no actor: in a request it is the signed-in user, here (no request) the system
        (None, Action.CHANGE, "notifications.consentevent", created.pk, "SMS consent granted (front_desk)")]


def test_adding_changing_and_deleting_a_risk_rule_in_the_admin_is_recorded(site):
    admin = page_client(site.root)
    form = {"kind": "keyword", "language": "en", "pattern": "hopeless", "answer": "", "comparison": "",
            "threshold": "", "description": "Hopelessness", "active": "on", "location": ""}

    added = admin.post(reverse("admin:checkins_riskrule_add"), form, HTTP_X_REQUEST_ID="req-admin")
    rule = RiskRule.objects.get(pattern="hopeless")
    changed = admin.post(reverse("admin:checkins_riskrule_change", args=[rule.pk]),
                         {**form, "description": "Feels hopeless"})
    deleted = admin.post(reverse("admin:checkins_riskrule_delete", args=[rule.pk]), {"post": "yes"})

    assert [r.status_code for r in (added, changed, deleted)] == [302, 302, 302]
    assert entries(record_kind="checkins.riskrule") == [
        ("root", Action.CREATE, "checkins.riskrule", str(rule.pk), None, "admin: added"),
        ("root", Action.CHANGE, "checkins.riskrule", str(rule.pk), None, "admin: changed (Description)"),
        ("root", Action.DELETE, "checkins.riskrule", str(rule.pk), None, "admin: deleted")]
    first = AuditEntry.objects.filter(record_kind="checkins.riskrule").earliest("id")
    assert (first.ip, first.request_id) == ("198.51.100.7", "req-admin")


def test_a_bulk_delete_in_the_admin_records_each_row(site):
    rules = [RiskRule.objects.create(pattern=word, description=word) for word in ("alone", "worthless")]

    page_client(site.root).post(reverse("admin:checkins_riskrule_changelist"),
                                {"action": "delete_selected", "_selected_action": [r.pk for r in rules], "post": "yes"})

    assert not RiskRule.objects.filter(pk__in=[r.pk for r in rules]).exists()
    assert sorted(e[3] for e in entries(action=Action.DELETE)) == sorted(str(r.pk) for r in rules)


def test_opening_a_patient_in_the_admin_is_a_staff_read(site):
    response = page_client(site.root).get(reverse("admin:scheduling_patient_change", args=[site.patient.pk]))

    assert response.status_code == 200
    assert entries() == [("root", Action.READ, "scheduling.patient", str(site.patient.pk), site.patient.pk,
                          "admin page")]


def test_an_existing_clearance_fixture_is_not_an_audited_change(site):
    """Rows written straight to the database (fixtures, migrations) bypass the services; only
    the services and the admin write entries."""
    clearance(site.patient)

    assert not AuditEntry.objects.exists()


def test_a_caller_added_at_the_desk_names_the_desk_on_the_record_and_on_the_consent(site):
    response = page_client(site.desk).post(reverse("web:desk-find-patient"), {
        "first_name": "Luis", "last_name": "Ortega", "date_of_birth": "1975-09-09", "phone": "(602) 555-0123",
        "email": "", "state": "AZ", "time_zone": "America/Phoenix", "language": "es", "sms_consent": "on"},
        HTTP_X_REQUEST_ID="req-new-caller")

    assert response.status_code == 302
    rows = AuditEntry.objects.order_by("id")
    assert [(e.actor_username, e.action, e.record_kind, e.request_id) for e in rows] == [
        ("desk", Action.CREATE, "scheduling.patient", "req-new-caller"),
        ("desk", Action.CHANGE, "notifications.consentevent", "req-new-caller")]
    assert all("Luis" not in e.summary and "Ortega" not in e.summary for e in rows)
