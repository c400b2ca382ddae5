"""Answering a check-in: store the answers with their scores, branch from the PHQ-2 to the rest
of the PHQ-9, and escalate risk inside the same transaction as the answers.

A check-in is answered from its due time (when the patient is first asked) until its link
expires, and once. The first page of a check-in with a PHQ-2 that comes out positive
(3 or more) is kept and the check-in waits for the rest of the PHQ-9; every other submission
finishes it. Risk found on the first page finishes it at once (the crisis page is not delayed by
seven more questions). Finishing retires the check-in's pending messages (the nudge).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db import transaction
from django.utils import timezone

from checkins import questionnaires as q, risk
from checkins.alerts import raise_alert
from checkins.forms import FIRST, REST
from checkins.models import CheckIn, CheckInAnswers, CheckInStatus, RiskAlert
from core.errors import Unprocessable
from notifications import caps
from notifications.models import MessageStatus as M, MessagingPolicy, PENDING_STATUSES
from notifications.rendering import display_zone, format_when
from scheduling.models import Patient
from scheduling.services.locks import lock_patients


@dataclass(frozen=True)
class PageAnswers:
    """One page of answers, as the form cleaned them."""

    mood: int | None = None
    sleep: int | None = None
    side_effects: list[str] = field(default_factory=list)
    side_effects_other: str = ""
    phq_items: list[int] = field(default_factory=list)  # in item order from the page's first item
    gad7_items: list[int] = field(default_factory=list)
    free_text: str = ""
    wants_integration: bool | None = None


@dataclass(frozen=True)
class Outcome:
    state: str  # continue, answered, crisis, already_answered, wrong_page, closed
    checkin: CheckIn
    alert: RiskAlert | None = None


def page_for(checkin: CheckIn) -> str | None:
    """Which page the patient answers next (None once answered)."""
    if checkin.status == CheckInStatus.ANSWERED:
        return None
    return REST if checkin.status == CheckInStatus.IN_PROGRESS else FIRST


def ensure_open(checkin: CheckIn, *, now: dt.datetime | None = None) -> None:
    """Answers about "the day after your visit" mean nothing before that day: a check-in opens at
    its due time. Refused with 422 `checkin_not_open`, saying when it opens in the visit's zone."""
    if (now or timezone.now()) >= checkin.due_at:
        return
    when = format_when(checkin.due_at, time_zone=display_zone(checkin.appointment), language="en", with_zone=True)
    raise Unprocessable(f"This check-in is not open yet: it can be answered from {when}.",
                        code="checkin_not_open", opens_at=checkin.due_at.isoformat())


def submit(*, checkin_id: int, page: str, answers: PageAnswers, now: dt.datetime | None = None) -> Outcome:
    now = now or timezone.now()
    patient_id = CheckIn.objects.values_list("patient_id", flat=True).get(pk=checkin_id)
    with transaction.atomic():
        lock_patients([patient_id])  # first, as every notifications transaction does
        checkin = CheckIn.objects.select_for_update(of=("self",)).select_related("location").get(pk=checkin_id)
        expected = page_for(checkin)
        if expected is None:
            return Outcome("already_answered", checkin)
        if checkin.expires_at <= now:
            return Outcome("closed", checkin)  # the link stopped working while the page was open
        ensure_open(checkin, now=now)
        if expected != page:
            return Outcome("wrong_page", checkin)  # a second tab, or a form submitted twice
        record, _ = CheckInAnswers.objects.get_or_create(checkin=checkin)
        if page == FIRST:
            _record_first_page(record, checkin, answers)
        else:
            record.phq_items = list(record.phq_items[:2]) + list(answers.phq_items)
            record.phq9_score = q.phq9_score(record.phq_items)
        reasons = risk.evaluate(answers=record, location_id=checkin.location_id)
        checkin.started_at = checkin.started_at or now
        if page == FIRST and "phq2" in checkin.questionnaires and q.phq2_continues(record.phq2_score) and not reasons:
            checkin.status = CheckInStatus.IN_PROGRESS
            record.save()
            checkin.save(update_fields=["status", "started_at"])
            return Outcome("continue", checkin)
        checkin.status, checkin.answered_at = CheckInStatus.ANSWERED, now
        record.save()
        checkin.save(update_fields=["status", "started_at", "answered_at"])
        _retire_messages(checkin, now=now)
        alert = raise_alert(checkin=checkin, reasons=reasons, now=now) if reasons else None
        return Outcome("crisis" if alert else "answered", checkin, alert)


def _record_first_page(record: CheckInAnswers, checkin: CheckIn, answers: PageAnswers) -> None:
    record.mood, record.sleep = answers.mood, answers.sleep
    record.side_effects = list(answers.side_effects)
    record.side_effects_other = answers.side_effects_other.strip() if "other" in answers.side_effects else ""
    record.free_text = answers.free_text.strip()
    record.wants_integration = answers.wants_integration
    record.phq_items = list(answers.phq_items)
    record.gad7_items = list(answers.gad7_items)
    record.phq2_score = q.phq2_score(record.phq_items[:2]) if len(record.phq_items) >= 2 else None
    record.phq9_score = q.phq9_score(record.phq_items) if "phq9" in checkin.questionnaires else None
    record.gad7_score = q.gad7_score(record.gad7_items) if "gad7" in checkin.questionnaires else None


def _retire_messages(checkin: CheckIn, *, now: dt.datetime) -> None:
    """The nudge (and an ask not sent yet) is no longer needed; a text mid-send holds its row lock,
    so this waits for it and then leaves it alone (its status is no longer pending)."""
    checkin.messages.filter(status__in=PENDING_STATUSES).update(
        status=M.SUPERSEDED, status_reason="The patient answered the check-in.", updated_at=now)
    caps.rebalance(patient=Patient.objects.get(pk=checkin.patient_id), policy=MessagingPolicy.current(), now=now)
