"""Ceilings measured in the same run as the figures they bound.

- measure(): requests/second of a DRF endpoint doing one INSERT, on gunicorn served exactly as
  the booking scenario is (bench.support.start_gunicorn, same workers).
- noop_celery_throughput(): tasks/second of a no-op Celery task on the same Redis broker.

The Django app in this package (bench.ceiling, table bench_ceiling_row) is installed only by
bench.settings, never by the product's settings.
"""

from .http_insert import measure
from .noop_tasks import noop_celery_throughput

__all__ = ["measure", "noop_celery_throughput"]
