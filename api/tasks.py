"""Celery tasks for the API: thin wrappers over its services."""

from celery import shared_task

from api.idempotency import purge_idempotency_records as purge


@shared_task(name="api.purge_idempotency_records")
def purge_idempotency_records() -> int:
    """Housekeeping only: keys past their TTL are already ignored; this keeps the table small."""
    return purge()
