"""Tasks really travel through the broker to a separate worker process and back."""

import re
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.test import Client

from config.celery import ping
from config.request_id import bind_request_id, unbind_request_id
from tests.foundation.subprocess_env import environment


def wait_for_line(worker, pattern: str, timeout: float = 30) -> re.Match:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        match = re.search(pattern, worker.log())
        if match:
            return match
        time.sleep(0.2)  # waiting on another process, not on the clock
    raise AssertionError(f"{pattern!r} never appeared in the worker log:\n{worker.log()}")


@pytest.mark.redis
def test_a_task_goes_through_redis_to_a_worker_and_its_result_comes_back(celery_worker_process):
    token = bind_request_id("req-roundtrip-1")
    try:
        result = ping.delay()
    finally:
        unbind_request_id(token)

    assert result.get(timeout=30) == "pong"
    # The worker logs under the id of the request that queued the task.
    wait_for_line(celery_worker_process, r"\[req-roundtrip-1\] pong")


@pytest.mark.redis
@pytest.mark.django_db(transaction=True)
def test_the_worker_sends_a_requested_sign_in_code_from_the_test_database(celery_worker_process):
    from tests.factories import PatientFactory

    PatientFactory(phone="+16025550123")
    client = Client()

    response = client.post("/api/v1/auth/code", {"destination": "+16025550123"}, content_type="application/json",
                           HTTP_X_REQUEST_ID="req-code-1")
    sent = wait_for_line(celery_worker_process,
                         r"\[req-code-1\] SMS to \+16025550123: Your Clearday Clinic sign-in code is (\d{6})\.")
    verified = client.post("/api/v1/auth/verify", {"destination": "+16025550123", "code": sent.group(1)},
                           content_type="application/json")

    assert response.status_code == 202
    assert verified.status_code == 200


def test_the_embedded_file_system_broker_carries_a_task_to_a_worker_and_back(tmp_path):
    """What `make run` uses when REDIS_URL is not set (results in files only for this test)."""
    env = environment(tmp_path, CELERY_RESULT_BACKEND=f"file://{tmp_path / 'results'}")
    (tmp_path / "results").mkdir()
    worker = subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "config", "worker", "--pool=solo", "--loglevel=INFO",
         "--without-gossip", "--without-mingle", "--without-heartbeat"],
        env=env, cwd=settings.BASE_DIR, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        client = subprocess.run(
            [sys.executable, "-c", "import django; django.setup(); from config.celery import ping; "
                                   "print(ping.delay().get(timeout=60))"],
            env=env, cwd=settings.BASE_DIR, capture_output=True, text=True, timeout=120)
    finally:
        worker.terminate()
        worker.wait(timeout=30)

    assert client.stdout.strip() == "pong", client.stderr
