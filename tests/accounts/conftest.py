import re

import pytest

from config.celery import app as celery_app
from notifications.channels.sms import LocmemSmsBackend
from tests.factories import PatientFactory

CODE_PATTERN = re.compile(r"\b(\d{6})\b")


@pytest.fixture
def sms_outbox(settings):
    settings.SMS_BACKEND = "notifications.channels.sms.LocmemSmsBackend"
    LocmemSmsBackend.outbox.clear()
    yield LocmemSmsBackend.outbox
    LocmemSmsBackend.outbox.clear()


@pytest.fixture
def tasks_run_in_process(settings):
    """Queued tasks run at once in this process (the worker round trip is tested in foundation).
    Celery reads CELERY_* from Django's settings on each use, so the override is live."""
    settings.CELERY_TASK_ALWAYS_EAGER = True
    settings.CELERY_TASK_EAGER_PROPAGATES = True
    assert celery_app.conf.task_always_eager


@pytest.fixture
def patient(db):
    return PatientFactory(phone="+16025550134", email="Ann.Lee@Example.com", legal_first_name="Ann",
                          legal_last_name="Lee")


@pytest.fixture
def request_code(client, sms_outbox, mailoutbox, tasks_run_in_process, django_capture_on_commit_callbacks):
    """POST /auth/code like a client; returns the response (messages land in the outboxes)."""

    def request(destination: str, **extra):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post("/api/v1/auth/code", {"destination": destination}, content_type="application/json",
                               **extra)

    return request


@pytest.fixture
def sign_in_code(request_code, sms_outbox):
    """Request a code by SMS for a destination and return the code the patient received."""

    def code_for(destination: str) -> str:
        assert request_code(destination).status_code == 202
        return CODE_PATTERN.search(sms_outbox[-1]["body"]).group(1)

    return code_for


@pytest.fixture
def verify(client):
    def post(destination: str, code: str, **body):
        return client.post("/api/v1/auth/verify", {"destination": destination, "code": code, **body},
                           content_type="application/json")

    return post
