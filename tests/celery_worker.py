"""A real Celery worker in a subprocess, for tests that need a task round trip through Redis.

Use the fixture `celery_worker_process` (one worker per test module) in tests marked `redis`, or
`start_celery_worker(extra_env=...)` for a worker configured differently. The worker runs on this
test run's database (the test_ database on PostgreSQL, the test file on SQLite), so tasks that
read rows need them committed: mark such tests `django_db(transaction=True)`.

Only one worker may consume the queue at a time (a second one would take some of the messages),
so starting a worker while another answers on the same broker is refused.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
from django.conf import settings
from django.db import connection

from config.celery import app as celery_app

START_TIMEOUT_SECONDS = 60


def database_url_for_other_processes() -> str:
    """DATABASE_URL for another process to reach the database pytest-django created."""
    db = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{Path(db['NAME']).resolve()}"
    if connection.vendor == "postgresql":
        credentials = quote(db["USER"] or "", safe="")
        if db["PASSWORD"]:
            credentials += ":" + quote(db["PASSWORD"], safe="")
        host = db["HOST"] or "localhost"
        port = f":{db['PORT']}" if db["PORT"] else ""
        return f"postgres://{credentials}@{host}{port}/{quote(db['NAME'], safe='')}"
    raise RuntimeError(f"No worker database URL for {connection.vendor}.")


@dataclass
class WorkerProcess:
    process: subprocess.Popen
    hostname: str
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def start_celery_worker(*, log_path: Path, extra_env: dict[str, str] | None = None) -> WorkerProcess:
    """Start `celery worker` on this run's database and broker; return once it answers a ping."""
    if not settings.CELERY_BROKER_URL.startswith("redis"):
        raise RuntimeError("The test worker needs REDIS_URL: mark the test `redis`.")
    others = celery_app.control.ping(timeout=0.5)
    if others:
        names = ", ".join(name for reply in others for name in reply)
        raise RuntimeError(f"Another Celery worker consumes this broker's queue ({names}); stop it first.")
    celery_app.control.purge()  # messages left by an earlier run would run against this database
    hostname = f"pytest-{uuid.uuid4().hex[:8]}@%h"
    env = {**os.environ, "DATABASE_URL": database_url_for_other_processes(), "DB_CONN_MAX_AGE": "0", **(extra_env or {})}
    command = [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "--loglevel=INFO",
               "--hostname", hostname, "--without-gossip", "--without-mingle", "--without-heartbeat"]
    with open(log_path, "wb") as log_file:
        process = subprocess.Popen(command, env=env, cwd=settings.BASE_DIR, stdout=log_file,
                                   stderr=subprocess.STDOUT, start_new_session=True)
    worker = WorkerProcess(process=process, hostname=hostname.replace("%h", os.uname().nodename), log_path=log_path)
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"The Celery worker exited with {process.returncode}:\n{worker.log()}")
        if celery_app.control.ping(destination=[worker.hostname], timeout=0.5):
            return worker
    stop_celery_worker(worker)
    raise RuntimeError(f"The Celery worker did not answer within {START_TIMEOUT_SECONDS}s:\n{worker.log()}")


def stop_celery_worker(worker: WorkerProcess) -> None:
    """Warm shutdown (SIGTERM), as in production; killed if it does not stop in 20 s."""
    if worker.process.poll() is None:
        os.killpg(worker.process.pid, signal.SIGTERM)
        try:
            worker.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(worker.process.pid, signal.SIGKILL)
            worker.process.wait()


@pytest.fixture(scope="module")
def celery_worker_process(django_db_setup, tmp_path_factory):
    worker = start_celery_worker(log_path=tmp_path_factory.mktemp("celery") / "worker.log")
    yield worker
    stop_celery_worker(worker)


# --- A worker sending through the Twilio SDK to a local fake Twilio --------------------------

TWILIO_TOKEN = "worker-test-auth-token"
TWILIO_FROM = "+16025550199"


def wait_for(condition, *, timeout: float = 60.0, what: str):
    """Poll another process's progress (not a time jump: the worker runs on the real clock)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"Timed out after {timeout:.0f}s waiting for {what}.")


@pytest.fixture
def fake_twilio():
    from devtools.fake_twilio import FakeTwilio

    with FakeTwilio(auth_token=TWILIO_TOKEN, our_number=TWILIO_FROM) as server:
        yield server


@pytest.fixture
def twilio_worker(live_server, fake_twilio, settings, tmp_path):
    """The web side (pytest-django's live server, this process, which receives the signed status
    callbacks) and a worker (subprocess) configured alike, sending through the real queue."""
    from devtools.fake_twilio import DEFAULT_ACCOUNT_SID

    env = {"SMS_BACKEND": "notifications.channels.twilio.TwilioSmsBackend", "TWILIO_ACCOUNT_SID": DEFAULT_ACCOUNT_SID,
           "TWILIO_AUTH_TOKEN": TWILIO_TOKEN, "TWILIO_FROM_NUMBER": TWILIO_FROM,
           "TWILIO_API_BASE_URL": fake_twilio.url, "PUBLIC_BASE_URL": live_server.url,
           "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend"}
    settings.TWILIO_AUTH_TOKEN, settings.PUBLIC_BASE_URL = TWILIO_TOKEN, live_server.url
    settings.CELERY_TASK_ALWAYS_EAGER = False
    worker = start_celery_worker(log_path=tmp_path / "worker.log", extra_env=env)
    yield worker
    stop_celery_worker(worker)

