"""Celery tasks for sign-in: thin wrappers over accounts.services."""

import logging
import smtplib

from celery import shared_task

from notifications.channels.sms import SmsError

from .services import sign_in_code_deliver

logger = logging.getLogger(__name__)


@shared_task(bind=True, name="accounts.send_sign_in_code", max_retries=3)
def send_sign_in_code(self, code_id: int, sealed_code: str) -> None:
    """Idempotent enough: a redelivered message re-sends the same live code, a stale one nothing.
    The code travels sealed (accounts.services.seal_code): the broker never holds it in clear."""
    try:
        sign_in_code_deliver(code_id=code_id, sealed_code=sealed_code)
    except SmsError as exc:
        if not exc.temporary:
            logger.warning("Sign-in code %s not sent: %s", code_id, exc)
            return
        raise self.retry(exc=exc, countdown=10 * (self.request.retries + 1)) from exc
    except (smtplib.SMTPException, OSError) as exc:
        raise self.retry(exc=exc, countdown=10 * (self.request.retries + 1)) from exc
