"""Earliest anywhere: the first times of a service across every site and video over 28 days, on
the `--size large` demo clinic, beside one-site availability in the same run.

One PostgreSQL database cloned from the seeded demo clinic (bench/scenarios/demo_clinic.py). The
service is the initial evaluation, the one a new patient starts with: offered at all three sites
and by video. Measured:

- the engine alone (scheduling.availability.find_earliest, in a process with Django set up on the
  database): the request as asked (the earliest 10) and a full sweep of all 28 days at every
  place (what the widening search would cost if the first times were weeks away);
- HTTP (gunicorn on loopback, anonymous GETs as a patient's browser makes them):
  GET /api/v1/availability/earliest?service=evaluation&days=28 and, in alternating rounds so a
  change in the machine's load weighs on both alike, the one-site availability request of the
  availability scenario (28 days of IV infusions in Phoenix).

`python -m bench.scenarios.earliest [--quick]` prints the figures as JSON.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import time
from urllib.parse import urlencode

from bench import support
from bench.load import LoopbackSession
from bench.scenarios.demo_clinic import clinic_database, LARGE_APPOINTMENTS

SIZES = {
    True: {"appointments": 5_000, "engine_reps": 20, "http_requests": 30, "rounds": 2, "warmup": 6},
    False: {"appointments": LARGE_APPOINTMENTS, "engine_reps": 100, "http_requests": 300, "rounds": 4,
            "warmup": 20},
}
WINDOW_DAYS = 28
SERVICE = "evaluation"
LIMIT = 10


# --- the engine, measured inside a process with Django on the benchmark database -------------

def _engine_child(reps: int) -> None:
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from scheduling import catalog
    from scheduling.availability import find_earliest
    from scheduling.availability.earliest import places_offering
    from scheduling.models import Allocation, Appointment

    service = next(s for s in catalog.current().services.values() if s.code == SERVICE)
    now = timezone.now()
    end = now + dt.timedelta(days=WINDOW_DAYS)

    def measure(limit: int) -> tuple[list[float], list[float], list]:
        for _ in range(3):  # warm-up: imports, zoneinfo caches, the connection
            find_earliest(service=service, start=now, end=end, limit=limit, now=now)
        samples, cpu, found = [], [], []
        for _ in range(reps):
            started, started_cpu = time.perf_counter(), time.process_time()
            found = find_earliest(service=service, start=now, end=end, limit=limit, now=now)
            samples.append((time.perf_counter() - started) * 1000)
            cpu.append((time.process_time() - started_cpu) * 1000)
        return samples, cpu, found

    samples, cpu, found = measure(LIMIT)
    sweep, sweep_cpu, everything = measure(1_000_000)
    with CaptureQueriesContext(connection) as captured:
        find_earliest(service=service, start=now, end=end, limit=LIMIT, now=now)
    print(json.dumps({
        "samples_ms": samples, "cpu_ms": cpu, "sweep_ms": sweep, "sweep_cpu_ms": sweep_cpu,
        "slots": len(found), "slots_in_28_days": len(everything),
        "places": len(places_offering(service)), "queries_per_request": len(captured.captured_queries),
        "first_start": found[0].start.isoformat() if found else None,
        "appointments": Appointment.objects.count(), "allocations": Allocation.objects.count(),
    }))


def _phoenix_id(url: str) -> int:
    out = support.run_django(url, ["manage.py", "shell", "-c", "from scheduling.models import Location; "
                                   "print(Location.objects.get(name='Phoenix').pk)"], 300)
    return int(out.strip().splitlines()[-1])


# --- HTTP ------------------------------------------------------------------------------------

def _earliest_call(server):
    def call(session, _client, _index):
        params = {"service": SERVICE, "days": WINDOW_DAYS, "limit": LIMIT}
        return session.get(f"{server.url}/api/v1/availability/earliest?{urlencode(params)}", timeout=60)
    return call


def _one_site_call(server, location_id: int):
    def call(session, _client, _index):
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        params = {"service": "iv-infusion", "location": location_id, "start": now.isoformat(),
                  "end": (now + dt.timedelta(days=WINDOW_DAYS)).isoformat()}
        return session.get(f"{server.url}/api/v1/availability?{urlencode(params)}", timeout=60)
    return call


def _http(calls: dict, sizes: dict) -> dict[str, dict]:
    """One client, the two requests taking turns round by round."""
    for call in calls.values():
        support.http_load(call, clients=1, requests=sizes["warmup"])
    latencies: dict[str, list[float]] = {name: [] for name in calls}
    for _ in range(sizes["rounds"]):
        for name, call in calls.items():
            result = support.http_load(call, clients=1, requests=max(1, sizes["http_requests"] // sizes["rounds"]))
            summary = result.summary()
            if summary["errors"] or set(summary["statuses"]) != {"200"}:
                with LoopbackSession() as session:
                    sample = call(session, 0, 0)
                raise RuntimeError(f"{name} requests failed: {summary}; one answer: {sample.status_code} "
                                   f"{sample.text[:500]}")
            latencies[name] += result.latencies_ms
    out = {}
    for name, call in calls.items():
        spread = support.percentiles(latencies[name])
        with LoopbackSession() as session:
            size = len(call(session, 0, 0).content)
        out[name] = {"p50_ms": round(spread["p50"], 2), "p95_ms": round(spread["p95"], 2), "bytes": size}
    return out


# --- the scenario ----------------------------------------------------------------------------

def run(*, quick: bool) -> dict:
    sizes = SIZES[quick]
    db_name = f"clearday_bench_earliest_{os.getpid()}"  # per process: parallel runs never drop each other's
    try:
        url, seeded = clinic_database(db_name, size="large", appointments=sizes["appointments"])
        engine = support.engine_child(url, "bench.scenarios.earliest", sizes["engine_reps"])
        phoenix = _phoenix_id(url)
        load_before = os.getloadavg()[0]
        server = support.start_gunicorn(database_url=url)
        try:
            http = _http({"earliest": _earliest_call(server), "one_site": _one_site_call(server, phoenix)}, sizes)
        finally:
            server.stop()
        load_average = round((load_before + os.getloadavg()[0]) / 2, 2)
    finally:
        support.drop_database(db_name)
    wall, cpu = support.percentiles(engine["samples_ms"]), support.percentiles(engine["cpu_ms"])
    sweep = support.percentiles(engine["sweep_ms"])
    return {
        "http_p50_ms": http["earliest"]["p50_ms"], "http_p95_ms": http["earliest"]["p95_ms"],
        "response_bytes": http["earliest"]["bytes"],
        "availability_http_p50_ms": http["one_site"]["p50_ms"], "availability_http_p95_ms": http["one_site"]["p95_ms"],
        "engine_p50_ms": round(wall["p50"], 2), "engine_p95_ms": round(wall["p95"], 2),
        "engine_cpu_p50_ms": round(cpu["p50"], 2),
        "full_sweep_engine_p50_ms": round(sweep["p50"], 2), "full_sweep_engine_p95_ms": round(sweep["p95"], 2),
        "slots": engine["slots"], "slots_in_28_days": engine["slots_in_28_days"], "places": engine["places"],
        "queries_per_request": engine["queries_per_request"], "appointments": engine["appointments"],
        "allocations": engine["allocations"], "window_days": WINDOW_DAYS, "limit": LIMIT, "service": SERVICE,
        "seed_s": seeded["seed_s"], "seeded_in_this_run": seeded["seeded_in_this_run"],
        "gunicorn_workers": support.DEFAULT_GUNICORN_WORKERS, "load_average_1m_during_http": load_average,
        "scale_data": f"visits in the database: 1x = {sizes['appointments']:,} (the large demo clinic)",
        "scale_10x_not_measured": "the availability scenario measures the engine's cost against data size",
    }


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--engine-child":
        _engine_child(int(sys.argv[2]))
    else:
        print(json.dumps(run(quick="--quick" in sys.argv), indent=2))
