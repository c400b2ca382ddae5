"""Booking throughput through HTTP, beside its ceiling, on the same gunicorn and database.

16 clients drive a realistic mix with contention against gunicorn + PostgreSQL: patients book
IV infusions mostly in the next few days (so they fight over chairs and nurses), some hold
first and then book the hold, the desk books video therapy for callers, patients cancel and
move visits. Every POST carries an Idempotency-Key, as real clients send it. Then the one-insert
DRF endpoint (bench.ceiling) is measured on the very same server. Afterwards the database is
audited: overlapping exclusive allocations and nurses over their watch capacity must be 0.

Then the same again (a full run) on a copy of that clinic holding ten times the visits: the
seeded ones and nine earlier months just like them, bulk-inserted as the rows the booking
service writes. The days the load books into are as busy as at 1x, so what changes is only how
much the tables hold.

`python -m bench.scenarios.booking [--quick]` prints the figures as JSON.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter, defaultdict

from bench import support
from bench.ceiling import http_insert

DB_NAME = "clearday_bench_booking"
DB_NAME_10X = f"{DB_NAME}_10x"
HISTORY_COPIES = 9  # 10x: the seeded visits and nine earlier copies of them
CLIENTS = 16
SIZES = {
    True: {"patients": 200, "existing": 120, "rounds": 2, "duration_s": 4.0, "ceiling_s": 2.5, "warmup": 48,
           "with_10x": False},
    False: {"patients": 800, "existing": 600, "rounds": 3, "duration_s": 15.0, "ceiling_s": 8.0, "warmup": 96,
            "with_10x": True},
}
CHAIRS, NURSES, THERAPISTS, WATCH = 12, 6, 4, 3
OPEN, CLOSE = dt.time(7), dt.time(19)
DAYS = 30  # bookable days from tomorrow; most traffic goes to the first few (contention)


# --- seeding (runs in a subprocess with Django set up on the benchmark database) -------------

def _seed(sizes: dict) -> dict:
    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.utils import timezone
    from knox.models import AuthToken

    from accounts.models import Role
    from care.models import Clearance, ContraindicationScreening, Treatment
    from scheduling.models import (
        Location,
        Patient,
        Phase,
        Resource,
        ResourceKind,
        Service,
        StaffMember,
        StaffRole,
        StaffUsage,
        WorkingHours,
    )
    from scheduling.services.booking import book_appointment
    from scheduling.timeutils import wall_to_utc, zone

    User = get_user_model()
    site = Location.objects.create(name="Phoenix", time_zone="America/Phoenix", state="AZ", rems_certified=True)
    telehealth = Location.objects.create(name="Telehealth", time_zone="America/Phoenix", is_virtual=True)
    WorkingHours.objects.bulk_create([WorkingHours(location=site, weekday=d, start_time=OPEN, end_time=CLOSE)
                                      for d in range(7)])
    Resource.objects.bulk_create([Resource(location=site, name=f"Chair {n}", kind=ResourceKind.INFUSION_CHAIR)
                                  for n in range(1, CHAIRS + 1)])

    def staff(name: str, roles: list[str], role: str, **extra) -> StaffMember:
        user = User.objects.create(username=name.lower().replace(" ", "."), role=role)
        member = StaffMember.objects.create(user=user, display_name=name, roles=roles, languages=["en"],
                                            licensed_states=["AZ"], time_zone="America/Phoenix", **extra)
        WorkingHours.objects.bulk_create([WorkingHours(staff=member, weekday=d, start_time=OPEN, end_time=CLOSE)
                                          for d in range(7)])
        return member

    for n in range(1, NURSES + 1):
        staff(f"Nurse {n}", [StaffRole.NURSE], Role.CLINICIAN, watch_capacity=WATCH).locations.set([site])
    for n in range(1, THERAPISTS + 1):
        staff(f"Therapist {n}", [StaffRole.THERAPIST], Role.CLINICIAN).locations.set([site, telehealth])
    desk = staff("Desk", [StaffRole.FRONT_DESK], Role.FRONT_DESK)
    desk.locations.set([site, telehealth])

    iv = Service.objects.create(code="iv", name="IV infusion", category=Service.Category.IV_KETAMINE,
                                is_dosing=True, min_notice_minutes=120, horizon_days=90)
    iv.locations.set([site])
    Phase.objects.bulk_create([
        Phase(service=iv, order=1, name="Set-up", duration_minutes=15, staff_role=StaffRole.NURSE,
              staff_usage=StaffUsage.EXCLUSIVE, resource_kind=ResourceKind.INFUSION_CHAIR),
        Phase(service=iv, order=2, name="Infusion", duration_minutes=40, staff_role=StaffRole.NURSE,
              staff_usage=StaffUsage.SHARED, resource_kind=ResourceKind.INFUSION_CHAIR),
        Phase(service=iv, order=3, name="Recovery", duration_minutes=30, resource_kind=ResourceKind.INFUSION_CHAIR),
    ])
    therapy = Service.objects.create(code="integration", name="Integration session",
                                     category=Service.Category.INTEGRATION, modality="video",
                                     min_notice_minutes=120, horizon_days=90, bookable_online=False)
    Phase.objects.create(service=therapy, order=1, name="Session", duration_minutes=50,
                         staff_role=StaffRole.THERAPIST)

    users = User.objects.bulk_create([User(username=f"patient{n}", role=Role.PATIENT)
                                      for n in range(sizes["patients"])])
    patients = Patient.objects.bulk_create([
        Patient(user=u, legal_first_name="Pat", legal_last_name=f"Ient{n}", date_of_birth=dt.date(1980, 1, 1),
                phone=f"+1602555{n:04d}", email=f"patient{n}@example.com", time_zone="America/Phoenix", state="AZ")
        for n, u in enumerate(users)])
    tokens = [AuthToken.objects.create(u)[1] for u in [*users, desk.user]]  # knox keeps only a digest
    # Every patient has been evaluated and cleared for IV treatment (the clearance gate).
    prescriber = staff("Dr Reyes", [StaffRole.PRESCRIBER], Role.CLINICIAN)
    screenings = ContraindicationScreening.objects.bulk_create([
        ContraindicationScreening(patient=p, **{name: False for name, _ in ContraindicationScreening.FINDINGS})
        for p in patients])
    Clearance.objects.bulk_create([
        Clearance(patient=p, treatment=Treatment.IV_KETAMINE, evaluated_on=timezone.now().date(), screening=s,
                  cleared_by=prescriber.user) for p, s in zip(patients, screenings, strict=True)])
    # Evaluated and cleared, as a clinic's IV patients are: the clearance gate runs on every booking.
    from care.demo import clear_patients
    clear_patients(patient_ids=[p.pk for p in patients], cleared_by=User.objects.get(username="nurse.1"),
                   evaluated_on=timezone.localdate() - dt.timedelta(days=30), treatments=["iv_ketamine"])

    tz = zone("America/Phoenix")
    first_day = timezone.now().astimezone(tz).date() + dt.timedelta(days=1)
    rng = random.Random(7)
    booked = 0
    for _ in range(sizes["existing"] * 3):
        if booked >= sizes["existing"]:
            break
        day = first_day + dt.timedelta(days=rng.randrange(DAYS))
        start = wall_to_utc(day, dt.time(7 + rng.randrange(10), 15 * rng.randrange(4)), tz)
        try:
            book_appointment(patient=rng.choice(patients), service=iv, location=site, start=start,
                             actor=desk.user, channel="phone")
            booked += 1
        except Exception:  # noqa: BLE001 - a taken random slot is skipped
            continue
    return {"location": site.pk, "iv": iv.pk, "therapy": therapy.pk, "first_day": first_day.isoformat(),
            "patients": [[p.pk, t] for p, t in zip(patients, tokens[:-1], strict=True)], "desk_token": tokens[-1],
            "existing": booked}


def seed(url: str, sizes: dict) -> dict:
    env = support.subprocess_env(database_url=url, redis_url=None)
    proc = subprocess.run([sys.executable, "-m", "bench.scenarios.booking", "--seed", json.dumps(sizes)],
                          cwd=support.ROOT, env=env, capture_output=True, text=True, timeout=900)
    if proc.returncode != 0:
        raise RuntimeError(f"seeding failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _history(spec: dict) -> dict:
    """Earlier months of the seeded visits, written as the very rows the booking service wrote
    for them (the appointment, its allocations, events and outbox messages), each copy moved back
    by whole months and completed. Bulk inserts: the service cannot book into the past, and
    calling it thousands of times would take minutes."""
    import copy

    import django

    django.setup()
    from django.db import transaction

    from notifications.models import MessageStatus, OutboundMessage, PENDING_STATUSES
    from scheduling.models import Allocation, Appointment, AppointmentEvent, AppointmentStatus

    originals = list(Appointment.objects.filter(status=AppointmentStatus.BOOKED).order_by("pk"))
    children: dict[type, dict[int, list]] = {}
    for model in (Allocation, AppointmentEvent, OutboundMessage):
        children[model] = defaultdict(list)
        for row in model.objects.filter(appointment__in=originals).order_by("pk"):
            children[model][row.appointment_id].append(row)

    def moved(row, shift: dt.timedelta, **changes):
        new = copy.copy(row)
        new.pk = None
        new._state.adding = True
        for field in ("start", "end", "due_at", "next_attempt_at", "planned_for_start"):
            if getattr(new, field, None) is not None:
                setattr(new, field, getattr(new, field) - shift)
        for field, value in changes.items():
            setattr(new, field, value)
        return new

    written = Counter()
    with transaction.atomic():
        for n in range(1, spec["copies"] + 1):
            # One day more than n months back: copy n fills days -n*DAYS .. -(n-1)*DAYS-1, never today.
            shift = dt.timedelta(days=DAYS * n + 1)
            copies = Appointment.objects.bulk_create([
                moved(a, shift, status=AppointmentStatus.COMPLETED, hold_expires_at=None, rescheduled_to=None)
                for a in originals])
            pairs = list(zip(originals, copies, strict=True))
            Allocation.objects.bulk_create([moved(row, shift, appointment_id=new.pk, hold_expires_at=None)
                                            for old, new in pairs for row in children[Allocation][old.pk]])
            AppointmentEvent.objects.bulk_create([moved(row, shift, appointment_id=new.pk)
                                                  for old, new in pairs for row in children[AppointmentEvent][old.pk]])
            # What was still to go out went out; what a rule dropped stays dropped.
            messages = [moved(row, shift, appointment_id=new.pk)
                        for old, new in pairs for row in children[OutboundMessage][old.pk]]
            for message in messages:
                if message.status in PENDING_STATUSES:
                    message.status, message.attempts = MessageStatus.SENT, 1
                    message.handed_off_at = message.sent_at = message.due_at
            OutboundMessage.objects.bulk_create(messages)
            written.update(appointments=len(copies), messages=len(messages))
    return {"appointments": written["appointments"], "messages": written["messages"], "days": DAYS * spec["copies"]}


def clone_database(source: str, name: str) -> str:
    """A copy of database `source` (no one may be connected to it) named `name`."""
    import psycopg

    support._check_name(name)
    with psycopg.connect(support.PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{source}"')
    return support.database_url(name)


def add_history(url: str, *, copies: int) -> dict:
    env = support.subprocess_env(database_url=url, redis_url=None)
    proc = subprocess.run([sys.executable, "-m", "bench.scenarios.booking", "--history",
                           json.dumps({"copies": copies})],
                          cwd=support.ROOT, env=env, capture_output=True, text=True, timeout=900)
    if proc.returncode != 0:
        raise RuntimeError(f"writing the history failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def analyze(url: str) -> None:
    """Planner statistics, as autovacuum would have them a minute after the seed."""
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ANALYZE")


# --- the workload --------------------------------------------------------------------------

class Workload:
    """One request per call; each client keeps its own holds and bookings to convert, cancel or move."""

    def __init__(self, base_url: str, data: dict, seed_value: int = 1):
        self.url = base_url
        self.data = data
        self.first_day = dt.date.fromisoformat(data["first_day"])
        self.patients = data["patients"]
        self.rng = [random.Random(seed_value * 1000 + c) for c in range(CLIENTS * 4)]
        self.held: dict[int, list[tuple[int, str]]] = defaultdict(list)
        self.booked: dict[int, list[tuple[int, str]]] = defaultdict(list)
        self.lock = threading.Lock()
        self.latency: dict[str, list[float]] = defaultdict(list)
        self.outcomes: Counter = Counter()

    def _start(self, rng: random.Random) -> str:
        # Most people want the next few days: that is where the contention is.
        offset = min(int(rng.expovariate(1 / 2.5)), DAYS - 1)
        day = self.first_day + dt.timedelta(days=offset)
        local = dt.datetime.combine(day, dt.time(7 + rng.randrange(10), 15 * rng.randrange(4)))
        return (local + dt.timedelta(hours=7)).isoformat() + "Z"  # Phoenix is UTC-7 all year

    def _post(self, session, kind: str, path: str, body: dict, token: str):
        t0 = time.perf_counter()
        response = session.post(f"{self.url}{path}", json=body, timeout=60, headers={
            "Authorization": f"Token {token}", "Idempotency-Key": uuid.uuid4().hex})
        elapsed = (time.perf_counter() - t0) * 1000
        with self.lock:
            self.latency[kind].append(elapsed)
            self.outcomes[f"{kind} {response.status_code}"] += 1
        return response

    def __call__(self, session, client: int, index: int):
        rng = self.rng[client]
        if self.held[client]:
            hold_id, token = self.held[client].pop()
            response = self._post(session, "convert", "/api/v1/appointments", {"hold": hold_id}, token)
            if response.status_code == 201:
                self.booked[client].append((hold_id, token))
            return response
        roll = rng.random()
        patient_id, token = rng.choice(self.patients)
        if roll < 0.10 and self.booked[client]:
            appointment, owner = self.booked[client].pop(rng.randrange(len(self.booked[client])))
            return self._post(session, "cancel", f"/api/v1/appointments/{appointment}/cancel",
                              {"reason": "Plans changed"}, owner)
        if roll < 0.20 and self.booked[client]:
            appointment, owner = self.booked[client].pop(rng.randrange(len(self.booked[client])))
            response = self._post(session, "reschedule", f"/api/v1/appointments/{appointment}/reschedule",
                                  {"start": self._start(rng)}, owner)
            self.booked[client].append((response.json()["id"], owner) if response.status_code == 200
                                       else (appointment, owner))
            return response
        body = {"service": self.data["iv"], "location": self.data["location"], "start": self._start(rng)}
        if roll < 0.35:
            response = self._post(session, "hold", "/api/v1/holds", body, token)
            if response.status_code == 201:
                self.held[client].append((response.json()["id"], token))
            return response
        if roll < 0.45:
            desk_body = {"service": self.data["therapy"], "modality": "video", "start": self._start(rng),
                         "patient": patient_id, "channel": "phone"}
            return self._post(session, "book", "/api/v1/appointments", desk_body, self.data["desk_token"])
        response = self._post(session, "book", "/api/v1/appointments", body, token)
        if response.status_code == 201:
            self.booked[client].append((response.json()["id"], token))
        return response


# --- the audit -----------------------------------------------------------------------------

AUDIT_SQL = {
    # An allocation has exactly one holder, so the two halves never count a pair twice. Split by
    # holder, each half can use its exclusion constraint's GiST index: on a database with ten
    # times the visits, a join on "same staff OR same resource" compares every pair.
    "double_bookings": """
        SELECT (SELECT count(*) FROM scheduling_allocation a JOIN scheduling_allocation b
                  ON a.id < b.id AND a.exclusive AND b.exclusive AND b.staff_id IS NOT NULL
                 AND a.staff_id = b.staff_id
                 AND tstzrange(a.start, a."end", '[)') && tstzrange(b.start, b."end", '[)'))
             + (SELECT count(*) FROM scheduling_allocation a JOIN scheduling_allocation b
                  ON a.id < b.id AND a.exclusive AND b.exclusive AND b.resource_id IS NOT NULL
                 AND a.resource_id = b.resource_id
                 AND tstzrange(a.start, a."end", '[)') && tstzrange(b.start, b."end", '[)'))""",
    "nurse_over_capacity_points": """
        SELECT count(*) FROM (
          SELECT a.id FROM scheduling_allocation a
          JOIN scheduling_allocation b ON b.staff_id = a.staff_id AND NOT b.exclusive
           AND b.start <= a.start AND a.start < b."end"
          JOIN scheduling_staffmember s ON s.id = a.staff_id
          WHERE NOT a.exclusive GROUP BY a.id, s.watch_capacity HAVING sum(b.share) > s.watch_capacity) over_capacity""",
    "appointments_booked": "SELECT count(*) FROM scheduling_appointment WHERE status = 'booked'",
    "events": "SELECT count(*) FROM scheduling_appointmentevent",
}


def audit(url: str) -> dict:
    import psycopg

    with psycopg.connect(url) as conn:
        return {name: conn.execute(sql).fetchone()[0] for name, sql in AUDIT_SQL.items()}


# --- the run -------------------------------------------------------------------------------

def _ms(samples: list[float]) -> dict:
    p = support.percentiles(samples)
    return {"p50": round(p["p50"], 2) if p["p50"] is not None else None,
            "p95": round(p["p95"], 2) if p["p95"] is not None else None}


def _measure(url: str, data: dict, sizes: dict) -> dict:
    """Booking load and the one-insert ceiling alternate in rounds on the same server, so that a
    busy neighbour on this 2-core machine weighs on both sides of the ratio alike."""
    work = Workload("", data)
    rounds: list[tuple[float, int, int]] = []  # (elapsed_s, requests, 5xx) per booking round
    latencies: list[float] = []
    errors = 0
    ceilings: list[dict] = []
    with support.start_gunicorn(database_url=url) as server:
        support.http_load(Workload(server.url, data, seed_value=99), clients=CLIENTS, requests=sizes["warmup"])
        work.url = server.url
        for _ in range(sizes["rounds"]):
            result = support.http_load(work, clients=CLIENTS, duration_s=sizes["duration_s"])
            rounds.append((result.elapsed_s, result.completed,
                           sum(n for code, n in result.statuses.items() if isinstance(code, int) and code >= 500)))
            latencies += result.latencies_ms
            errors += len(result.errors)
            ceilings.append(http_insert.measure(clients=CLIENTS, duration_s=sizes["ceiling_s"], server=server))
    checks = audit(url)
    elapsed = sum(r[0] for r in rounds)
    booked = work.outcomes["book 201"] + work.outcomes["convert 201"]
    requests_per_s = sum(r[1] for r in rounds) / elapsed
    ceiling_per_s = sum(c["inserts_per_s"] for c in ceilings) / len(ceilings)
    return {
        "clients": CLIENTS, "gunicorn_workers": support.DEFAULT_GUNICORN_WORKERS, "rounds": len(rounds),
        "booking_load_s": round(elapsed, 2), "existing_appointments": data["existing"],
        "bookings_per_s": round(booked / elapsed, 2),
        "booking_requests_per_s": round(requests_per_s, 2),
        "book_p50_ms": _ms(work.latency["book"])["p50"], "book_p95_ms": _ms(work.latency["book"])["p95"],
        "convert_hold_p50_ms": _ms(work.latency["convert"])["p50"], "hold_p50_ms": _ms(work.latency["hold"])["p50"],
        "reschedule_p50_ms": _ms(work.latency["reschedule"])["p50"],
        "cancel_p50_ms": _ms(work.latency["cancel"])["p50"],
        "all_requests_p50_ms": _ms(latencies)["p50"], "all_requests_p95_ms": _ms(latencies)["p95"],
        "ceiling_inserts_per_s": round(ceiling_per_s, 2),
        "ceiling_p50_ms": round(sorted(c["p50_ms"] for c in ceilings)[len(ceilings) // 2], 2),
        "ceiling_p95_ms": round(sorted(c["p95_ms"] for c in ceilings)[len(ceilings) // 2], 2),
        "requests_vs_ceiling_ratio": round(requests_per_s / ceiling_per_s, 3),
        "bookings_vs_ceiling_ratio": round(booked / elapsed / ceiling_per_s, 3),
        "outcomes": dict(sorted(work.outcomes.items())),
        "server_errors": sum(r[2] for r in rounds), "client_errors": errors,
        "double_bookings": checks["double_bookings"],
        "nurse_over_capacity_points": checks["nurse_over_capacity_points"],
        "appointments_booked_after": checks["appointments_booked"], "events_after": checks["events"],
    }


def run(*, quick: bool) -> dict:
    """1x exactly as the headline has always been measured; then the same on a copy of the same
    clinic with ten times the visits (the 1x visits and nine earlier months of the same)."""
    sizes = SIZES[quick]
    url = support.fresh_database(DB_NAME)
    data = seed(url, sizes)
    if not sizes["with_10x"]:
        return {**_measure(url, data, sizes),
                "scale_data": f"booked visits in the database: 1x = {data['existing']:,} over the {DAYS} bookable days",
                "scale_10x_not_measured": "a second clinic and load run would double the quick run's booking time"}
    url_10x = clone_database(DB_NAME, DB_NAME_10X)
    history = add_history(url_10x, copies=HISTORY_COPIES)
    for each in (url, url_10x):
        analyze(each)
    try:
        figures = _measure(url, data, sizes)
        tenfold = _measure(url_10x, {**data, "existing": data["existing"] + history["appointments"]}, sizes)
    finally:
        support.drop_database(DB_NAME_10X)
    tenfold["history_days"] = history["days"]
    figures["scale_data"] = (
        f"booked visits in the database: 1x = {data['existing']:,} over the {DAYS} bookable days; 10x = "
        f"{tenfold['existing_appointments']:,}, the same {data['existing']:,} plus {HISTORY_COPIES} earlier "
        f"{DAYS}-day months of completed visits just like them (with their allocations, events and sent "
        "messages), so the days the load books into are as busy at both sizes (the chairs could not hold ten "
        "times the visits in the same days)")
    figures["at_10x_existing_appointments"] = tenfold
    for key in ("bookings_per_s", "booking_requests_per_s", "all_requests_p50_ms", "bookings_vs_ceiling_ratio"):
        figures[f"{key.removesuffix('_ms')}_ratio_10x"] = round(tenfold[key] / figures[key], 3)
    return figures


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] in ("--seed", "--history"):
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
        seeder = _seed if sys.argv[1] == "--seed" else _history
        print(json.dumps(seeder(json.loads(sys.argv[2]))))
    else:
        print(json.dumps(run(quick="--quick" in sys.argv), indent=2))
