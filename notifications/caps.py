"""Frequency limits on texts, counted per patient in the patient's local days.

Without explicit SMS consent a clinic texts under the TCPA healthcare exemption: at most one
text a day and three in any seven days, each one segment. With consent the clinic's own caps
apply (MessagingPolicy). Replies to a patient's own text (HELP, STOP, ...) are not counted.

Planning keeps the most valuable texts inside the limits ("plan and merge"): of two texts on the
same day the lower-priority one is held back as `capped`, and comes back if a cancellation
frees its day. The worker counts again at send time, under the patient lock, and drops a text
that would break a limit whatever planning thought.

A backlog is paced per patient: after an outage (beat or workers down, a provider failing) the
texts that piled up for one patient would otherwise arrive together. A plan's reminders are at
least REMINDER_MIN_GAP_MINUTES after any other text of the plan by construction (plans.py), so at
send time a reminder waits until that long after the patient's previous text (`spacing`), and
is dropped if the visit starts first. Texts that carry news (a confirmation of a booking or a
move, a cancellation notice, a join link, a reply, an alert to staff) are never held.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass

from django.db.models import Q

from notifications import plans, quiet_hours
from notifications.models import Channel, MessageStatus as M, OutboundMessage, WENT_OUT_STATUSES

EXEMPTION_DAILY_CAP = 1
EXEMPTION_WEEKLY_CAP = 3
WEEK_DAYS = 7
# Rows this far past due are left as they are: rebalancing never revives a stale reminder.
REBALANCE_SLACK = dt.timedelta(minutes=5)
# The least time between a reminder and the text before it to the same patient, kept at send time too.
TEXT_SPACING = dt.timedelta(minutes=plans.REMINDER_MIN_GAP_MINUTES)
SPACED_TEMPLATES = frozenset({"reminder"})


@dataclass(frozen=True)
class Limits:
    daily: int
    weekly: int | None
    basis: str  # what a person reads: why these limits

    def describe(self) -> str:
        week = f" and {self.weekly} in 7 days" if self.weekly is not None else ""
        return f"{self.daily} a day{week} ({self.basis})"


def limits_for(*, patient, policy) -> Limits:
    if patient.sms_consent:
        return Limits(policy.consented_daily_cap, policy.consented_weekly_cap, "clinic limit with SMS consent")
    return Limits(EXEMPTION_DAILY_CAP, EXEMPTION_WEEKLY_CAP, "TCPA healthcare exemption, no SMS consent")


def counted_texts():
    """Texts that count toward the limits: appointment texts, not replies."""
    return OutboundMessage.objects.filter(channel=Channel.SMS).exclude(kind__startswith=plans.REPLY_PREFIX)


def _went_out_by_day(*, patient, since: dt.datetime, exclude_pk: int | None = None) -> Counter:
    rows = counted_texts().filter(patient=patient, status__in=WENT_OUT_STATUSES, handed_off_at__gte=since)
    if exclude_pk is not None:
        rows = rows.exclude(pk=exclude_pk)
    zone = patient.time_zone
    return Counter(quiet_hours.local_day(at, zone) for at in rows.values_list("handed_off_at", flat=True))


def _fits(used: Counter, day: dt.date, limits: Limits) -> bool:
    if used[day] >= limits.daily:
        return False
    if limits.weekly is None:
        return True
    # Every seven-day window holding `day` lies within the 13 days around it: slide over them.
    counts = [used[day + dt.timedelta(days=k)] for k in range(1 - WEEK_DAYS, WEEK_DAYS)]
    window = sum(counts[:WEEK_DAYS])
    for first in range(WEEK_DAYS):
        if first:
            window += counts[first + WEEK_DAYS - 1] - counts[first - 1]
        if window >= limits.weekly:
            return False
    return True


class SendTimeLimits:
    """What each patient of a batch already got, read once; `breach` answers for a text about
    to go, `record` counts one that goes. Use under the patients' locks (scheduling.services.locks), so two
    workers never both take the last text of a day."""

    def __init__(self, *, patients, policy, now: dt.datetime):
        self.policy, self.now = policy, now
        self.used: dict[int, Counter] = {}
        self.last_at: dict[int, dt.datetime] = {}  # each patient's latest counted text
        by_id = {patient.pk: patient for patient in patients}
        if not by_id:
            return
        # Eight days back covers the last seven local days in any zone.
        rows = counted_texts().filter(patient_id__in=by_id, status__in=WENT_OUT_STATUSES,
                                      handed_off_at__gte=now - dt.timedelta(days=WEEK_DAYS + 1))
        for patient_id, at in rows.values_list("patient_id", "handed_off_at"):
            self._used(patient_id)[quiet_hours.local_day(at, by_id[patient_id].time_zone)] += 1
            self.last_at[patient_id] = max(at, self.last_at.get(patient_id, at))

    def _used(self, patient_id: int) -> Counter:
        return self.used.setdefault(patient_id, Counter())

    def breach(self, patient) -> str | None:
        """Why one more text today would break a limit, or None."""
        limits = limits_for(patient=patient, policy=self.policy)
        if _fits(self._used(patient.pk), quiet_hours.local_day(self.now, patient.time_zone), limits):
            return None
        return f"Limit reached: {limits.describe()}."

    def record(self, patient) -> None:
        self._used(patient.pk)[quiet_hours.local_day(self.now, patient.time_zone)] += 1
        self.last_at[patient.pk] = self.now

    def spacing(self, patient, message) -> dt.datetime | None:
        """When this reminder may follow the patient's previous text, if that is later than now."""
        if message.template not in SPACED_TEMPLATES:
            return None
        last = self.last_at.get(patient.pk)
        if last is None or self.now >= last + TEXT_SPACING:
            return None
        return last + TEXT_SPACING


# What rebalancing may flip between planned and capped.
CANDIDATE_STATUSES = (M.PLANNED, M.CAPPED)


def rebalance(*, patient, policy, now: dt.datetime) -> None:
    """Choose which of the patient's upcoming texts fit the limits: highest priority first,
    then earliest. Flips rows between planned and capped with a compare-and-set on the status,
    so a row a dispatcher claimed meanwhile is left alone (the send-time check covers it)."""
    # One read for both what is upcoming and what went out. The texts that count against the
    # earliest candidate's day went out at most seven local days before it, and that day is not
    # before today (less the slack), so eight days back always covers them.
    lookback = now - REBALANCE_SLACK - dt.timedelta(days=WEEK_DAYS + 1)
    rows = (counted_texts().filter(patient=patient)
            .filter(Q(status__in=CANDIDATE_STATUSES, next_attempt_at__gte=now - REBALANCE_SLACK)
                    | Q(status__in=WENT_OUT_STATUSES, handed_off_at__gte=lookback))
            .order_by("pk").values_list("pk", "status", "priority", "next_attempt_at", "handed_off_at"))
    candidates, went_out = [], []
    for pk, status, priority, next_attempt_at, handed_off_at in rows:
        if status in CANDIDATE_STATUSES:
            candidates.append((pk, status, priority, next_attempt_at))
        else:
            went_out.append(handed_off_at)
    if not candidates:
        return
    limits = limits_for(patient=patient, policy=policy)
    zone = patient.time_zone
    earliest = min(quiet_hours.local_day(at, zone) for _, _, _, at in candidates)
    since, _ = quiet_hours.days_bounds(earliest - dt.timedelta(days=WEEK_DAYS - 1), earliest, zone)
    used = Counter(quiet_hours.local_day(at, zone) for at in went_out if at >= since)
    keep_set, hold_set = set(), set()
    for pk, _, _, at in sorted(candidates, key=lambda r: (-r[2], r[3], r[0])):
        day = quiet_hours.local_day(at, zone)
        if _fits(used, day, limits):
            used[day] += 1
            keep_set.add(pk)
        else:
            hold_set.add(pk)
    to_plan = [pk for pk, status, _, _ in candidates if pk in keep_set and status == M.CAPPED]
    to_hold = [pk for pk, status, _, _ in candidates if pk in hold_set and status == M.PLANNED]
    if to_plan:
        OutboundMessage.objects.filter(pk__in=to_plan, status=M.CAPPED).update(
            status=M.PLANNED, status_reason="", updated_at=now)
    if to_hold:
        OutboundMessage.objects.filter(pk__in=to_hold, status=M.PLANNED).update(
            status=M.CAPPED, updated_at=now,
            status_reason=f"Held back: a more important text uses the limit of {limits.describe()}.")
