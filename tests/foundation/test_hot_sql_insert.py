"""`config.hot_sql.insert` writes what `bulk_create` writes: every field converted for the
database as the ORM converts it (encryption, JSON, dates), auto_now_add filled in, primary keys
set in order, and the instances marked saved."""

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
