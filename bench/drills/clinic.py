"""The clinic a drill books against, and the SQL a drill checks afterwards.

The clinic is the booking benchmark's (bench/scenarios/booking.py: IV chairs, nurses, therapists,
cleared patients with API tokens), with messaging set so that texts go out *now*: every patient
lives in a zone where it is about noon (the real quiet-hours rule lets texts out), has SMS
consent, the confirmation has no grace period and the daily cap is high. Due reminders for the
dispatcher drills come from bench/scenarios/reminders.py's seed.

    python -m bench.drills.clinic --tune      (in a subprocess with Django on the drill database)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

from bench import support
from bench.scenarios import booking, reminders

# Every row a finished booking change leaves behind; a non-zero count is a half-written booking.
INTEGRITY_SQL = {
    "holding_time_without_allocations": """
        SELECT count(*) FROM scheduling_appointment a WHERE a.status IN ('booked', 'held', 'checked_in')
           AND NOT EXISTS (SELECT 1 FROM scheduling_allocation l WHERE l.appointment_id = a.id)""",
    "released_but_still_allocated": """
        SELECT count(*) FROM scheduling_appointment a WHERE a.status NOT IN ('booked', 'held', 'checked_in')
           AND EXISTS (SELECT 1 FROM scheduling_allocation l WHERE l.appointment_id = a.id)""",
    "appointments_without_events": """
        SELECT count(*) FROM scheduling_appointment a
         WHERE NOT EXISTS (SELECT 1 FROM scheduling_appointmentevent e WHERE e.appointment_id = a.id)""",
    "booked_without_outbox_rows": """
        SELECT count(*) FROM scheduling_appointment a WHERE a.status = 'booked'
           AND NOT EXISTS (SELECT 1 FROM notifications_outboundmessage m WHERE m.appointment_id = a.id)""",
}


def seed(url: str, *, patients: int = 60, existing: int = 0) -> dict:
    """The booking benchmark's clinic on `url`, then messaging tuned to send now."""
    data = booking.seed(url, {"patients": patients, "existing": existing})
    env = support.subprocess_env(database_url=url, redis_url=None)
    proc = subprocess.run([sys.executable, "-m", "bench.drills.clinic", "--tune"], cwd=support.ROOT, env=env,
                          capture_output=True, text=True, timeout=300)
    if proc.returncode != 0:
        raise RuntimeError(f"tuning the drill clinic failed:\n{proc.stderr[-3000:]}")
    data.update(json.loads(proc.stdout.strip().splitlines()[-1]))
    return data


def _tune() -> dict:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from knox.models import AuthToken

    from accounts.models import Role
    from notifications.models import MessagingPolicy
    from scheduling.models import Patient

    policy = MessagingPolicy.current()
    policy.confirmation_grace_minutes = 0
    policy.consented_daily_cap = 50
    policy.save()
    zone = reminders._noon_zone()
    Patient.objects.update(time_zone=zone, sms_consent=True)
    admin, _ = get_user_model().objects.get_or_create(username="drill.admin", defaults={"role": Role.ADMIN})
    return {"patient_time_zone": zone, "admin_token": AuthToken.objects.create(admin)[1]}


def due_reminders(url: str, *, count: int, offset: int = 0) -> dict:
    """`count` reminders due now, one per new patient, each a distinct number (reminders' seed)."""
    return reminders.seed(url, count=count, offset=offset)


def admin_token(url: str) -> str:
    """A clinic admin's API token (the desk's view of failed messages) on a database without the clinic."""
    env = support.subprocess_env(database_url=url, redis_url=None)
    code = ("import django; django.setup()\n"
            "from django.contrib.auth import get_user_model\nfrom knox.models import AuthToken\n"
            "from accounts.models import Role\n"
            "user, _ = get_user_model().objects.get_or_create(username='drill.admin', defaults={'role': Role.ADMIN})\n"
            "print(AuthToken.objects.create(user)[1])")
    proc = subprocess.run([sys.executable, "-c", code], cwd=support.ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    if proc.returncode != 0:
        raise RuntimeError(f"creating the admin token failed:\n{proc.stderr[-2000:]}")
    return proc.stdout.strip().splitlines()[-1]


# --- reading the drill database --------------------------------------------------------------

def query(url: str, sql: str, params: list | None = None) -> list[tuple]:
    import psycopg

    with psycopg.connect(url, connect_timeout=5) as conn:
        return conn.execute(sql, params or []).fetchall()


def scalar(url: str, sql: str, params: list | None = None):
    return query(url, sql, params)[0][0]


def integrity(url: str) -> dict[str, int]:
    return {name: scalar(url, sql) for name, sql in INTEGRITY_SQL.items()}


def outbox(url: str, *, since_id: int = 0) -> dict[str, int]:
    """Outbound rows by status (id > since_id), plus how many planned rows are due now."""
    counts = dict(query(url, "SELECT status, count(*) FROM notifications_outboundmessage WHERE id > %s GROUP BY status",
                        [since_id]))
    counts["due_now"] = scalar(url, "SELECT count(*) FROM notifications_outboundmessage WHERE id > %s "
                                    "AND status = 'planned' AND next_attempt_at <= now()", [since_id])
    return counts


def texts_that_went_out(url: str, *, since_id: int = 0) -> int:
    return scalar(url, "SELECT count(*) FROM notifications_outboundmessage WHERE id > %s AND channel = 'sms' "
                       "AND status IN ('sent', 'delivered')", [since_id])


def last_outbox_id(url: str) -> int:
    return scalar(url, "SELECT coalesce(max(id), 0) FROM notifications_outboundmessage")


if __name__ == "__main__":
    if "--tune" in sys.argv:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        print(json.dumps(_tune()))
