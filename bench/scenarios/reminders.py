"""Reminders through the real pipeline: beat -> dispatcher -> Celery workers -> Twilio SDK -> the
fake Twilio server, beside the ceiling of no-op Celery tasks on the same Redis broker.

1. Throughput: N due reminders (one per patient, each a distinct number) are seeded into the
   outbox of a fresh PostgreSQL database; Celery beat (every BEAT_INTERVAL_S) runs the
   dispatcher, one worker (CONCURRENCY processes, the product's settings: acks_late,
   prefetch 1) sends them. Messages/second is measured at the fake server, from the first text
   it receives to the last; it counts duplicates (same number and body twice) and lost texts.
   Every send runs the full send-time checks (visit still on, consent, quiet hours in the
   patient's zone, frequency limits) in its two transactions.
2. The no-op ceiling: how fast one worker with the same concurrency drains `clearday.ping`
   from the same broker (bench.ceiling.noop_tasks), measured before and after step 1 because
   the load on a shared machine moves; the share is taken against their mean.
3. Crash: another batch of due reminders, two workers; one is SIGKILLed (its whole process
   group) mid-run. The dispatcher's reconciliation puts back claims that never started and asks
   the fake server about sends that were interrupted; the figures say how many of each and
   confirm nothing was lost or sent twice.
4. Scale (full runs): one batch of due reminders (10,000) sent as in step 1, from a fresh
   outbox holding just the batch (1x) and from one that also holds nine sent reminders for each
   of those patients' past visits (10x rows, and ten times the visits): does the dispatcher's
   claim or a send-time check slow down as the outbox grows? The figures are `scale_batch_*`.

The fake server posts no status callbacks here (no web process runs); the integration test
tests/notifications/test_worker.py covers them. The timeouts are shortened (see WORKER_ENV)
so a crash is repaired within a benchmark's patience; production uses 600 s / 120 s.

`python -m bench.scenarios.reminders [--quick]` prints the figures as JSON.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench import support

# Two runs at once on one machine need different databases (fresh_database drops the old one).
DB_NAME = os.environ.get("BENCH_REMINDERS_DB", "clearday_bench_reminders")
SCALE_DB_NAME = f"{DB_NAME}_scale"
SIZES = {
    # scale_batch: the due batch sent at 1x and 10x outbox rows (None: not measured)
    True: {"reminders": 2000, "crash_reminders": 2000, "noop_tasks": 2000, "claim_timeout_s": 20,
           "scale_batch": None},
    False: {"reminders": 100_000, "crash_reminders": 20_000, "noop_tasks": 20_000, "claim_timeout_s": 60,
            "scale_batch": 10_000},
}
HISTORY_PER_PATIENT = 9  # 10x outbox rows: each due reminder's patient has nine sent ones before it
CONCURRENCY = 2  # per worker; the same for the no-op ceiling (and `make run`)
BEAT_INTERVAL_S = 3
KILL_AT_SHARE = 0.3
WORKER_ENV = {
    "SMS_BACKEND": "notifications.channels.twilio.TwilioSmsBackend",
    "NOTIFY_DISPATCH_INTERVAL_SECONDS": str(BEAT_INTERVAL_S),
    "NOTIFY_BATCH_SIZE": "50",
    "NOTIFY_MAX_IN_FLIGHT": "2000",
    "NOTIFY_HANDOFF_TIMEOUT_SECONDS": "10",
    "PUBLIC_BASE_URL": "http://127.0.0.1:9",  # no web process: callbacks are off on the fake
}


def _log(message: str) -> None:
    print(f"[reminders] {message}", file=sys.stderr, flush=True)


# --- seeding (runs in a subprocess with Django set up on the benchmark database) -------------

def _noon_zone() -> str:
    """A fixed-offset zone where it is about noon now, so the real quiet-hours rule lets texts out."""
    offset = 12 - dt.datetime.now(dt.UTC).hour
    return "Etc/GMT" if offset == 0 else f"Etc/GMT{'-' if offset > 0 else '+'}{abs(offset)}"


def _seed(count: int, offset: int, history: int = 0) -> dict:
    """`count` due reminders, one per new patient; with `history`, each of those patients also
    has that many completed past visits, each with its reminder sent (weeks ago, outside every
    frequency window): the outbox a clinic accumulates."""
    import django

    django.setup()
    from django.utils import timezone

    from notifications.models import Channel, MessageStatus, MessagingPolicy, OutboundMessage
    from scheduling.models import Appointment, AppointmentStatus, Location, Patient, Service

    MessagingPolicy.current()
    location, _ = Location.objects.get_or_create(name="Bench clinic", defaults={"time_zone": "UTC"})
    service, _ = Service.objects.get_or_create(code="bench-visit", defaults={
        "name": "Visit", "category": Service.Category.EVALUATION})
    now, zone = timezone.now(), _noon_zone()
    start = now + dt.timedelta(days=3)
    chunk = 5000
    for first in range(offset, offset + count, chunk):
        numbers = range(first, min(first + chunk, offset + count))
        patients = Patient.objects.bulk_create([
            Patient(legal_first_name="Bench", legal_last_name=f"Patient {n}", date_of_birth=dt.date(1980, 1, 1),
                    phone=f"+16025{n:06d}", time_zone=zone, sms_consent=True) for n in numbers])
        appointments = Appointment.objects.bulk_create([
            Appointment(patient=p, service=service, location=location, modality="in_person", start=start,
                        end=start + dt.timedelta(hours=1), status=AppointmentStatus.BOOKED) for p in patients])
        OutboundMessage.objects.bulk_create([
            OutboundMessage(patient=a.patient, appointment=a, kind="reminder_24h", template="reminder",
                            channel=Channel.SMS, priority=40, status=MessageStatus.PLANNED, planned_for_start=start,
                            due_at=now - dt.timedelta(minutes=1), next_attempt_at=now - dt.timedelta(minutes=1))
            for a in appointments])
        if history:
            _seed_history(patients, service=service, location=location, visits=history, now=now)
    return {"seeded": count, "history_per_patient": history, "time_zone": zone}


def _seed_history(patients: list, *, service, location, visits: int, now: dt.datetime) -> None:
    from notifications.models import Channel, MessageStatus, OutboundMessage
    from scheduling.models import Appointment, AppointmentStatus

    # Fortnightly visits, the latest ten days ago: their reminders count in no frequency window.
    starts = [now - dt.timedelta(days=10 + 14 * k) for k in range(visits)]
    past = Appointment.objects.bulk_create([
        Appointment(patient=p, service=service, location=location, modality="in_person", start=start,
                    end=start + dt.timedelta(hours=1), status=AppointmentStatus.COMPLETED)
        for p in patients for start in starts], batch_size=5000)
    OutboundMessage.objects.bulk_create([
        OutboundMessage(patient=a.patient, appointment=a, kind="reminder_24h", template="reminder",
                        channel=Channel.SMS, priority=40, status=MessageStatus.SENT, planned_for_start=a.start,
                        due_at=a.start - dt.timedelta(days=1), next_attempt_at=a.start - dt.timedelta(days=1),
                        attempts=1, handed_off_at=a.start - dt.timedelta(days=1),
                        sent_at=a.start - dt.timedelta(days=1), to_address=a.patient.phone,
                        provider_id=f"SMbench{a.pk:026d}", body="Reminder: your visit is tomorrow.")
        for a in past], batch_size=5000)


def seed(url: str, *, count: int, offset: int, history: int = 0) -> dict:
    env = support.subprocess_env(database_url=url, redis_url=None)
    proc = subprocess.run([sys.executable, "-m", "bench.scenarios.reminders", "--seed", str(count), str(offset),
                           str(history)],
                          cwd=support.ROOT, env=env, capture_output=True, text=True, timeout=1800)
    if proc.returncode != 0:
        raise RuntimeError(f"seeding failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


# --- processes -------------------------------------------------------------------------------

class _Process:
    """A child in its own process group, output to a log file; stop() ends the group."""

    def __init__(self, name: str, cmd: list[str], env: dict[str, str]):
        self.log_path = Path(tempfile.mkstemp(prefix=f"clearday-bench-{name}-", suffix=".log")[1])
        with self.log_path.open("wb") as log:
            self.proc = subprocess.Popen(cmd, cwd=support.ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
                                         start_new_session=True)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, 15)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, 9)
                self.proc.wait(10)


def start_fake_twilio() -> tuple[_Process, str]:
    import requests

    port = support.free_port()
    fake = _Process("fake-twilio", [sys.executable, "-m", "devtools.fake_twilio", "--port", str(port),
                                    "--no-callbacks"], {**os.environ, "PYTHONPATH": str(support.ROOT)})
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            requests.get(f"{url}/_fake/stats", timeout=1)
            return fake, url
        except requests.RequestException:
            time.sleep(0.1)
    fake.stop()
    raise RuntimeError(f"the fake Twilio server did not start:\n{fake.log_path.read_text()[-2000:]}")


def start_beat(url: str, redis_url: str, env: dict[str, str]) -> _Process:
    schedule = Path(tempfile.mkdtemp(prefix="clearday-bench-beat-")) / "schedule"
    return _Process("beat", [sys.executable, "-m", "celery", "-A", "config", "beat", "--loglevel=WARNING",
                             f"--schedule={schedule}"],
                    support.subprocess_env(database_url=url, redis_url=redis_url, extra=env))


def fake_stats(fake_url: str) -> dict:
    import requests

    return requests.get(f"{fake_url}/_fake/stats", timeout=30).json()


def outbox_counts(url: str) -> dict[str, int]:
    import psycopg

    with psycopg.connect(url) as conn:
        return dict(conn.execute("SELECT status, count(*) FROM notifications_outboundmessage GROUP BY status")
                    .fetchall())


def reasons(url: str, *, since_id: int) -> dict[str, int]:
    import psycopg

    with psycopg.connect(url) as conn:
        return dict(conn.execute(
            "SELECT status_reason, count(*) FROM notifications_outboundmessage WHERE id > %s AND status_reason <> '' "
            "GROUP BY status_reason", [since_id]).fetchall())


def wait_for_all_sent(url: str, fake_url: str, expected_total: int, *, timeout_s: float) -> dict:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        stats = fake_stats(fake_url)
        counts = outbox_counts(url)
        if stats["distinct"] >= expected_total and not counts.get("planned") and not counts.get("sending"):
            return stats
        time.sleep(0.5)
    raise RuntimeError(f"not all reminders were sent within {timeout_s:.0f}s: fake {fake_stats(fake_url)}, "
                       f"outbox {outbox_counts(url)}")


# --- the run ---------------------------------------------------------------------------------

def run(*, quick: bool) -> dict:
    sizes = SIZES[quick]
    n, crash_n = sizes["reminders"], sizes["crash_reminders"]
    redis_url = support.DEFAULT_REDIS_URL
    url = support.fresh_database(DB_NAME)
    support.reset_redis(redis_url)
    _log(f"seeding {n} due reminders")
    seeded = seed(url, count=n, offset=0)
    fake, fake_url = start_fake_twilio()
    processes: list = [fake]
    try:
        # The ceiling is measured before and after the run: on a shared machine the load moves.
        ceilings = [_noop_ceiling(sizes["noop_tasks"], url, redis_url)]
        env = {**WORKER_ENV, "TWILIO_API_BASE_URL": fake_url, **_twilio_credentials(),
               "NOTIFY_CLAIM_TIMEOUT_SECONDS": str(sizes["claim_timeout_s"])}
        _log("throughput: one worker")
        worker = support.start_celery_worker(database_url=url, redis_url=redis_url, concurrency=CONCURRENCY, env=env)
        beat = start_beat(url, redis_url, env)
        processes += [worker, beat]
        started = time.perf_counter()
        stats = wait_for_all_sent(url, fake_url, n, timeout_s=max(300.0, n / 10))
        end_to_end_s = time.perf_counter() - started
        beat.stop()
        worker.stop()
        ceilings.append(_noop_ceiling(sizes["noop_tasks"], url, redis_url))
        noop_rate = sum(c["tasks_per_s"] for c in ceilings) / len(ceilings)
        sending_s = stats["last_at"] - stats["first_at"]
        rate = n / sending_s if sending_s > 0 else float("nan")
        throughput = {
            "reminders": n, "workers": 1, "worker_concurrency": CONCURRENCY,
            "batch_size": int(WORKER_ENV["NOTIFY_BATCH_SIZE"]),
            "messages_per_s": round(rate, 1), "sending_s": round(sending_s, 2), "end_to_end_s": round(end_to_end_s, 2),
            "noop_tasks_per_s": round(noop_rate, 1),
            "noop_tasks_per_s_before": ceilings[0]["tasks_per_s"], "noop_tasks_per_s_after": ceilings[1]["tasks_per_s"],
            "share_of_noop_ceiling_pct": round(100 * rate / noop_rate, 1),
            "received_at_fake": stats["received"], "duplicates": stats["duplicates"], "lost": n - stats["distinct"],
            "outbox_sent": outbox_counts(url).get("sent", 0), "load_average_1m_at_end": round(os.getloadavg()[0], 2),
        }
        _log(f"throughput: {throughput}")
        crash = _crash_run(url, fake_url, redis_url, env, crash_n, already=n, processes=processes)
    finally:
        for process in reversed(processes):
            process.stop()
    result = {**throughput, **{f"crash_{key}": value for key, value in crash.items()},
              "noop_ceilings": ceilings, "patient_time_zone": seeded["time_zone"]}
    return {**result, **_scale(sizes, env=env, redis_url=redis_url)}


def _scale(sizes: dict, *, env: dict, redis_url: str) -> dict:
    """The same due batch sent by the same worker from an outbox of 1x and of 10x rows."""
    batch = sizes["scale_batch"]
    if batch is None:
        return {"scale_data": f"outbox rows in the table: 1x = the {sizes['reminders']:,} due reminders alone",
                "scale_10x_not_measured": "sending a batch at each size takes minutes"}
    points = {name: _scale_point(batch, history=history, env=env, redis_url=redis_url)
              for name, history in (("1x", 0), ("10x", HISTORY_PER_PATIENT))}
    return {
        "scale_data": (f"outbox rows in the table, for the same batch of {batch:,} due reminders: 1x = the "
                       f"batch alone ({points['1x']['scale_batch_outbox_rows']:,} rows, as in the run above), 10x = "
                       f"the batch plus {HISTORY_PER_PATIENT} sent reminders for each of its patients' past visits "
                       f"({points['10x']['scale_batch_outbox_rows']:,} rows, and as many more visits)"),
        **points["1x"], "at_10x_outbox_rows": points["10x"],
        "scale_batch_messages_per_s_ratio_10x": round(points["10x"]["scale_batch_messages_per_s"]
                                                      / points["1x"]["scale_batch_messages_per_s"], 3),
    }


def _scale_point(batch: int, *, history: int, env: dict, redis_url: str) -> dict:
    import psycopg

    _log(f"scale: {batch} due reminders, {history} sent before each")
    url = support.fresh_database(SCALE_DB_NAME)
    support.reset_redis(redis_url)
    processes: list = []
    try:
        seed(url, count=batch, offset=0, history=history)
        with psycopg.connect(url, autocommit=True) as conn:
            conn.execute("ANALYZE")  # planner statistics, as autovacuum would have them
            rows = conn.execute("SELECT count(*) FROM notifications_outboundmessage").fetchone()[0]
        fake, fake_url = start_fake_twilio()
        processes.append(fake)
        point_env = {**env, "TWILIO_API_BASE_URL": fake_url}
        processes.append(support.start_celery_worker(database_url=url, redis_url=redis_url, concurrency=CONCURRENCY,
                                                     env=point_env))
        processes.append(start_beat(url, redis_url, point_env))
        stats = wait_for_all_sent(url, fake_url, batch, timeout_s=max(300.0, batch / 10))
    finally:
        for process in reversed(processes):
            process.stop()
        support.drop_database(SCALE_DB_NAME)
    sending_s = stats["last_at"] - stats["first_at"]
    return {"scale_batch_reminders": batch, "scale_batch_outbox_rows": rows,
            "scale_batch_messages_per_s": round(batch / sending_s, 1) if sending_s > 0 else None,
            "scale_batch_sending_s": round(sending_s, 2), "scale_batch_duplicates": stats["duplicates"],
            "scale_batch_lost": batch - stats["distinct"]}


def _noop_ceiling(tasks: int, url: str, redis_url: str) -> dict:
    from bench.ceiling.noop_tasks import noop_celery_throughput

    _log(f"no-op ceiling: {tasks} tasks")
    ceiling = noop_celery_throughput(tasks, CONCURRENCY, redis_url=redis_url, database_url=url)
    support.reset_redis(redis_url)
    return ceiling


def _twilio_credentials() -> dict[str, str]:
    from devtools.fake_twilio import DEFAULT_ACCOUNT_SID, DEFAULT_AUTH_TOKEN, DEFAULT_FROM

    return {"TWILIO_ACCOUNT_SID": DEFAULT_ACCOUNT_SID, "TWILIO_AUTH_TOKEN": DEFAULT_AUTH_TOKEN,
            "TWILIO_FROM_NUMBER": DEFAULT_FROM}


def _crash_run(url: str, fake_url: str, redis_url: str, env: dict, count: int, *, already: int,
               processes: list) -> dict:
    import psycopg

    with psycopg.connect(url) as conn:
        last_id = conn.execute("SELECT coalesce(max(id), 0) FROM notifications_outboundmessage").fetchone()[0]
    _log(f"crash: seeding {count} more; two workers")
    seed(url, count=count, offset=already)
    survivor, victim = (support.start_celery_worker(database_url=url, redis_url=redis_url, concurrency=CONCURRENCY,
                                                    env=env) for _ in range(2))
    processes += [survivor, victim, start_beat(url, redis_url, env)]
    deadline = time.monotonic() + max(300.0, count / 5)
    while fake_stats(fake_url)["distinct"] - already < KILL_AT_SHARE * count:
        if time.monotonic() > deadline:
            raise RuntimeError("the crash batch never got going")
        time.sleep(0.05)
    received_at_kill = fake_stats(fake_url)["distinct"] - already
    victim.kill()
    killed_at = time.perf_counter()
    _log(f"crash: SIGKILLed worker pid {victim.pid} after {received_at_kill} of {count}")
    stats = wait_for_all_sent(url, fake_url, already + count, timeout_s=max(300.0, count / 5))
    why = reasons(url, since_id=last_id)
    return {
        "reminders": count, "workers": 2, "killed_after_received": received_at_kill,
        "recovery_s": round(time.perf_counter() - killed_at, 2),
        "received_at_fake": stats["received"] - already, "duplicates": stats["duplicates"],
        "lost": already + count - stats["distinct"],
        "claims_put_back": why.get("Claimed but not picked up in time; planned again.", 0),
        "interrupted_confirmed_by_provider": why.get("Interrupted mid-send; the provider confirms it has the message.", 0),
        "interrupted_sent_again": why.get("Interrupted mid-send and not found at the provider; sending again.", 0),
        "outbox_failed": outbox_counts(url).get("failed", 0),
    }


if __name__ == "__main__":
    if len(sys.argv) > 3 and sys.argv[1] == "--seed":
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        print(json.dumps(_seed(int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]) if len(sys.argv) > 4 else 0)))
    else:
        print(json.dumps(run(quick="--quick" in sys.argv), indent=2))
