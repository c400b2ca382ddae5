"""`make run`: web, Celery worker and beat together in the foreground; Ctrl-C stops all of them.

The Makefile passes the three commands (docker-compose.yml runs the same ones). Each child runs
in its own process group so that Ctrl-C reaches only this runner, which then stops the children
in order and waits for them.
"""

import argparse
import os
import shlex
import signal
import subprocess
import sys
import threading
import time
import urllib.request

STOP_TIMEOUT_SECONDS = 25
READY_TIMEOUT_SECONDS = 60


def resolve(command: str) -> list[str]:
    """The command's words, its program taken from this virtualenv when it is installed there."""
    words = shlex.split(command)
    local = os.path.join(os.path.dirname(sys.executable), words[0])
    if os.path.exists(local):
        words[0] = local
    return words


def relay(name: str, stream) -> None:
    """Copy a child's output to ours, each line prefixed with the process name."""
    for line in iter(stream.readline, ""):
        sys.stdout.write(f"{name:<6} | {line}")
        sys.stdout.flush()


def wait_until_up(url: str, children: dict[str, subprocess.Popen], stopping: threading.Event) -> bool:
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline and not stopping.is_set():
        if any(child.poll() is not None for child in children.values()):
            return False
        try:
            with urllib.request.urlopen(url, timeout=2) as response:  # nosec B310 - our own http:// health URL
                if response.status == 200:
                    return True
        except OSError:
            time.sleep(0.5)
    return False


def demo_logins(where_texts_go: str) -> list[str]:
    """Who can sign in to the demo clinic, read from the database `make seed` filled."""
    import django

    django.setup()
    from django.db import DatabaseError, connection

    from accounts.models import Role, User
    from scheduling.demo.catalog import DEMO_PASSWORD
    from scheduling.models import Patient

    try:
        active = User.objects.filter(is_active=True).order_by("username")
        staff = [(username, Role(role).label.lower()) for role in (Role.ADMIN, Role.FRONT_DESK, Role.CLINICIAN)
                 for username in active.filter(role=role).values_list("username", flat=True)[:3]]
        patients = list(Patient.objects.exclude(phone="").order_by("pk").values_list("phone", flat=True)[:2])
    except DatabaseError:
        return ["  The database is not migrated yet: run `make migrate` and `make seed`."]
    finally:
        connection.close()
    lines = []
    if staff:
        lines.append(f"  Staff logins (demo password '{DEMO_PASSWORD}'): "
                     + ", ".join(f"{username} ({role})" for username, role in staff))
    if patients:
        lines.append("  Patients sign in with a one-time code sent to e.g. "
                     + ", ".join(str(phone) for phone in patients) + f" ({where_texts_go})")
    return lines or ["  No demo users yet: run `make seed`, or create an admin with `manage.py createsuperuser`."]


def fake_sms(base: str) -> tuple[dict[str, str], list[tuple[str, str]]]:
    """Without a Twilio account in the environment, texts go to a local fake Twilio server (a 4th
    process), so sending, delivery receipts and replies all run for real. Returns the environment
    for every child and the fake's command."""
    if os.environ.get("TWILIO_ACCOUNT_SID") or os.environ.get("SMS_BACKEND"):
        return {}, []
    from notifications.fake_twilio import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, DEFAULT_FROM

    port = int(os.environ.get("FAKE_TWILIO_PORT", "8025"))
    public = os.environ.get("PUBLIC_BASE_URL") or base
    env = {"SMS_BACKEND": "notifications.channels.twilio.TwilioSmsBackend", "TWILIO_ACCOUNT_SID": DEFAULT_ACCOUNT_SID,
           "TWILIO_AUTH_TOKEN": DEFAULT_AUTH_TOKEN, "TWILIO_FROM_NUMBER": DEFAULT_FROM,
           "TWILIO_API_BASE_URL": f"http://127.0.0.1:{port}", "PUBLIC_BASE_URL": public}
    command = (f"{shlex.quote(sys.executable)} -m notifications.fake_twilio --port {port} "
               f"--auth-token {DEFAULT_AUTH_TOKEN} --inbound-url {public}/webhooks/sms/inbound --echo")
    return env, [("sms", command)]


def base_url(host: str, port: int) -> str:
    return f"http://{'127.0.0.1' if host in ('0.0.0.0', '::', '') else host}:{port}"  # nosec B104 - maps 0.0.0.0 to loopback


def banner(base: str, where_texts_go: str) -> str:
    db = os.environ.get("DATABASE_URL") and "PostgreSQL (DATABASE_URL)" or "SQLite (var/clearday.sqlite3)"
    broker = os.environ.get("REDIS_URL") and "Redis (REDIS_URL)" or "file-system broker (var/broker)"
    return "\n".join([
        "",
        "Clearday is running: web, Celery worker and beat.",
        f"  Web:       {base}/",
        f"  API docs:  {base}/api/docs/   (OpenAPI: {base}/api/schema/)",
        f"  Admin:     {base}/admin/",
        f"  Health:    {base}/healthz   {base}/readyz",
        f"  Database:  {db}",
        f"  Broker:    {broker}",
        *demo_logins(where_texts_go),
        "Press Ctrl-C to stop.",
        "",
    ])


def stop(children: dict[str, subprocess.Popen]) -> None:
    """SIGTERM to each main process only (gunicorn and Celery stop their own workers gracefully);
    whatever is left of a group after the timeout is killed."""
    for child in children.values():
        if child.poll() is None:
            child.terminate()
    deadline = time.monotonic() + STOP_TIMEOUT_SECONDS
    for name, child in children.items():
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            print(f"{name} did not stop in {STOP_TIMEOUT_SECONDS}s; killing it.", flush=True)
        try:
            os.killpg(child.pid, signal.SIGKILL)  # strays of a group whose leader is gone, if any
        except ProcessLookupError:
            pass
        child.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--web", required=True, help="the web command (WEB_CMD in the Makefile)")
    parser.add_argument("--worker", required=True, help="the Celery worker command (WORKER_CMD)")
    parser.add_argument("--beat", required=True, help="the Celery beat command (BEAT_CMD)")
    args = parser.parse_args()

    stopping = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stopping.set())
    signal.signal(signal.SIGTERM, lambda *_: stopping.set())

    base = base_url(args.host, args.port)
    sms_env, sms_children = fake_sms(base)
    env = {**os.environ, "HOST": args.host, "PORT": str(args.port), "PYTHONUNBUFFERED": "1", **sms_env}
    children: dict[str, subprocess.Popen] = {}
    for name, command in (*sms_children, ("web", args.web), ("worker", args.worker), ("beat", args.beat)):
        child = subprocess.Popen(resolve(command), env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                 text=True, bufsize=1, start_new_session=True)
        children[name] = child
        threading.Thread(target=relay, args=(name, child.stdout), daemon=True).start()
    print("Started " + ", ".join(f"{name} (pid {child.pid})" for name, child in children.items()) + ".", flush=True)

    if wait_until_up(f"{base}/healthz", children, stopping):
        where_texts_go = "texts go to the fake Twilio below" if sms_env else "texts print in this console"
        print(banner(base, where_texts_go), flush=True)
        if sms_env:
            fake = sms_env["TWILIO_API_BASE_URL"]
            print(f"  Texts go to a fake Twilio at {fake}: see them at {fake}/_fake/messages; reply as a patient "
                  f"with POST {fake}/_fake/inbound {{\"from\": \"+1...\", \"body\": \"C\"}}.\n", flush=True)

    exit_code = 0
    while not stopping.is_set():
        for name, child in children.items():
            if child.poll() is not None:
                print(f"{name} exited with {child.returncode}; stopping the others.", flush=True)
                exit_code = child.returncode or 1
                stopping.set()
                break
        stopping.wait(0.5)
    print("Stopping web, worker and beat...", flush=True)
    stop(children)
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
