"""`make run`: the Procfile's processes (web, Celery worker, beat) under honcho; Ctrl-C stops them all.

honcho starts each process in its own process group, prefixes its output with its name, and
stops every group when one exits or on Ctrl-C. This adds what a developer needs on top: texts go
to a local fake Twilio unless a real provider is configured, and once the web answers, the
addresses and the demo logins are printed.
"""

import argparse
import os
import shlex
import sys
import threading
import time
import urllib.request
from pathlib import Path

from honcho.manager import Manager

ROOT = Path(__file__).resolve().parent.parent
READY_TIMEOUT_SECONDS = 60


def procfile(path: Path = ROOT / "Procfile") -> dict[str, str]:
    """The Procfile's `name: command` lines, in order (docker-compose.yml and the image run the same)."""
    lines = (line.strip() for line in path.read_text().splitlines())
    pairs = (line.split(":", 1) for line in lines if line and not line.startswith("#"))
    return {name.strip(): command.strip() for name, command in pairs}


def fake_sms(base: str) -> tuple[dict[str, str], dict[str, str]]:
    """Without a Twilio account in the environment, texts go to a local fake Twilio server (a 4th
    process), so sending, delivery receipts and replies all run for real. Returns the environment
    for every process and the fake's command, if any."""
    if os.environ.get("TWILIO_ACCOUNT_SID") or os.environ.get("SMS_BACKEND"):
        return {}, {}
    from devtools.fake_twilio import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, DEFAULT_FROM

    port = int(os.environ.get("FAKE_TWILIO_PORT", "8025"))
    public = os.environ.get("PUBLIC_BASE_URL") or base
    env = {
        "SMS_BACKEND": "notifications.channels.twilio.TwilioSmsBackend",
        "TWILIO_ACCOUNT_SID": DEFAULT_ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": DEFAULT_AUTH_TOKEN,
        "TWILIO_FROM_NUMBER": DEFAULT_FROM,
        "TWILIO_API_BASE_URL": f"http://127.0.0.1:{port}",
        "PUBLIC_BASE_URL": public,
    }
    command = (
        f"{shlex.quote(sys.executable)} -m devtools.fake_twilio --port {port} "
        f"--auth-token {DEFAULT_AUTH_TOKEN} --inbound-url {public}/webhooks/sms/inbound --echo"
    )
    return env, {"sms": command}


def demo_logins(where_texts_go: str) -> list[str]:
    """Who can sign in to the demo clinic, read from the database `make seed` filled."""
    import django

    django.setup()
    from django.db import connection, DatabaseError

    from accounts.models import Role, User
    from scheduling.demo.catalog import DEMO_PASSWORD
    from scheduling.models import Patient

    try:
        active = User.objects.filter(is_active=True).order_by("username")
        staff = [
            (username, Role(role).label.lower())
            for role in (Role.ADMIN, Role.FRONT_DESK, Role.CLINICIAN)
            for username in active.filter(role=role).values_list("username", flat=True)[:3]
        ]
        patients = list(Patient.objects.exclude(phone="").order_by("pk").values_list("phone", flat=True)[:2])
    except DatabaseError:
        return ["  The database is not migrated yet: run `make migrate` and `make seed`."]
    finally:
        connection.close()
    lines = []
    if staff:
        lines.append(
            f"  Staff logins (demo password '{DEMO_PASSWORD}'): "
            + ", ".join(f"{username} ({role})" for username, role in staff)
        )
    if patients:
        lines.append(
            "  Patients sign in with a one-time code sent to e.g. "
            + ", ".join(str(phone) for phone in patients)
            + f" ({where_texts_go})"
        )
    return lines or ["  No demo users yet: run `make seed`, or create an admin with `manage.py createsuperuser`."]


def base_url(host: str, port: int) -> str:
    return f"http://{'127.0.0.1' if host in ('0.0.0.0', '::', '') else host}:{port}"  # nosec B104 - loopback for 0.0.0.0


def banner(base: str, sms_env: dict[str, str]) -> str:
    db = os.environ.get("DATABASE_URL") and "PostgreSQL (DATABASE_URL)" or "SQLite (var/clearday.sqlite3)"
    broker = os.environ.get("REDIS_URL") and "Redis (REDIS_URL)" or "file-system broker (var/broker)"
    where_texts_go = "texts go to the fake Twilio below" if sms_env else "texts print in this console"
    lines = [
        "",
        "Clearday is running: web, Celery worker and beat.",
        f"  Web:       {base}/",
        f"  API docs:  {base}/api/docs/   (OpenAPI: {base}/api/schema/)",
        f"  Admin:     {base}/admin/",
        f"  Health:    {base}/healthz   {base}/readyz",
        f"  Database:  {db}",
        f"  Broker:    {broker}",
        *demo_logins(where_texts_go),
    ]
    if sms_env:
        fake = sms_env["TWILIO_API_BASE_URL"]
        lines.append(
            f"  Texts go to a fake Twilio at {fake}: see them at {fake}/_fake/messages; reply as a patient "
            f'with POST {fake}/_fake/inbound {{"from": "+1...", "body": "C"}}.'
        )
    return "\n".join([*lines, "Press Ctrl-C to stop.", ""])


def announce_when_up(base: str, sms_env: dict[str, str]) -> None:
    """Print the banner once /healthz answers (a thread beside honcho's loop)."""
    deadline = time.monotonic() + READY_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:  # nosec B310 - our own http URL
                if response.status == 200:
                    print(banner(base, sms_env), flush=True)
                    return
        except OSError:
            time.sleep(0.5)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()

    base = base_url(args.host, args.port)
    sms_env, sms_process = fake_sms(base)
    # The processes' programs come from this virtualenv (gunicorn, celery), as in the image's PATH.
    path = os.pathsep.join([os.path.dirname(sys.executable), os.environ.get("PATH", "")])
    env = {**os.environ, "PATH": path, "HOST": args.host, "PORT": str(args.port), "PYTHONUNBUFFERED": "1", **sms_env}
    manager = Manager()
    for name, command in {**sms_process, **procfile()}.items():
        manager.add_process(name, command, env=env, cwd=str(ROOT))
    threading.Thread(target=announce_when_up, args=(base, sms_env), daemon=True).start()
    manager.loop()
    return manager.returncode


if __name__ == "__main__":
    sys.exit(main())
