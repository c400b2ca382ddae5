"""Reading the waitlist within the reader's part of the clinic, and the weekly report.

The desk sees entries and freed time at its sites (an "any place" entry counts at every site of
its service) and video ones when it covers video; admins and clinicians see the whole clinic.
"""

from __future__ import annotations

import datetime as dt
import statistics
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from accounts.models import Role
from scheduling import timeutils
from scheduling.selectors.appointments import desk_location_ids, sees_nothing
from waitlist.models import FreedTime, Offer, OfferStatus, OPEN_STATUSES, WaitlistEntry


def _entry_scope(user) -> Q | None:
    """None: everything; else the entries this user may read."""
    if user.role in (Role.ADMIN, Role.CLINICIAN):
        return None
    location_ids, covers_video = desk_location_ids(user)
    where = Q(place="location", location_id__in=location_ids) | Q(place="any", service__locations__in=location_ids)
    if covers_video:
        where |= Q(place__in=("video", "any"))
    return where


def visible_entries(*, user) -> QuerySet[WaitlistEntry]:
    qs = WaitlistEntry.objects.all()
    if sees_nothing(user) or user.role not in (Role.ADMIN, Role.CLINICIAN, Role.FRONT_DESK):
        return qs.none()
    scope = _entry_scope(user)
    if scope is not None:
        qs = qs.filter(pk__in=WaitlistEntry.objects.filter(scope).values("pk"))
    return qs.select_related("patient", "service", "location", "staff", "move_up")


def entries_for(*, user, location=None, service=None, open_only: bool = True) -> QuerySet[WaitlistEntry]:
    """The entries the user may see, in the order they are offered time (highest priority, then
    earliest joined)."""
    qs = visible_entries(user=user)
    if service is not None:
        qs = qs.filter(service=service)
    if location is not None:
        qs = qs.filter(Q(location=location) | Q(place="any"))
    if open_only:
        qs = qs.filter(status__in=OPEN_STATUSES)
    return qs.order_by("-priority", "created_at", "id")


def visible_freed(*, user) -> QuerySet[FreedTime]:
    qs = FreedTime.objects.all()
    if sees_nothing(user) or user.role not in (Role.ADMIN, Role.CLINICIAN, Role.FRONT_DESK):
        return qs.none()
    if user.role == Role.FRONT_DESK:
        location_ids, covers_video = desk_location_ids(user)
        where = Q(location_id__in=location_ids)
        if covers_video:
            where |= Q(location__isnull=True)
        qs = qs.filter(where)
    return qs


def offers_for(*, user, location=None, service=None, since: dt.datetime) -> list[Offer]:
    """Offers of freed time the user may see, newest first: those in flight and their outcomes."""
    freed = visible_freed(user=user)
    if location is not None:
        freed = freed.filter(location=location)
    if service is not None:
        freed = freed.filter(service=service)
    return list(
        Offer.objects.filter(freed__in=freed, created_at__gte=since)
        .select_related("entry__patient", "location", "service")
        .order_by("-created_at", "-id")[:200]
    )


@dataclass(frozen=True)
class Week:
    starts_on: dt.date
    minutes_freed: int
    minutes_refilled: int
    median_minutes_to_refill: float | None
    offers_sent: int
    offers_claimed: int
    offers_declined: int
    offers_expired: int
    offers_taken: int


def weekly_report(
    *, user, weeks: int, today: dt.date, time_zone: str = "America/Phoenix", location=None, service=None
) -> list[Week]:
    """The last `weeks` weeks (Monday to Sunday, on the clinic's clock), oldest first: minutes
    freed and refilled from the waitlist, the median time from freed to refilled, and what
    became of the offers made that week."""
    tz = timeutils.zone(time_zone)
    first = today - dt.timedelta(days=today.weekday() + 7 * (weeks - 1))
    lo, hi = (
        timeutils.day_bounds(first, tz)[0],
        timeutils.day_bounds(today + dt.timedelta(days=6 - today.weekday()), tz)[1],
    )
    freed = visible_freed(user=user).filter(freed_at__gte=lo, freed_at__lt=hi)
    if location is not None:
        freed = freed.filter(location=location)
    if service is not None:
        freed = freed.filter(service=service)
    rows = list(freed.values_list("freed_at", "start", "end", "status", "refilled_at"))
    offers = list(Offer.objects.filter(freed__in=freed).values_list("created_at", "status"))
    out = []
    for index in range(weeks):
        starts = first + dt.timedelta(days=7 * index)

        def in_week(instant: dt.datetime, starts=starts) -> bool:
            return 0 <= (timeutils.local_date(instant, tz) - starts).days < 7

        week_rows = [r for r in rows if in_week(r[0])]
        refilled = [r for r in week_rows if r[3] == FreedTime.Status.REFILLED and r[4] is not None]
        waits = [(r[4] - r[0]).total_seconds() / 60 for r in refilled]
        week_offers = [status for created, status in offers if in_week(created)]
        out.append(
            Week(
                starts_on=starts,
                minutes_freed=round(sum((r[2] - r[1]).total_seconds() for r in week_rows) / 60),
                minutes_refilled=round(sum((r[2] - r[1]).total_seconds() for r in refilled) / 60),
                median_minutes_to_refill=round(statistics.median(waits), 1) if waits else None,
                offers_sent=len(week_offers),
                offers_claimed=week_offers.count(OfferStatus.CLAIMED),
                offers_declined=week_offers.count(OfferStatus.DECLINED),
                offers_expired=week_offers.count(OfferStatus.EXPIRED),
                offers_taken=week_offers.count(OfferStatus.TAKEN),
            )
        )
    return out


def own_entries(*, patient, limit: int = 10) -> list[WaitlistEntry]:
    """A patient's own entries for My appointments: the open ones, then the latest closed."""
    qs = WaitlistEntry.objects.filter(patient=patient).select_related("service", "location", "move_up")
    open_ = list(qs.filter(status__in=OPEN_STATUSES).order_by("created_at", "id"))
    closed = list(qs.exclude(status__in=OPEN_STATUSES).order_by("-closed_at", "-id")[: max(limit - len(open_), 0)])
    return open_ + closed
