"""Audit entries cannot be changed or removed: not through a model, a queryset, the admin, nor
(on PostgreSQL) plain SQL. Removing the people or patients they name leaves them in place."""

from __future__ import annotations

import pytest
from django.db import connection, IntegrityError, transaction
from django.urls import reverse

from accounts.models import Role
from audit.models import Action, AuditEntry, AuditLogIsAppendOnly
from audit.services import record
from tests.audit.conftest import page_client
from tests.factories import PatientFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def entry(site):
    return record(action=Action.READ, target=site.patient, actor=site.desk, summary="patient search")


def test_a_saved_entry_cannot_be_saved_again_or_deleted(entry):
    entry.summary = "nothing to see"

    with pytest.raises(AuditLogIsAppendOnly):
        entry.save()
    with pytest.raises(AuditLogIsAppendOnly):
        entry.delete()

    entry.refresh_from_db()
    assert entry.summary == "patient search"


def test_a_new_instance_with_an_existing_id_cannot_overwrite_a_row(entry):
    impostor = AuditEntry(pk=entry.pk, action=Action.DELETE, record_kind="scheduling.patient")

    with pytest.raises(IntegrityError), transaction.atomic():
        impostor.save()

    entry.refresh_from_db()
    assert entry.action == Action.READ


def test_querysets_refuse_update_and_delete(entry):
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEntry.objects.filter(pk=entry.pk).update(summary="x")
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEntry.objects.all().delete()
    with pytest.raises(AuditLogIsAppendOnly):
        AuditEntry.objects.bulk_update([entry], ["summary"])

    assert AuditEntry.objects.filter(summary="patient search").count() == 1


def test_deleting_the_patient_or_the_user_named_leaves_the_entry(db):
    walk_in, temp = PatientFactory(), UserFactory(username="temp.desk", role=Role.FRONT_DESK)
    record(action=Action.READ, target=walk_in, actor=temp)
    ids = (temp.pk, walk_in.pk)

    walk_in.delete()
    temp.delete()

    entry = AuditEntry.objects.get()
    assert (entry.actor_id, entry.patient_id, entry.actor_username, entry.actor_role) == (*ids, "temp.desk",
                                                                                          "front_desk")


def test_the_admin_lists_and_filters_but_offers_no_add_change_or_delete_even_to_a_superuser(site, entry):
    record(action=Action.CHANGE, target=site.visit, actor=site.clinician, summary="rescheduled")
    admin = page_client(site.root)

    listing = admin.get(reverse("admin:audit_auditentry_changelist"), {"action": "change"})
    add = admin.get(reverse("admin:audit_auditentry_add"))
    change = admin.post(reverse("admin:audit_auditentry_change", args=[entry.pk]), {"summary": "edited"})
    delete = admin.post(reverse("admin:audit_auditentry_delete", args=[entry.pk]), {"post": "yes"})

    assert listing.status_code == 200
    rows = list(listing.context["cl"].result_list)
    assert [r.summary for r in rows] == ["rescheduled"]
    assert [str(spec.title) for spec in listing.context["cl"].filter_specs] == [
        "actor", "actor role", "action", "record kind", "patient", "at"]
    assert add.status_code == 403 and change.status_code == 403 and delete.status_code == 403
    entry.refresh_from_db()
    assert entry.summary == "patient search" and AuditEntry.objects.count() == 2


def test_clinic_admins_filter_by_patient_and_search_and_other_staff_cannot_open_it(site, entry):
    record(action=Action.READ, target=PatientFactory(), actor=site.desk, summary="desk booking page")
    site.desk.is_staff = True
    site.desk.save()
    admin, changelist = page_client(site.admin), reverse("admin:audit_auditentry_changelist")

    by_patient = admin.get(changelist, {"patient": site.patient.pk})
    searched = admin.get(changelist, {"q": "patient search"})
    refused = page_client(site.desk).get(changelist)

    assert [r.pk for r in by_patient.context["cl"].result_list] == [entry.pk]
    assert [r.pk for r in searched.context["cl"].result_list] == [entry.pk]
    assert refused.status_code == 403


@pytest.mark.postgres
@pytest.mark.parametrize("statement", [
    "UPDATE audit_auditentry SET summary = 'edited'",
    "DELETE FROM audit_auditentry",
    "TRUNCATE audit_auditentry",
])
def test_postgresql_refuses_to_change_the_table_with_plain_sql(entry, statement):
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(statement)

    entry.refresh_from_db()
    assert entry.summary == "patient search"


@pytest.mark.postgres
def test_the_old_session_setting_no_longer_lets_truncate_through_even_for_the_owner(entry):
    with pytest.raises(IntegrityError, match="append-only"), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL clearday.audit_truncate = 'allow'")
        cursor.execute("TRUNCATE audit_auditentry")

    assert AuditEntry.objects.filter(pk=entry.pk).exists()
