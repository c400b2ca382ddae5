"""Availability: 28 days of IV-infusion slots at one location, on the `--size large` demo clinic.

Measured twice, on two fresh PostgreSQL databases: the large demo (about 20,000 visits over
12 weeks) and the same clinic with ten times the visits (the extra ones are older history, as a
clinic accumulates it; the four weeks ahead are as busy as before). For each: the engine alone
(find_slots called in a process with Django set up on that database) and the HTTP endpoint
(gunicorn on loopback, anonymous GETs as a patient's browser makes them). The engine reads only
the window's allocations, so the 10x figures should stay close to the base ones.

`python -m bench.scenarios.availability [--quick]` prints the figures as JSON.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

from bench import support
from bench.load import LoopbackSession

BASE_APPOINTMENTS = 20_000
SIZES = {
    # appointments at 1x, engine calls, HTTP requests per load level, load levels, warm-up requests,
    # and whether the 10x database is measured here too
    True: {"appointments": 5_000, "engine_reps": 20, "http_requests": 30, "clients": [1], "warmup": 6,
           "with_10x": False},
    False: {"appointments": BASE_APPOINTMENTS, "engine_reps": 200, "http_requests": 400, "clients": [1, 2, 4],
            "warmup": 20, "with_10x": True},
}
WINDOW_DAYS = 28
HEADLINE_CLIENTS = 1


# --- the engine, measured inside a process with Django on the benchmark database -------------

def _engine_child(reps: int) -> None:
    import django

    django.setup()
    import datetime as dt

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from scheduling.availability import find_slots
    from scheduling.models import Allocation, Appointment, Location, Service

    service = Service.objects.prefetch_related("phases").get(code="iv-infusion")
    location = Location.objects.get(name="Phoenix")
    now = timezone.now()
    end = now + dt.timedelta(days=WINDOW_DAYS)
    for _ in range(5):  # warm-up: imports, zoneinfo caches, the connection
        find_slots(service=service, location=location, start=now, end=end, now=now)
    samples, cpu = [], []
    for _ in range(reps):
        started, started_cpu = time.perf_counter(), time.process_time()
        result = find_slots(service=service, location=location, start=now, end=end, now=now)
        samples.append((time.perf_counter() - started) * 1000)
        cpu.append((time.process_time() - started_cpu) * 1000)
    with CaptureQueriesContext(connection) as captured:
        find_slots(service=service, location=location, start=now, end=end, now=now)
    print(json.dumps({
        "samples_ms": samples, "cpu_ms": cpu, "slots": len(result.slots), "queries_per_request": len(captured.captured_queries),
        "appointments_total": Appointment.objects.count(), "allocations_total": Allocation.objects.count(),
        "allocations_in_window": Allocation.objects.filter(start__lt=end, end__gt=now).count(),
        "location_id": location.id,
    }))


def _django(url: str, args: list[str], timeout: float) -> str:
    env = support.subprocess_env(database_url=url, redis_url=None, settings_module="config.settings")
    proc = subprocess.run([sys.executable, *args], cwd=support.ROOT, env=env, capture_output=True, text=True,
                          timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}")
    return proc.stdout


def _measure(db_name: str, appointments: int, sizes: dict) -> dict:
    url = support.fresh_database(db_name)
    try:
        started = time.perf_counter()
        _django(url, ["manage.py", "seed_demo", "--size", "large", "--appointments", str(appointments)], 3000)
        seed_s = time.perf_counter() - started
        _django(url, ["manage.py", "shell", "-c", "from django.db import connection; "
                      "connection.cursor().execute('VACUUM ANALYZE')"], 600)
        engine = json.loads(_django(url, ["-m", "bench.scenarios.availability", "--engine-child",
                                          str(sizes["engine_reps"])], 1200).strip().splitlines()[-1])
        spread = support.percentiles(engine["samples_ms"])
        figures = {
            "engine_p50_ms": round(spread["p50"], 2), "engine_p95_ms": round(spread["p95"], 2),
            # CPU time of this process only: what the engine costs when the machine is not shared.
            "engine_cpu_p50_ms": round(support.percentiles(engine["cpu_ms"])["p50"], 2),
            "appointments": engine["appointments_total"], "allocations": engine["allocations_total"],
            "allocations_in_window": engine["allocations_in_window"], "slots": engine["slots"],
            "queries_per_request": engine["queries_per_request"], "seed_s": round(seed_s, 1),
        }
        load_before = os.getloadavg()[0]
        figures.update(_http(url, engine["location_id"], sizes))
        figures["load_average_1m_during"] = round((load_before + os.getloadavg()[0]) / 2, 2)
        return figures
    finally:
        support.drop_database(db_name)


def _http(url: str, location_id: int, sizes: dict) -> dict:
    import datetime as dt
    from urllib.parse import urlencode

    with support.start_gunicorn(database_url=url) as server:
        def query() -> str:
            now = dt.datetime.now(dt.UTC).replace(microsecond=0)
            params = {"service": "iv-infusion", "location": location_id, "start": now.isoformat(),
                      "end": (now + dt.timedelta(days=WINDOW_DAYS)).isoformat()}
            return f"{server.url}/api/v1/availability?{urlencode(params)}"

        def call(session, _client, _index):
            return session.get(query(), timeout=60)

        support.http_load(call, clients=2, requests=sizes["warmup"])  # warm the workers
        curve = []
        for clients in sizes["clients"]:
            result = support.http_load(call, clients=clients, requests=sizes["http_requests"])
            summary = result.summary()
            if summary["errors"] or set(summary["statuses"]) != {"200"}:
                raise RuntimeError(f"availability requests failed: {summary}")
            curve.append({"clients": clients, "p50_ms": summary["p50_ms"], "p95_ms": summary["p95_ms"],
                          "throughput_per_s": summary["throughput_rps"]})
        with LoopbackSession() as session:
            size = len(session.get(query(), timeout=60).content)
    headline = next(point for point in curve if point["clients"] == HEADLINE_CLIENTS)
    return {"http_p50_ms": headline["p50_ms"], "http_p95_ms": headline["p95_ms"], "response_bytes": size,
            "load_curve": curve}


def run(*, quick: bool, scale: int = 1) -> dict:
    sizes = SIZES[quick]
    base = _measure("clearday_bench_avail", sizes["appointments"] * scale, sizes)
    figures = {**base, "window_days": WINDOW_DAYS, "gunicorn_workers": support.DEFAULT_GUNICORN_WORKERS,
               "http_clients_headline": HEADLINE_CLIENTS}
    if sizes["with_10x"] and scale == 1:
        tenfold = _measure("clearday_bench_avail_10x", sizes["appointments"] * 10, sizes)
        figures["at_10x_appointments"] = tenfold
        figures["engine_p50_ratio_10x"] = round(tenfold["engine_p50_ms"] / base["engine_p50_ms"], 3)
        figures["http_p50_ratio_10x"] = round(tenfold["http_p50_ms"] / base["http_p50_ms"], 3)
    return figures


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--engine-child":
        _engine_child(int(sys.argv[2]))
    else:
        print(json.dumps(run(quick="--quick" in sys.argv), indent=2))
