"""The Celery app. Tasks are thin wrappers over service functions; the beat schedule lives here."""

import logging.config
import os

from celery import Celery, signals
from celery.utils.log import get_task_logger

from config.request_id import bind_request_id, current_request_id, NO_REQUEST, unbind_request_id

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
logger = get_task_logger(__name__)

app = Celery("clearday")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


def _beat_schedule() -> dict:
    """Beat only triggers; the dispatcher finds due rows in the database, so a missed beat
    delays messages but never loses them."""
    from django.conf import settings

    interval = float(settings.NOTIFY_DISPATCH_INTERVAL_SECONDS)
    return {
        # Expires with the next beat, so a stopped worker does not find a pile of dispatch runs.
        "notifications-dispatch": {"task": "notifications.dispatch_due_messages", "schedule": interval,
                                   "options": {"expires": interval}},
        # Housekeeping only: lapsed holds are already free, old idempotency keys already ignored.
        "scheduling-expire-lapsed-holds": {"task": "scheduling.expire_lapsed_holds", "schedule": 60.0,
                                           "options": {"expires": 60.0}},
        # Moves the waitlist on when an offer lapses or a freed time's nudge was lost.
        "waitlist-sweep": {"task": "waitlist.sweep", "schedule": interval, "options": {"expires": interval}},
        "api-purge-idempotency-records": {"task": "api.purge_idempotency_records", "schedule": 3600.0,
                                          "options": {"expires": 3600.0}},
    }


app.conf.beat_schedule = _beat_schedule()


@app.task(name="clearday.ping", ignore_result=False)
def ping() -> str:
    """A round trip for tests and for operators checking that a worker is consuming."""
    logger.info("pong")
    return "pong"


@signals.setup_logging.connect
def _log_like_the_web_process(**_) -> None:
    """Worker and beat log through Django's LOGGING (request ids, JSON in production)."""
    from django.conf import settings

    logging.config.dictConfig(settings.LOGGING)


@signals.before_task_publish.connect
def _send_request_id(headers: dict | None = None, **_) -> None:
    if headers is not None and current_request_id() != NO_REQUEST:
        headers.setdefault("request_id", current_request_id())


_task_tokens: dict[str, object] = {}


@signals.task_prerun.connect
def _bind_task_request_id(task_id: str, task, **_) -> None:
    _task_tokens[task_id] = bind_request_id(getattr(task.request, "request_id", None) or task_id)


@signals.task_postrun.connect
def _unbind_task_request_id(task_id: str, **_) -> None:
    token = _task_tokens.pop(task_id, None)
    if token is not None:
        unbind_request_id(token)
