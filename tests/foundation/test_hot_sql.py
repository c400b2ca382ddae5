"""`config.hot_sql` does what the ORM does. `insert` writes what `bulk_create` writes: every
field converted for the database as the ORM converts it (encryption, JSON, dates), auto_now_add
filled in, primary keys set in order, and the instances marked saved. `starts_with` matches what
`startswith` matches, and `update_among` changes only rows that still hold their expected values."""

import datetime as dt

import pytest
from django.db import connection
from django.forms.models import model_to_dict

from config import hot_sql
from notifications.models import InboundMessage
from scheduling.models import AppointmentEvent

from tests.booking.conftest import NOW, make_clinic, patient_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def visit():
    from scheduling.models import Appointment, AppointmentStatus

    clinic = make_clinic()
    patient = patient_user("Ana")
    return Appointment.objects.create(patient=patient, service=clinic.service, location=clinic.location,
                                      start=NOW + dt.timedelta(days=2), end=NOW + dt.timedelta(days=2, hours=1),
                                      status=AppointmentStatus.BOOKED)


def test_rows_match_what_bulk_create_writes(visit):
    def events(reason):
        return [AppointmentEvent(appointment=visit, action="booked", actor_kind="desk", to_status="booked",
                                 reason=f"{reason} {n}", data={"channel": "phone", "n": n}) for n in range(3)]

    ours, theirs = events("ours"), events("theirs")
    hot_sql.insert(ours)
    AppointmentEvent.objects.bulk_create(theirs)

    assert [e.pk for e in ours] == sorted(e.pk for e in ours)
    assert all(not e._state.adding and e._state.db == "default" for e in ours)
    for mine, orms in zip(ours, theirs):
        stored, expected = (model_to_dict(AppointmentEvent.objects.get(pk=e.pk), exclude=["id", "at", "reason"])
                            for e in (mine, orms))
        assert stored == expected
        assert AppointmentEvent.objects.get(pk=mine.pk).reason == mine.reason
        assert abs(AppointmentEvent.objects.get(pk=mine.pk).at - mine.at) < dt.timedelta(seconds=1)  # auto_now_add


def test_encrypted_fields_are_encrypted_on_the_way_in(visit):
    text = InboundMessage(provider_id="SM1", from_number="+16025550100", body="I feel worse since Tuesday",
                          received_at=NOW, patient=visit.patient, action=InboundMessage.Action.OTHER)

    hot_sql.insert([text])

    with connection.cursor() as cursor:
        cursor.execute("SELECT body FROM notifications_inboundmessage WHERE id = %s", [text.pk])
        raw = cursor.fetchone()[0]
    assert "Tuesday" not in str(raw)
    assert InboundMessage.objects.get(pk=text.pk).body == "I feel worse since Tuesday"


def test_nothing_to_insert_is_no_statement(django_assert_num_queries):
    with django_assert_num_queries(0):
        hot_sql.insert([])


@pytest.mark.parametrize("prefix", ["reply_", "50%", "a\\b", "plain"])
def test_starts_with_matches_what_the_orm_startswith_matches(visit, prefix):
    kinds = [f"{prefix}x", prefix, "replyXx", "50x", "ab", "a\\bc", "plainly", "xplain"]
    for kind in kinds:
        AppointmentEvent.objects.create(appointment=visit, action=kind, actor_kind="desk", to_status="booked")
    where, params = hot_sql.starts_with(hot_sql.column(AppointmentEvent, "action"), prefix)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {hot_sql.column(AppointmentEvent, 'action')} FROM {hot_sql.table(AppointmentEvent)} "
                       f"WHERE {where}", params)
        ours = sorted(row[0] for row in cursor.fetchall())
    assert ours == sorted(AppointmentEvent.objects.filter(action__startswith=prefix).values_list("action", flat=True))
    assert prefix in ours


def test_update_among_changes_only_rows_that_still_hold_the_expected_value(visit):
    rows = [AppointmentEvent.objects.create(appointment=visit, action="booked", actor_kind="desk",
                                            to_status=status) for status in ("booked", "booked", "cancelled")]
    when = dt.datetime(2030, 1, 2, 3, 4, 5, tzinfo=dt.UTC)
    changed = hot_sql.update_among(AppointmentEvent, [r.pk for r in rows], where={"to_status": "booked"},
                                   values={"to_status": "held", "at": when, "data": {"why": "test"}})
    assert changed == 2
    after = {e.pk: (e.to_status, e.at, e.data) for e in AppointmentEvent.objects.filter(pk__in=[r.pk for r in rows])}
    assert after[rows[0].pk] == after[rows[1].pk] == ("held", when, {"why": "test"})
    assert after[rows[2].pk][0] == "cancelled" and after[rows[2].pk][1] != when


def test_update_among_no_ids_is_no_statement(django_assert_num_queries):
    with django_assert_num_queries(0):
        assert hot_sql.update_among(AppointmentEvent, [], values={"to_status": "held"}, where={}) == 0


def test_a_row_by_primary_key_is_what_the_orm_reads(visit):
    patient = visit.patient
    read = hot_sql.by_pk(type(patient), patient.pk)
    expected = type(patient).objects.get(pk=patient.pk)
    assert model_to_dict(read) == model_to_dict(expected) and read._state.adding is False
    assert hot_sql.by_pk(type(patient), patient.pk + 1000) is None
