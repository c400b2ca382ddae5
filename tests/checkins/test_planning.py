"""Check-ins are planned when a dosing visit is completed, never after a cancelled or no-show
one, and go out through the outbox under its rules: neutral texts, quiet hours, one nudge at most,
email or nothing for a patient who opted out of texts."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from checkins import plans
from checkins.models import CheckIn, CheckInPlan
from checkins.planning import plan_after_visit
from notifications.consent import revoke_sms
from notifications.models import Channel, MessageStatus as M, OutboundMessage
from notifications.rendering import deny_listed_words
from notifications.segments import count_segments
from scheduling.models import AppointmentStatus as S
from scheduling.services import transitions
from tests.checkins.conftest import (
    checkin,
    COMPLETED_AT,
    completed_visit,
    first_page,
    HOUR,
    phx,
    run_dispatcher,
    texts_to,
    url,
    VISIT_END,
    VISIT_START,
)
from tests.factories import AppointmentFactory, PatientFactory

pytestmark = pytest.mark.django_db


def rows(appointment, **filters):
    return OutboundMessage.objects.filter(appointment=appointment, kind__startswith="checkin_", **filters).order_by(
        "due_at", "kind", "pk")


def test_a_completed_dosing_visit_gets_the_24h_72h_and_7_day_check_ins_after_its_end(clinic, clock):
    visit = completed_visit(clinic)
    planned = list(CheckIn.objects.filter(appointment=visit).order_by("due_at"))
    assert [(c.step_key, c.due_at, c.questionnaires, c.sections) for c in planned] == [
        ("24h", VISIT_END + 24 * HOUR, [], ["mood", "side_effects"]),
        ("72h", VISIT_END + 72 * HOUR, ["phq2"], ["mood", "sleep", "side_effects"]),
        ("7d", VISIT_END + 168 * HOUR, ["phq9", "gad7"], ["mood", "sleep"]),
    ]
    assert [c.expires_at for c in planned] == [VISIT_END + 72 * HOUR, VISIT_END + 144 * HOUR, VISIT_END + 264 * HOUR]
    # Ana texts (consent, no email preference): one ask and one nudge per check-in, by SMS.
    assert [(r.kind, r.channel, r.due_at) for r in rows(visit)] == [
        ("checkin_24h", "sms", VISIT_END + 24 * HOUR), ("checkin_24h_nudge", "sms", VISIT_END + 48 * HOUR),
        ("checkin_72h", "sms", VISIT_END + 72 * HOUR), ("checkin_72h_nudge", "sms", VISIT_END + 96 * HOUR),
        ("checkin_7d", "sms", VISIT_END + 168 * HOUR), ("checkin_7d_nudge", "sms", VISIT_END + 192 * HOUR),
    ]
    assert {r.status for r in rows(visit)} == {M.PLANNED}


@pytest.mark.parametrize("outcome", ["cancelled", "no_show"])
def test_a_cancelled_or_no_show_visit_gets_no_check_in(clinic, clock, outcome):
    visit = AppointmentFactory(patient=clinic.patient, service=clinic.dosing, location=clinic.site,
                               start=COMPLETED_AT + 2 * HOUR, end=COMPLETED_AT + 3 * HOUR, status=S.BOOKED)
    if outcome == "cancelled":
        transitions.cancel_appointment(appointment=visit, actor=clinic.desk.user, reason="Patient unwell")
    else:
        clock.move_to(visit.start + dt.timedelta(minutes=30))
        transitions.mark_no_show(appointment=visit, actor=clinic.desk.user)
    assert not CheckIn.objects.exists()
    assert not OutboundMessage.objects.filter(kind__startswith="checkin_").exists()
    visit.refresh_from_db()
    assert plan_after_visit(appointment=visit) == []  # and planning refuses anything but a completed visit


def test_a_visit_that_is_not_dosing_gets_no_check_in_unless_its_service_has_a_plan(clinic, clock):
    prep = completed_visit(clinic, service=clinic.integration, location=None)
    assert not CheckIn.objects.filter(appointment=prep).exists()
    CheckInPlan.objects.create(service=clinic.integration, steps=[
        {"key": "48h", "hours_after": 48, "sections": ["mood"], "questionnaires": ["gad7"], "open_hours": 48}])
    later = completed_visit(clinic, service=clinic.integration, location=None, start=VISIT_START - 24 * HOUR,
                            end=VISIT_END - 24 * HOUR)
    [own] = CheckIn.objects.filter(appointment=later)
    assert (own.step_key, own.due_at, own.questionnaires) == ("48h", VISIT_END + 24 * HOUR, ["gad7"])
    assert [r.kind for r in rows(later)] == ["checkin_48h"]  # no nudge_after_hours: no nudge


def test_a_service_plan_can_switch_check_ins_off_and_planning_twice_changes_nothing(clinic, clock):
    visit = completed_visit(clinic)
    before = list(rows(visit).values_list("pk", flat=True))
    assert plan_after_visit(appointment=visit) == []
    assert list(rows(visit).values_list("pk", flat=True)) == before
    CheckInPlan.objects.create(service=clinic.dosing, steps=[])
    other = completed_visit(clinic, patient=PatientFactory(), start=VISIT_START + HOUR, end=VISIT_END + HOUR)
    assert not CheckIn.objects.filter(appointment=other).exists()


@pytest.mark.parametrize(("steps", "message"), [
    ("24h", "A check-in plan is a list of steps"),
    ([{"key": "a b", "hours_after": 24, "sections": ["mood"], "open_hours": 48}], "key must be a short slug"),
    ([{"key": "x", "hours_after": 0, "sections": ["mood"], "open_hours": 48}], "hours_after must be a whole number"),
    ([{"key": "x", "hours_after": 24, "sections": ["mood"], "questionnaires": ["phq2", "phq9"], "open_hours": 48}],
     "use phq2"),
    ([{"key": "x", "hours_after": 24, "sections": ["mood"], "nudge_after_hours": 40, "open_hours": 48}],
     "open_hours \\(48\\) must be at least 16 hours longer than nudge_after_hours \\(40\\)"),
    ([{"key": "x", "hours_after": 24, "sections": ["appetite"], "open_hours": 48}],
     "sections must be a list drawn from mood, sleep, side_effects"),
    ([{"key": "x", "hours_after": 24, "open_hours": 48}], "ask at least one section or questionnaire"),
])
def test_an_invalid_plan_is_refused_naming_the_step_and_the_field(steps, message):
    with pytest.raises(ValidationError, match=message):
        plans.parse_steps(steps)


def test_the_check_in_text_is_neutral_one_segment_and_carries_the_link_at_its_time(clinic, clock):
    visit = completed_visit(clinic)
    clock.move_to(VISIT_END + 24 * HOUR)
    run_dispatcher()
    [text] = texts_to("+16025550123")
    link = "https://clinic.example" + url(checkin(visit, "24h"))
    assert text == f"Clearday Clinic: How are you doing? {link} Call (602) 555-0100. STOP to opt out"
    assert deny_listed_words(text) == []
    assert count_segments(text).segments == 1


def test_a_check_in_due_in_quiet_hours_waits_for_the_morning(clinic, clock):
    clock.move_to(phx(10, 21, 35))  # the evening visit is completed once it is over
    late = completed_visit(clinic, start=phx(10, 19), end=phx(10, 21, 30))  # ends 21:30 MST
    ask = rows(late, kind="checkin_24h").get()
    assert ask.due_at == phx(11, 21, 30) + dt.timedelta(hours=10, minutes=30)  # 8:00 the next morning
    assert CheckIn.objects.get(appointment=late, step_key="24h").due_at == phx(11, 21, 30)


def test_an_unanswered_check_in_gets_one_nudge_and_no_more(clinic, clock):
    visit = completed_visit(clinic)
    for hours in (24, 48, 60, 71):
        clock.move_to(VISIT_END + hours * HOUR)
        run_dispatcher()
    link = url(checkin(visit, "24h"))
    texts = [t for t in texts_to("+16025550123") if link in t]
    assert len(texts) == 2
    assert texts[1].startswith("Clearday Clinic: reminder, how are you doing?")
    assert rows(visit, kind="checkin_24h_nudge", status=M.SENT).count() == 1


def test_answering_before_the_nudge_retires_it(client, clinic, clock):
    visit = completed_visit(clinic)
    clock.move_to(VISIT_END + 24 * HOUR)
    run_dispatcher()
    item = checkin(visit, "24h")
    assert client.post(url(item), first_page(item)).status_code == 200
    nudge = rows(visit, kind="checkin_24h_nudge").get()
    assert (nudge.status, nudge.status_reason) == (M.SUPERSEDED, "The patient answered the check-in.")
    clock.move_to(VISIT_END + 48 * HOUR)
    run_dispatcher()
    assert len([t for t in texts_to("+16025550123") if url(item) in t]) == 1


def test_a_patient_who_opted_out_of_texts_gets_email_instead(clinic, clock):
    revoke_sms(patients=[clinic.patient], source="sms_keyword", detail="STOP")
    visit = completed_visit(clinic)
    assert {r.channel for r in rows(visit)} == {Channel.EMAIL}
    clock.move_to(VISIT_END + 24 * HOUR)
    run_dispatcher()
    assert texts_to("+16025550123") == []
    [email] = mail.outbox
    assert email.subject == "Clearday Clinic: how are you doing?"
    assert "https://clinic.example" + url(checkin(visit, "24h")) in email.body
    assert "call or text 988" in email.body
    assert not deny_listed_words(email.subject)


def test_a_patient_who_opted_out_and_has_no_email_gets_nothing_but_can_still_answer(clinic, clock):
    revoke_sms(patients=[clinic.patient], source="sms_keyword", detail="STOP")
    clinic.patient.email = ""
    clinic.patient.save()
    visit = completed_visit(clinic)
    assert not rows(visit).exists()
    assert CheckIn.objects.filter(appointment=visit).count() == 3


def test_opting_out_after_planning_sends_the_check_in_by_email_not_text(clinic, clock):
    visit = completed_visit(clinic)
    revoke_sms(patients=[clinic.patient], source="sms_keyword", detail="STOP")
    clock.move_to(VISIT_END + 24 * HOUR)
    run_dispatcher()
    assert texts_to("+16025550123") == []
    ask = rows(visit, kind="checkin_24h").get()
    assert (ask.channel, ask.status, ask.to_address) == (Channel.EMAIL, M.SENT, "ana@example.com")
    assert len(mail.outbox) == 1


def test_a_spanish_speaking_patient_gets_the_spanish_text(clinic, clock):
    clinic.patient.language = "es"
    clinic.patient.save()
    visit = completed_visit(clinic)
    clock.move_to(VISIT_END + 24 * HOUR)
    run_dispatcher()
    [text] = texts_to("+16025550123")
    assert text.startswith("Clearday Clinic: ¿Como se encuentra? https://clinic.example/c/")
    assert text.endswith("Tel. (602) 555-0100. STOP para salir")
    assert checkin(visit, "24h").language == "es"


def test_a_text_held_back_until_its_check_in_closed_is_dropped_not_sent_with_a_dead_link(clinic, clock):
    visit = completed_visit(clinic)
    clock.move_to(VISIT_END + 73 * HOUR)  # the dispatcher was down since before the 24-hour check-in
    run_dispatcher()
    ask = rows(visit, kind="checkin_24h").get()
    assert (ask.status, ask.status_reason) == (
        M.DROPPED, "The check-in closed at 2025-03-13 17:25Z; its link no longer works.")
    assert [t for t in texts_to("+16025550123") if url(checkin(visit, "24h")) in t] == []
    assert len([t for t in texts_to("+16025550123") if url(checkin(visit, "72h")) in t]) == 1
