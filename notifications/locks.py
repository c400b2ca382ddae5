"""The one lock notifications adds: a per-patient advisory lock around deciding what to send.

Frequency limits count what a patient already got, so two workers must not both decide "one
more fits" for the same patient, and planning must not rebalance a patient's texts while a
worker counts them. A transaction-scoped PostgreSQL advisory lock does that without touching
scheduling's rows (the booking service locks staff, resources and appointments, never this).
It is always the first lock a notifications transaction takes, so it cannot join a cycle.
On SQLite every write transaction is BEGIN IMMEDIATE and already runs alone.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import connection, transaction

# The first key of the two-key advisory lock space, so other users of advisory locks never collide.
_NAMESPACE = 0x4E4F5446  # "NOTF"


def lock_patient_messages(patient_id: int) -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("The patient messaging lock only means something inside transaction.atomic().")
    if connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_NAMESPACE, patient_id % 2_147_483_647])


def lock_patients_messages(patient_ids: Iterable[int | None]) -> None:
    """The same lock for several patients in one round trip, always in id order so two workers
    locking overlapping sets cannot deadlock."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("The patient messaging lock only means something inside transaction.atomic().")
    keys = sorted({pk % 2_147_483_647 for pk in patient_ids if pk})
    if not keys or connection.vendor != "postgresql":
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, key) FROM unnest(%s::int[]) AS key ORDER BY key",
                       [_NAMESPACE, keys])
