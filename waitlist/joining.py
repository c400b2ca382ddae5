"""Joining the waitlist, withdrawing, and raising an entry's priority.

A patient may join the list of a service only if they could book it: the same eligibility the
booking pages show (care.eligibility: clearance, REMS, the places every gate allows, the
clinician's licence in the patient's state for video). A refusal says why, in the patient's
words, with a stable code. One open entry per patient and service: joining again returns it.
"""

from __future__ import annotations

import datetime as dt

from django.db import IntegrityError, transaction
from django.utils import timezone

from audit import services as audit
from care.eligibility import eligibility_for
from core.errors import Conflict, NotFound, Unprocessable
from scheduling import timeutils
from scheduling.models import Appointment, AppointmentStatus as S
from waitlist.models import EntryStatus, OPEN_STATUSES, Place, WaitlistEntry

DEFAULT_DAYS = 28
ALL_WEEKDAYS = list(range(7))


class NotEligible(Unprocessable):
    code = "waitlist_not_eligible"
    title = "Cannot join this waitlist"


def join(
    *,
    patient,
    service,
    place: str = Place.ANY,
    location=None,
    staff=None,
    earliest_date: dt.date | None = None,
    latest_date: dt.date | None = None,
    weekdays: list[int] | None = None,
    time_ranges: list[list[str]] | None = None,
    move_up: Appointment | None = None,
    priority: int = 0,
    expires_on: dt.date | None = None,
    actor=None,
    by_staff: bool = False,
    now: dt.datetime | None = None,
) -> tuple[WaitlistEntry, bool]:
    """Put the patient on the service's list; (entry, created). Raises NotEligible with the reason."""
    now = now or timezone.now()
    today = timeutils.local_date(now, timeutils.zone(patient.time_zone))
    if place == Place.LOCATION and location is None:
        raise Unprocessable("Name the site, or choose video or any place.", code="waitlist_site_missing")
    if place != Place.LOCATION:
        location = None
    eligibility = eligibility_for(patient=patient, service=service, now=now, by_staff=by_staff)
    if not eligibility.can_book:
        raise NotEligible(
            eligibility.reason or "This service cannot be booked at the moment.",
            eligibility=eligibility.code,
            next_step=eligibility.next_step,
            next_step_text=eligibility.next_step_text,
        )
    allowed = [p.pk if p is not None else None for p in eligibility.places]
    if place == Place.VIDEO and None not in allowed:
        raise NotEligible(
            "Video visits of this service are not available to you (the clinicians are not "
            "licensed where you live, or it is not offered by video).",
            eligibility="no_video",
        )
    if place == Place.LOCATION and location.pk not in allowed:
        raise NotEligible(f"This service cannot be booked for you at {location.name}.", eligibility="no_place")
    if move_up is not None:
        if move_up.patient_id != patient.pk or move_up.status != S.BOOKED or move_up.start <= now:
            raise NotFound("There is no upcoming booked visit of yours to move.", code="waitlist_visit_not_found")
        if move_up.service_id != service.pk:
            raise Unprocessable("An earlier time is for the same service as the visit.", code="waitlist_other_service")
    earliest_date = max(earliest_date or today, today)
    latest_date = latest_date or (
        timeutils.local_date(move_up.start, timeutils.zone(patient.time_zone))
        if move_up is not None
        else today + dt.timedelta(days=DEFAULT_DAYS)
    )
    if latest_date < earliest_date:
        raise Unprocessable("The last day must not be before the first.", code="waitlist_dates")
    existing = _open_entry(patient, service)
    if existing is not None:
        return existing, False
    try:
        with transaction.atomic():
            entry = WaitlistEntry(
                patient=patient,
                service=service,
                place=place,
                location=location,
                staff=staff,
                earliest_date=earliest_date,
                latest_date=latest_date,
                weekdays=weekdays or ALL_WEEKDAYS,
                time_ranges=time_ranges or [],
                move_up=move_up,
                priority=priority if by_staff else 0,
                expires_on=expires_on or latest_date,
                created_by=actor if getattr(actor, "pk", None) else None,
                created_at=now,
            )
            entry.full_clean(exclude=["patient", "service", "location", "staff", "move_up", "created_by"])
            entry.save()
    except IntegrityError:  # the same patient joining twice at once: the first stands
        existing = _open_entry(patient, service)
        if existing is None:
            raise
        return existing, False
    if by_staff and actor is not None:
        audit.record(action=audit.Action.CREATE, target=entry, actor=actor, summary="added to the waitlist")
    return entry, True


def _open_entry(patient, service) -> WaitlistEntry | None:
    return WaitlistEntry.objects.filter(patient=patient, service=service, status__in=OPEN_STATUSES).first()


def withdraw(*, entry_id: int, actor=None, now: dt.datetime | None = None) -> WaitlistEntry:
    """Take the entry off the list; a live offer closes with it (its hold released)."""
    from waitlist.claiming import decline

    now = now or timezone.now()
    with transaction.atomic():
        entry = WaitlistEntry.objects.select_for_update().get(pk=entry_id)
        if entry.status not in OPEN_STATUSES:
            if entry.status == EntryStatus.WITHDRAWN:
                return entry
            raise Conflict(f"This entry is {entry.get_status_display().lower()}.", code="waitlist_entry_closed")
        for offer_id in entry.offers.filter(status="sent").values_list("pk", flat=True):
            decline(offer_id=offer_id, now=now)
        entry.status, entry.closed_at = EntryStatus.WITHDRAWN, now
        entry.save(update_fields=["status", "closed_at"])
        if actor is not None and getattr(actor, "role", "") != "patient":
            audit.record(action=audit.Action.CHANGE, target=entry, actor=actor, summary="withdrawn from the waitlist")
        return entry


def set_priority(*, entry_id: int, priority: int, actor) -> WaitlistEntry:
    with transaction.atomic():
        entry = WaitlistEntry.objects.select_for_update().get(pk=entry_id)
        entry.priority = priority
        entry.save(update_fields=["priority"])
        audit.record(action=audit.Action.CHANGE, target=entry, actor=actor, summary=f"waitlist priority {priority}")
        return entry
