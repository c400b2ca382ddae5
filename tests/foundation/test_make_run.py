"""`make run`'s process runner: web, worker and beat come up together, and Ctrl-C stops them all."""

import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time

import requests
from django.conf import settings

from tests.foundation.subprocess_env import environment


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def is_running(pid: int) -> bool:
    try:
        os.killpg(pid, 0)  # the child's whole process group: gunicorn and Celery fork workers
    except ProcessLookupError:
        return False
    return True


def still_running(pids: dict[str, int], *, within_s: float = 10) -> list[str]:
    """The processes whose group is still there after `within_s` (the last ones to go, killed by
    honcho after its grace period, take a moment to be reaped)."""
    deadline = time.monotonic() + within_s
    while (running := [name for name, pid in pids.items() if is_running(pid)]) and time.monotonic() < deadline:
        time.sleep(0.2)
    return running


def test_web_worker_and_beat_start_together_and_ctrl_c_stops_every_one(tmp_path):
    port, sms_port = free_port(), free_port()
    runner = subprocess.Popen(
        [sys.executable, "-m", "devtools.run", "--port", str(port)],
        env=environment(tmp_path, WEB_CONCURRENCY="1", FAKE_TWILIO_PORT=str(sms_port)), cwd=settings.BASE_DIR,
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True)
    output: list[str] = []
    milestones = {"Press Ctrl-C to stop.": threading.Event(), " worker | ": threading.Event(),
                  " beat   | ": threading.Event()}

    def read():
        for line in runner.stdout:
            output.append(line)
            for text, seen in milestones.items():
                if text in line:
                    seen.set()

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        for text, seen in milestones.items():
            assert seen.wait(timeout=90), f"no {text!r} in:\n" + "".join(output)
        pids = {name: int(pid) for name, pid in re.findall(r"(\w+) started \(pid=(\d+)\)", "".join(output))}
        health = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=5)

        runner.send_signal(signal.SIGINT)
        exit_code = runner.wait(timeout=60)
        reader.join(timeout=10)
    finally:
        if runner.poll() is None:
            os.killpg(runner.pid, signal.SIGKILL)

    assert health.status_code == 200
    assert {"web", "worker", "beat", "sms"} <= pids.keys()
    assert exit_code == 128 + signal.SIGINT  # stopped by Ctrl-C, as the shell reports it
    assert still_running(pids) == [], "".join(output)
    text = "".join(output)
    assert f"API docs:  http://127.0.0.1:{port}/api/docs/" in text
    assert "Texts go to a fake Twilio at" in text
    assert "SIGINT received" in text
