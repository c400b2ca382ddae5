"""Clinicians' calendar feeds: issuing and revoking their secret URLs, keeping each feed's list
of visits as bookings change, and building the feed.

A feed lists the visits of the last FEED_PAST_DAYS and the next FEED_FUTURE_DAYS. A moved visit
is the same event at its new time (SEQUENCE grows). A cancelled visit stays in the feed with
STATUS:CANCELLED, and so does a visit the clinician was moved off, so calendar apps that keep
events a feed drops (several do) still learn that it will not take place. Titles name the
service, never the patient; the clinic may add initials (FeedSettings).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef
from django.urls import reverse
from django.utils import timezone

from core.errors import NotFound
from scheduling.models import Allocation, Appointment, AppointmentStatus as S, StaffMember

from . import ics
from .models import FeedEntry, FeedSettings, FeedToken

FEED_PAST_DAYS = 30
FEED_FUTURE_DAYS = 365
_VIDEO = "Video visit"


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def feed_url(token: str) -> str:
    return settings.PUBLIC_BASE_URL.rstrip("/") + reverse("calendars:feed", kwargs={"token": token})


def issue_feed_token(*, staff: StaffMember, actor) -> str:
    """A new secret URL for this clinician's feed; any earlier one stops working. Returns the
    URL, which is not stored and cannot be shown again."""
    token = secrets.token_urlsafe(32)
    with transaction.atomic():
        FeedToken.objects.update_or_create(
            staff=staff, defaults={"token_hash": _hash(token), "created_by": actor, "last_read_at": None}
        )
    return feed_url(token)


def revoke_feed_token(*, staff: StaffMember) -> bool:
    """End this clinician's feed URL. True when there was one."""
    deleted, _ = FeedToken.objects.filter(staff=staff).delete()
    return bool(deleted)


def staff_for_token(token: str) -> StaffMember:
    """The active clinician a feed URL belongs to, else NotFound (unknown, revoked, replaced)."""
    row = (
        FeedToken.objects.select_related("staff__user")
        .filter(token_hash=_hash(token), staff__active=True, staff__user__is_active=True)
        .first()
    )
    if row is None:
        raise NotFound("There is no calendar feed at this address.", code="feed_not_found")
    FeedToken.objects.filter(pk=row.pk).update(last_read_at=timezone.now())
    return row.staff


def appointment_changed(*, appointment, action: str, new: bool = False, now=None) -> None:
    """A `scheduling.hooks` listener: when a visit is booked (a new booking, a hold made firm, or
    the new row of a move), the clinicians it holds get it in their feeds, under the UID of its
    first booking."""
    if action != "booked":
        return
    staff_ids = set(
        Allocation.objects.filter(appointment_id=appointment.pk, staff__isnull=False).values_list("staff_id", flat=True)
    )
    if not staff_ids:
        return
    line = ics.lineage(appointment)
    # One statement, inside the booking's transaction: an entry per clinician, moved along with the visit.
    FeedEntry.objects.bulk_create(
        [
            FeedEntry(staff_id=staff_id, root_id=line.root_id, appointment=appointment, moves=line.moves)
            for staff_id in sorted(staff_ids)
        ],
        update_conflicts=True,
        unique_fields=["staff", "root_id"],
        update_fields=["appointment", "moves"],
    )


def _title(appointment: Appointment, *, initials: bool) -> str:
    title = appointment.service.name
    if initials:
        title += f" ({appointment.patient.initials})"
    return title


def _location(appointment: Appointment) -> str:
    if appointment.location_id is None:
        return _VIDEO
    return f"{appointment.location.name}, {ics.site_address(appointment.location)}".rstrip(", ")


def _lineages(appointment_ids) -> dict[int, ics.Lineage]:
    """ics.lineage for many rows, one query per generation of moves."""
    found = {pk: ics.Lineage(root_id=pk, moves=0) for pk in appointment_ids}
    frontier = {pk: pk for pk in found}  # the earliest row reached so far -> the row asked about
    while frontier:
        earlier = Appointment.objects.filter(rescheduled_to_id__in=list(frontier)).values_list(
            "rescheduled_to_id", "pk"
        )
        step = {}
        for later_id, pk in earlier:
            asked = frontier[later_id]
            found[asked] = ics.Lineage(root_id=pk, moves=found[asked].moves + 1)
            step[pk] = asked
        frontier = step
    return found


def feed_calendar(*, staff: StaffMember, now: dt.datetime | None = None) -> bytes:
    """The entries (what the clinician was on, cancellations included) and, for visits whose
    entry was never written (visits loaded in bulk, as the demo's are), the visits the clinician
    holds time in now."""
    now = now or timezone.now()
    window = {
        "start__gte": now - dt.timedelta(days=FEED_PAST_DAYS),
        "start__lt": now + dt.timedelta(days=FEED_FUTURE_DAYS),
    }
    related = ("service", "location", "patient")
    rows: dict[int, tuple[Appointment, ics.Lineage]] = {}
    entries = (
        FeedEntry.objects.filter(staff=staff, **{f"appointment__{k}": v for k, v in window.items()})
        .exclude(appointment__status__in=(S.HELD, S.EXPIRED))
        .select_related(*(f"appointment__{name}" for name in related))
    )
    for entry in entries:
        rows[entry.root_id] = (entry.appointment, ics.Lineage(root_id=entry.root_id, moves=entry.moves))
    known = {appointment.pk for appointment, _ in rows.values()}
    live = list(
        Appointment.objects.filter(Exists(Allocation.objects.filter(appointment=OuterRef("pk"), staff=staff)), **window)
        .exclude(status__in=(S.HELD, S.EXPIRED))
        .exclude(pk__in=known)
        .select_related(*related)
    )
    lineages = _lineages([appointment.pk for appointment in live])
    for appointment in live:
        rows[lineages[appointment.pk].root_id] = (appointment, lineages[appointment.pk])
    show_initials = FeedSettings.current().show_patient_initials
    calendar = ics.new_calendar(name=f"{ics.clinic_name()}: {staff.display_name}")
    base = settings.PUBLIC_BASE_URL.rstrip("/")
    for appointment, line in sorted(rows.values(), key=lambda row: (row[0].start, row[1].root_id)):
        # The row the clinician is on was moved to one they are not on: for them, it is off.
        moved_off = appointment.status == S.RESCHEDULED
        calendar.add_component(
            ics.visit_event(
                appointment=appointment,
                lineage=ics.Lineage(root_id=line.root_id, moves=line.moves + (1 if moved_off else 0)),
                title=_title(appointment, initials=show_initials),
                location=_location(appointment),
                url=base + reverse("web:desk-appointment", kwargs={"appointment_id": appointment.pk}),
            )
        )
    return calendar.to_ical()
