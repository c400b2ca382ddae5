"""Locks for booking, always taken in one global order so that two code paths can never wait on
each other in a cycle (docs/concurrency.md says who takes which):

1. whole calendars: staff member rows, then resource rows, by primary key (`FOR NO KEY UPDATE`;
   only multi-visit transactions such as a treatment course take these);
2. calendar hours: one transaction-scoped advisory lock per (staff member or resource, UTC hour)
   that a new allocation covers, in key order; every write of allocations takes these;
3. appointments, by primary key (`FOR NO KEY UPDATE`);
4. the patients' locks (`lock_patients`), by patient id: what the apps above scheduling take
   before deciding what to send a patient, so a booking that writes a patient's messages takes it last.

Hour locks rather than row locks, because the engine packs visits onto the lowest-numbered
chair and nurse: with a lock per row every booking of the day would queue on Nurse 1, while
two visits that do not overlap in time have nothing to decide together.

On SQLite row and advisory locks do nothing; there every write transaction is `BEGIN
IMMEDIATE`, which already holds the database's single write lock."""

from __future__ import annotations

import math
from collections.abc import Iterable
from datetime import datetime

from django.db import connection, transaction

from scheduling import catalog
from scheduling.models import Appointment, Resource, StaffMember


def lock_staff_and_resources(*, staff_ids: Iterable[int], resource_ids: Iterable[int]) -> dict[int, int]:
    """Lock whole calendars: for a transaction that books several visits at once (a course), so
    that two such transactions queue instead of interleaving. Returns watch capacities."""
    _require_transaction()
    staff = sorted(set(staff_ids))
    resources = sorted(set(resource_ids))
    capacities: dict[int, int] = {}
    if staff:
        capacities = dict(StaffMember.objects.filter(pk__in=staff).order_by("pk")
                          .select_for_update(no_key=True, of=("self",)).values_list("pk", "watch_capacity"))
    if resources:
        list(Resource.objects.filter(pk__in=resources).order_by("pk")
             .select_for_update(no_key=True, of=("self",)).values_list("pk", flat=True))
    return capacities


CALENDAR_LOCK_SECONDS = 3600
_STAFF_NAMESPACE, _RESOURCE_NAMESPACE = 0x43535446, 0x43525343  # "CSTF", "CRSC"
_INT4 = 2_147_483_647


def lock_calendars(*, spans: Iterable[tuple[int | None, int | None, datetime, datetime]]) -> None:
    """Lock the calendar hours that (staff_id, resource_id, start, end) spans cover, so that any
    two transactions writing overlapping allocations for the same holder queue up. Keys that
    collide only make two unrelated hours share a lock."""
    _require_transaction()
    keys: set[tuple[int, int]] = set()
    for staff_id, resource_id, start, end in spans:
        namespace, holder = (_STAFF_NAMESPACE, staff_id) if staff_id else (_RESOURCE_NAMESPACE, resource_id)
        first = math.floor(start.timestamp() / CALENDAR_LOCK_SECONDS)
        last = math.ceil(end.timestamp() / CALENDAR_LOCK_SECONDS)
        keys.update((namespace, (holder * 1_000_003 + hour) % _INT4) for hour in range(first, last))
    if not keys or connection.vendor != "postgresql":
        return
    ordered = sorted(keys)
    with connection.cursor() as cursor:
        # unnest yields the rows in array order, so the locks are taken in key order.
        cursor.execute("SELECT count(pg_advisory_xact_lock(k1, k2)) FROM unnest(%s::int4[], %s::int4[]) AS u(k1, k2)",
                       [[k for k, _ in ordered], [k for _, k in ordered]])


def lock_appointments(*, ids: Iterable[int]) -> list[Appointment]:
    """Several appointments, in primary-key order."""
    _require_transaction()
    wanted = sorted(set(ids))
    if not wanted:
        return []
    return list(Appointment.objects.filter(pk__in=wanted).order_by("pk").select_for_update(no_key=True, of=("self",)))


_PATIENT_NAMESPACE = 0x4E4F5446  # "NOTF": the first key of the patient's advisory lock, as it always was


def lock_patients(patient_ids: Iterable[int | None]) -> None:
    """The patients' locks, in one round trip and in id order (two transactions locking
    overlapping sets cannot deadlock). Notifications takes a patient's before counting or
    planning their messages; a booking takes them last (the patient's own, to refuse a visit that
    overlaps another of theirs, and anyone's whose lapsed hold it expires), and again, re-entrantly,
    through the listeners that plan its messages."""
    _require_transaction()
    keys = sorted({pk % _INT4 for pk in patient_ids if pk})
    if not keys or connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(pg_advisory_xact_lock(%s, key)) FROM unnest(%s::int4[]) AS key",
                       [_PATIENT_NAMESPACE, keys])


def lock_appointment(*, appointment_id: int) -> Appointment:
    """The appointment, re-read under its row lock (status changes are compare-and-set on it),
    with its patient, and its service and location from the clinic's set-up."""
    _require_transaction()
    return catalog.attach(Appointment.objects.select_for_update(no_key=True, of=("self",))
                          .select_related("patient").get(pk=appointment_id))


def _require_transaction() -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("Booking locks only mean something inside transaction.atomic().")
