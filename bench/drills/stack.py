"""The running system a drill acts on: the fake Twilio, gunicorn, a Celery worker and beat, all
pointed at one database and one broker, started with bench.support's starters (and the reminders
scenario's beat), stopped together.

Timeouts are short here (the dispatcher every 2 s, a lost claim back after 15 s, an interrupted
send looked up after 10 s) so that a drill sees recovery within a minute; production uses
30 s / 600 s / 120 s, and the mechanisms are the same.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable
from contextlib import ExitStack

import requests

from bench import support
from bench.scenarios import reminders

APP_ENV = {
    "SMS_BACKEND": "notifications.channels.twilio.TwilioSmsBackend",
    "NOTIFY_DISPATCH_INTERVAL_SECONDS": "2",
    "NOTIFY_BATCH_SIZE": "10",
    "NOTIFY_CLAIM_TIMEOUT_SECONDS": "15",
    "NOTIFY_HANDOFF_TIMEOUT_SECONDS": "10",
    "EMAIL_BACKEND": "django.core.mail.backends.locmem.EmailBackend",
}


def app_env(*, fake_url: str, public_url: str = "http://127.0.0.1:9") -> dict[str, str]:
    """What web, worker and beat get: the fake Twilio as the SMS provider, the drill timeouts.
    `public_url` is where the fake posts delivery receipts (a dead port: none)."""
    return {**APP_ENV, **reminders._twilio_credentials(), "TWILIO_API_BASE_URL": fake_url, "PUBLIC_BASE_URL": public_url}


class FakeTwilioProcess:
    """devtools.fake_twilio as a process: with delivery receipts to `callbacks_to` (the web's
    base URL) or none, and an inbound URL for texts patients send."""

    def __init__(self, *, callbacks_to: str | None = None):
        self.port = support.free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        cmd = [sys.executable, "-m", "devtools.fake_twilio", "--port", str(self.port)]
        if callbacks_to:
            cmd += ["--inbound-url", f"{callbacks_to}/webhooks/sms/inbound"]
        else:
            cmd.append("--no-callbacks")
        self.process = reminders._Process("fake-twilio", cmd, {**os.environ, "PYTHONPATH": str(support.ROOT)})
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                self.stats()
                return
            except requests.RequestException:
                time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"the fake Twilio did not start:\n{self.process.log_path.read_text()[-2000:]}")

    def stats(self) -> dict:
        return reminders.fake_stats(self.url)

    def messages(self) -> list[dict]:
        return requests.get(f"{self.url}/_fake/messages", timeout=30).json()

    def fail(self, **how) -> None:
        """POST /_fake/fail: {"count": n} or {"seconds": s}, with "status", "hang", "record"."""
        requests.post(f"{self.url}/_fake/fail", json=how, timeout=10).raise_for_status()

    def refuse(self, numbers: list[str]) -> None:
        requests.post(f"{self.url}/_fake/refuse", json={"numbers": numbers}, timeout=10).raise_for_status()

    def stop(self) -> None:
        self.process.stop()


class Stack(ExitStack):
    """Starts what a drill asks for and stops all of it (in reverse) on exit."""

    def __init__(self, *, database_url: str, redis_url: str):
        super().__init__()
        self.database_url, self.redis_url = database_url, redis_url
        self.env: dict[str, str] = {}
        self.web: support.ServerHandle | None = None

    def fake_twilio(self, *, callbacks_to: str | None = None) -> FakeTwilioProcess:
        fake = FakeTwilioProcess(callbacks_to=callbacks_to)
        self.callback(fake.stop)
        return fake

    def gunicorn(self, *, workers: int = 2, port: int | None = None) -> support.ServerHandle:
        self.web = support.start_gunicorn(database_url=self.database_url, redis_url=self.redis_url,
                                          workers=workers, port=port, env=self.env)
        self.callback(self.web.stop)
        return self.web

    def worker(self, *, concurrency: int = 2) -> support.WorkerHandle:
        worker = support.start_celery_worker(database_url=self.database_url, redis_url=self.redis_url,
                                             concurrency=concurrency, env=self.env)
        self.callback(worker.stop)
        return worker

    def beat(self):
        beat = reminders.start_beat(self.database_url, self.redis_url, self.env)
        self.callback(beat.stop)
        return beat


def wait_until(condition: Callable[[], bool], *, timeout_s: float, every_s: float = 0.5, what: str) -> float:
    """Poll until `condition()` is true; returns the seconds it took, raises after timeout_s."""
    started = time.monotonic()
    while True:
        if condition():
            return time.monotonic() - started
        if time.monotonic() - started > timeout_s:
            raise TimeoutError(f"{what}: not within {timeout_s:.0f} s")
        time.sleep(every_s)
