"""The no-op task of the Celery ceiling, found by autodiscovery only under bench.settings."""

from celery import shared_task


@shared_task(name="bench.noop", ignore_result=True)
def noop() -> None:
    """Does nothing: what is left is the broker round trip, the worker and the ack."""
