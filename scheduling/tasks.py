"""Celery tasks of the scheduling app: thin wrappers over services, triggered by beat."""

from celery import shared_task

from scheduling.services import housekeeping


@shared_task(name="scheduling.expire_lapsed_holds")
def expire_lapsed_holds() -> int:
    return housekeeping.expire_lapsed_holds()

