"""The Celery app. Tasks are thin wrappers over service functions; the beat schedule lives here."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("clearday")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Beat only triggers; the dispatcher finds due rows in the database, so a missed beat delays
# messages but never loses them.
app.conf.beat_schedule = {}


@app.task(name="clearday.ping")
def ping() -> str:
    """A no-op round trip used by readiness checks and tests."""
    return "pong"
