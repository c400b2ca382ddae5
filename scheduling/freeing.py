"""Time that opens up without a visit leaving it: a block removed (an "unavailable" override
deleted) or hours added (extra hours, a date's own hours, a new weekly rule). Each is announced
through `hooks.time_freed` inside the transaction that saves or deletes the row, as UTC spans on
the owner's clock, so a listener's rows commit or roll back with the change. Only the future is
announced; a weekly rule, for each of its days in the next `WEEKLY_HORIZON_DAYS`.

Model signals, not the admin's save: blocks and hours change in the admin, its inlines and bulk
deletes, and in services; a signal sees them all (QuerySet.update and bulk_create send none)."""

from __future__ import annotations

import datetime as dt

from django.db.models.signals import post_delete, post_save
from django.utils import timezone

from scheduling import hooks, timeutils
from scheduling.models import HoursOverride, WorkingHours

WEEKLY_HORIZON_DAYS = 28
BLOCK_REMOVED = "block_removed"
HOURS_ADDED = "hours_added"


def watch() -> None:
    """Connect the receivers (SchedulingConfig.ready)."""
    post_delete.connect(_override_deleted, sender=HoursOverride, dispatch_uid="freeing.override.delete")
    post_save.connect(_override_saved, sender=HoursOverride, dispatch_uid="freeing.override.save")
    post_save.connect(_weekly_saved, sender=WorkingHours, dispatch_uid="freeing.weekly.save")


def _zone_name(row) -> str:
    """The owner's clock: the site's for a site or its chair, the clinician's own (or the site
    their weekly hours are worked at)."""
    if row.location_id:
        return row.location.time_zone
    if row.resource_id:
        return row.resource.location.time_zone
    place = getattr(row, "location_for_staff", None)
    return place.time_zone if place is not None else row.staff.time_zone


def _announce(row, day: dt.date, start: dt.time | None, end: dt.time | None, reason: str) -> None:
    lo, hi = timeutils.wall_range(day, start, end, timeutils.zone(_zone_name(row)))
    # A span already begun is announced from the next quarter hour.
    soonest = timezone.now().replace(second=0, microsecond=0)
    soonest += dt.timedelta(minutes=15 - soonest.minute % 15)
    if hi <= soonest:
        return
    hooks.time_freed(
        location=row.location if row.location_id else None,
        resource=row.resource if row.resource_id else None,
        staff=row.staff if row.staff_id else None,
        start=max(lo, soonest),
        end=hi,
        reason=reason,
    )


def _override_deleted(sender, instance: HoursOverride, **kwargs) -> None:
    if instance.kind == HoursOverride.Kind.UNAVAILABLE:
        _announce(instance, instance.date, instance.start_time, instance.end_time, BLOCK_REMOVED)


def _override_saved(sender, instance: HoursOverride, created: bool, raw: bool = False, **kwargs) -> None:
    """Extra hours, or a date's hours with times (a changed one is announced again: the matcher
    asks the engine, so time that is not in fact free is simply not offered)."""
    if raw or instance.start_time is None:
        return
    if instance.kind in (HoursOverride.Kind.AVAILABLE, HoursOverride.Kind.HOURS):
        _announce(instance, instance.date, instance.start_time, instance.end_time, HOURS_ADDED)


def _weekly_saved(sender, instance: WorkingHours, created: bool, raw: bool = False, **kwargs) -> None:
    if raw or not created:
        return
    today = timeutils.local_date(timezone.now(), timeutils.zone(_zone_name(instance)))
    for offset in range(WEEKLY_HORIZON_DAYS):
        day = today + dt.timedelta(days=offset)
        if day.weekday() != instance.weekday:
            continue
        if (instance.effective_from and day < instance.effective_from) or (
            instance.effective_to and day > instance.effective_to
        ):
            continue
        _announce(instance, day, instance.start_time, instance.end_time, HOURS_ADDED)
