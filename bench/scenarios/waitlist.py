"""Waitlist backfill through the real pipeline: a cancellation commits, a Celery worker matches
the freed time against the waiting entries (eligibility, gates, the availability engine, the
texting window), holds it for the first candidate and texts the offer through the Twilio SDK to
the fake Twilio server.

On a copy of the large demo clinic (bench.scenarios.demo_clinic): ENTRIES waiting entries (new
patients, cleared for every treatment, reachable by text in a zone where it is midday) spread
over the services of CANCELLATIONS booked visits in the coming days; one worker (the product's
settings) and beat at the default dispatcher interval (NOTIFY_DISPATCH_INTERVAL_SECONDS, 30 s)
run; the visits are cancelled one a second through the booking service. The figure is the time
from each cancellation's commit to the first offer for its freed time reaching the fake server
(p50, p95), with double bookings (overlapping exclusive allocations afterwards) and duplicate
offers (an entry offered one freed time twice, or a text received twice) counted.

`python -m bench.scenarios.waitlist [--quick]` prints the figures as JSON.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import statistics
import subprocess
import sys
import time

from bench import support
from bench.scenarios import demo_clinic
from bench.scenarios.reminders import _noon_zone, _twilio_credentials, fake_stats, start_beat, start_fake_twilio

DB_NAME = os.environ.get("BENCH_WAITLIST_DB", "clearday_bench_waitlist")
ENTRIES = 1000
CANCELLATIONS = 50
CONCURRENCY = 2
SIZES = {True: {"appointments": 5000}, False: {"appointments": None}}


def _log(message: str) -> None:
    print(f"[waitlist] {message}", file=sys.stderr, flush=True)


def _django_main(command: str, *args: str) -> dict:
    """Runs in a subprocess with Django set up on the benchmark database."""
    import django

    django.setup()
    return {"seed": _seed, "cancel": _cancel}[command](*args)


def _seed() -> dict:
    from django.contrib.auth import get_user_model
    from django.utils import timezone

    from care.demo import clear_patients
    from notifications.models import MessagingPolicy
    from scheduling.models import Appointment, AppointmentStatus, Patient
    from waitlist.models import WaitlistEntry

    now = timezone.now()
    MessagingPolicy.objects.filter(pk=1).update(consented_daily_cap=20)
    visits = list(
        Appointment.objects.filter(
            status=AppointmentStatus.BOOKED,
            location__isnull=False,
            start__gte=now + dt.timedelta(hours=3),
            start__lt=now + dt.timedelta(days=10),
        )
        .order_by("start")
        .values_list("pk", "service_id", "start")[: CANCELLATIONS * 4]
    )
    # Spread over the days, a few services: one visit in four.
    chosen = visits[::4][:CANCELLATIONS]
    services = sorted({service for _, service, _ in chosen})
    zone = _noon_zone()
    patients = Patient.objects.bulk_create(
        [
            Patient(
                legal_first_name="Waiting",
                legal_last_name=f"Patient {n}",
                date_of_birth=dt.date(1980, 1, 1),
                phone=f"+16026{n:06d}",
                time_zone=zone,
                state="AZ",
                sms_consent=True,
            )
            for n in range(ENTRIES)
        ]
    )
    clinician = get_user_model().objects.filter(role="clinician").first()
    clear_patients(patient_ids=[p.pk for p in patients], cleared_by=clinician, evaluated_on=now.date())
    today = now.date()
    WaitlistEntry.objects.bulk_create(
        [
            WaitlistEntry(
                patient=p,
                service_id=services[i % len(services)],
                place="any",
                earliest_date=today,
                latest_date=today + dt.timedelta(days=14),
                weekdays=list(range(7)),
                expires_on=today + dt.timedelta(days=14),
                created_at=now - dt.timedelta(minutes=ENTRIES - i),
            )
            for i, p in enumerate(patients)
        ]
    )
    return {"visits": [pk for pk, _, _ in chosen], "services": len(services), "time_zone": zone}


def _cancel(ids: str) -> dict:
    from scheduling.models import Appointment
    from scheduling.services.transitions import cancel_appointment

    committed = {}
    for pk in json.loads(ids):
        cancel_appointment(appointment=Appointment.objects.get(pk=pk), actor=None, reason="Bench cancellation")
        committed[pk] = time.time()  # after the commit (cancel_appointment is its own transaction)
        time.sleep(1.0)
    return {"committed": committed}


def _subprocess(url: str, *args: str, timeout: float = 1800) -> dict:
    env = support.subprocess_env(database_url=url, redis_url=support.DEFAULT_REDIS_URL)
    proc = subprocess.run(
        [sys.executable, "-m", "bench.scenarios.waitlist", *args],
        cwd=support.ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if proc.returncode != 0:
        raise RuntimeError(f"{args[0]} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _first_offers(url: str) -> dict[int, str]:
    """Each cancelled visit's first offer: the number it was texted to."""
    import psycopg

    with psycopg.connect(url) as conn:
        rows = conn.execute("""
            SELECT DISTINCT ON (f.source_id) f.source_id, p.phone
            FROM waitlist_freedtime f JOIN waitlist_offer o ON o.freed_id = f.id
            JOIN waitlist_waitlistentry e ON e.id = o.entry_id JOIN scheduling_patient p ON p.id = e.patient_id
            ORDER BY f.source_id, o.created_at, o.id""").fetchall()
    return dict(rows)


def _integrity(url: str) -> dict:
    import psycopg

    with psycopg.connect(url) as conn:
        double = conn.execute("""
            SELECT count(*) FROM scheduling_allocation a JOIN scheduling_allocation b
              ON a.id < b.id AND a.exclusive AND b.exclusive AND a.start < b."end" AND b.start < a."end"
             AND ((a.staff_id = b.staff_id) OR (a.resource_id = b.resource_id))
             AND (a.hold_expires_at IS NULL OR a.hold_expires_at > now())
             AND (b.hold_expires_at IS NULL OR b.hold_expires_at > now())""").fetchone()[0]
        repeated = conn.execute("""
            SELECT count(*) FROM (SELECT entry_id, freed_id FROM waitlist_offer GROUP BY 1, 2
                                  HAVING count(*) > 1) t""").fetchone()[0]
        offers = conn.execute("SELECT count(*) FROM waitlist_offer").fetchone()[0]
    return {"double_bookings": double, "repeated_offers": repeated, "offers": offers}


def run(*, quick: bool) -> dict:
    sizes = SIZES[quick]
    url, seeded = demo_clinic.clinic_database(DB_NAME, size="large", appointments=sizes["appointments"])
    support.reset_redis(support.DEFAULT_REDIS_URL)
    _log(f"seeding {ENTRIES} waitlist entries")
    seed = _subprocess(url, "--django", "seed")
    fake, fake_url = start_fake_twilio()
    processes: list = [fake]
    try:
        env = {
            "SMS_BACKEND": "notifications.channels.twilio.TwilioSmsBackend",
            "TWILIO_API_BASE_URL": fake_url,
            "PUBLIC_BASE_URL": "http://127.0.0.1:9",
            **_twilio_credentials(),
        }
        processes.append(support.start_celery_worker(database_url=url, concurrency=CONCURRENCY, env=env))
        processes.append(start_beat(url, support.DEFAULT_REDIS_URL, env))
        _log(f"cancelling {len(seed['visits'])} visits, one a second")
        committed = {
            int(k): v
            for k, v in _subprocess(url, "--django", "cancel", json.dumps(seed["visits"]))["committed"].items()
        }
        deadline = time.monotonic() + 120
        latencies: dict[int, float] = {}
        while time.monotonic() < deadline and len(latencies) < len(committed):
            import requests

            received = requests.get(f"{fake_url}/_fake/messages", timeout=30).json()
            first_at: dict[str, float] = {}
            for message in received:
                at = dt.datetime.strptime(message["date_created"], "%a, %d %b %Y %H:%M:%S %z").timestamp()
                first_at.setdefault(message["to"], at)
            for source, phone in _first_offers(url).items():
                if source in committed and phone in first_at:
                    # The fake's dates are whole seconds (RFC 2822): the end of that second, an upper bound.
                    latencies[source] = first_at[phone] + 1.0 - committed[source]
            time.sleep(1)
        stats = fake_stats(fake_url)
    finally:
        for process in reversed(processes):
            process.stop()
    values = sorted(latencies.values())
    p95 = values[max(0, round(0.95 * len(values)) - 1)] if values else None
    return {
        "entries": ENTRIES,
        "cancellations": len(committed),
        "offered": len(values),
        "not_offered_within_120_s": len(committed) - len(values),
        "cancel_to_offer_p50_s": round(statistics.median(values), 2) if values else None,
        "cancel_to_offer_p95_s": round(p95, 2) if p95 is not None else None,
        "cancel_to_offer_max_s": round(values[-1], 2) if values else None,
        "dispatch_interval_s": 30,
        "services": seed["services"],
        "texts_received": stats["received"],
        "duplicate_texts": stats["duplicates"],
        **_integrity(url),
        "duplicate_offers": stats["duplicates"] + _integrity(url)["repeated_offers"],
        "clinic_seed_s": seeded.get("seed_s"),
        "load_average_1m_at_end": round(os.getloadavg()[0], 2),
        "note": "upper bounds: the fake server dates each text to the whole second (RFC 2822), counted as its end",
        "scale_data": f"{ENTRIES:,} waiting entries on the large demo clinic",
        "scale_10x_not_measured": "10x entries (10,000 waiting) would need a patient population the demo clinic "
        "does not have; the matcher reads only the entries of the freed time's service",
    }


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--django":
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        print(json.dumps(_django_main(sys.argv[2], *sys.argv[3:])))
    else:
        print(json.dumps(run(quick="--quick" in sys.argv), indent=2))
