"""The join link reaches the patient through the reminders outbox 15 minutes before a video visit,
and it is the patient's own link to the visit page."""

from __future__ import annotations

import datetime as dt
import re

import time_machine

from notifications import planning
from notifications.models import MessagingPolicy, OutboundMessage
from notifications.rendering import build_context, render_sms
from telehealth.models import Participant
from telehealth.passes import resolve
from tests.telehealth.conftest import book_video, clinician_token, la, NOW, patient_token


def test_a_video_visit_gets_a_join_link_message_due_fifteen_minutes_before(clinic):
    visit = book_video(service=clinic.follow_up, patient=clinic.ana, start=la(9), staff=clinic.lee)
    with time_machine.travel(NOW, tick=False):
        planning.replan_for_appointment(visit)
    row = OutboundMessage.objects.get(appointment=visit, kind="join_link", channel="sms")
    assert row.due_at == la(8, 45)


def test_the_join_link_text_carries_the_patients_own_visit_link(clinic):
    visit = book_video(service=clinic.follow_up, patient=clinic.ana, start=la(9), staff=clinic.lee)
    context = build_context(patient=clinic.ana, appointment=visit, policy=MessagingPolicy.current(), language="es")
    text = render_sms(template="join_link", language="es", context=context)
    token = re.search(r"/j/([A-Za-z0-9]+)", text).group(1)  # the short link, which redirects to /visit/
    assert token == patient_token(visit) != clinician_token(visit, clinic.lee)
    join_pass = resolve(token, now=la(8, 45))
    assert join_pass.participant == Participant.PATIENT and join_pass.appointment_id == visit.pk
    assert len(text) <= 160
    assert resolve(token, now=la(9, 30) + dt.timedelta(days=2)) is None


def test_the_short_links_in_texts_lead_to_the_pages_and_the_long_ones_keep_working(clinic, client):
    visit = book_video(service=clinic.follow_up, patient=clinic.ana, start=la(9), staff=clinic.lee)
    token = patient_token(visit)
    short = client.get(f"/j/{token}")
    assert (short.status_code, short["Location"]) == (302, f"/visit/{token}")
    with time_machine.travel(la(8, 50), tick=False):
        assert client.get(f"/j/{token}", follow=True).status_code == 200
        assert client.get(f"/visit/{token}").status_code == 200
    manage = client.get("/m/AbCdEfGhIjKlMnOp")
    assert (manage.status_code, manage["Location"]) == (302, "/manage/AbCdEfGhIjKlMnOp")
