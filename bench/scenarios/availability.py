"""Availability: 28 days of IV-infusion slots at one location, on the `--size large` demo clinic.

Two PostgreSQL databases, cloned from the seeded demo clinic (bench/scenarios/demo_clinic.py,
which the courses scenario shares): the large demo (about 20,000 visits over 12 weeks) and the
same clinic with ten times the visits (the extra ones are older history, as a clinic accumulates
it; the four weeks ahead are the same visits in both). For each: the engine alone (find_slots called
in a process with Django set up on that database; wall time and that process's CPU time) and the
HTTP endpoint (gunicorn on loopback, anonymous GETs as a patient's browser makes them).

This machine is shared, so the two databases are measured in alternating rounds: a change in
load then weighs on both alike, and the 10x/1x ratio compares like with like. The engine reads
only the window's allocations, so the ratio should stay close to 1.

`python -m bench.scenarios.availability [--quick]` prints the figures as JSON.
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
    # appointments at 1x; engine calls and HTTP requests per database and load level, split over
    # `rounds` alternating rounds; load levels; warm-up requests; whether 10x is measured beside 1x
    True: {"appointments": 5_000, "engine_reps": 20, "http_requests": 30, "rounds": 1, "clients": [1],
           "warmup": 6, "with_10x": False},
    False: {"appointments": LARGE_APPOINTMENTS, "engine_reps": 200, "http_requests": 400, "rounds": 4,
            "clients": [1, 2, 4], "warmup": 20, "with_10x": True},
}
WINDOW_DAYS = 28
HEADLINE_CLIENTS = 1


# --- the engine, measured inside a process with Django on the benchmark database -------------

def _engine_child(reps: int) -> None:
    import django

    django.setup()
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from scheduling.availability import find_slots
    from scheduling.models import Allocation, Appointment, Location, Service

    service = Service.objects.prefetch_related("phases", "locations").get(code="iv-infusion")
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
        "samples_ms": samples, "cpu_ms": cpu, "slots": len(result.slots),
        "queries_per_request": len(captured.captured_queries),
        "appointments": Appointment.objects.count(), "allocations": Allocation.objects.count(),
        "allocations_in_window": Allocation.objects.filter(start__lt=end, end__gt=now).count(),
        "location_id": location.id,
    }))


# --- HTTP ------------------------------------------------------------------------------------

def _caller(server, location_id: int, *, full: bool = False):
    """A patient's browser asking for 28 days: the lean answer (the default), or `detail=full`.
    The session accepts gzip, as browsers do; sizes are counted uncompressed and compressed."""
    def call(session, _client, _index):
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        params = {"service": "iv-infusion", "location": location_id, "start": now.isoformat(),
                  "end": (now + dt.timedelta(days=WINDOW_DAYS)).isoformat(), **({"detail": "full"} if full else {})}
        return session.get(f"{server.url}/api/v1/availability?{urlencode(params)}", timeout=60)
    return call


def _http(targets: dict[str, tuple[object, int]], sizes: dict) -> dict[str, dict]:
    """Latency per database at each load level, the databases taking turns round by round."""
    calls = {name: _caller(server, location_id) for name, (server, location_id) in targets.items()}
    full_calls = {name: _caller(server, location_id, full=True) for name, (server, location_id) in targets.items()}
    for call in [*calls.values(), *full_calls.values()]:
        support.http_load(call, clients=2, requests=sizes["warmup"])  # warm the workers
    curves: dict[str, list[dict]] = {name: [] for name in targets}
    full_latencies: dict[str, list[float]] = {name: [] for name in targets}
    for clients in sizes["clients"]:
        latencies: dict[str, list[float]] = {name: [] for name in targets}
        elapsed: dict[str, float] = dict.fromkeys(targets, 0.0)
        for _ in range(sizes["rounds"]):
            if clients == HEADLINE_CLIENTS:  # detail=full, in the same rounds as the lean answer
                for name, call in full_calls.items():
                    full_latencies[name] += support.http_load(
                        call, clients=1, requests=max(1, sizes["http_requests"] // sizes["rounds"])).latencies_ms
            for name, call in calls.items():
                result = support.http_load(call, clients=clients,
                                           requests=max(clients, sizes["http_requests"] // sizes["rounds"]))
                summary = result.summary()
                if summary["errors"] or set(summary["statuses"]) != {"200"}:
                    with LoopbackSession() as session:
                        sample = call(session, 0, 0)
                    raise RuntimeError(f"availability requests failed on {name}: {summary}; one answer: "
                                       f"{sample.status_code} {sample.text[:500]}")
                latencies[name] += result.latencies_ms
                elapsed[name] += result.elapsed_s
        for name in targets:
            spread = support.percentiles(latencies[name])
            curves[name].append({"clients": clients, "p50_ms": round(spread["p50"], 2),
                                 "p95_ms": round(spread["p95"], 2),
                                 "throughput_per_s": round(len(latencies[name]) / elapsed[name], 2)})
    out = {}
    for name, (_server, _location_id) in targets.items():
        with LoopbackSession() as session:
            lean, full = calls[name](session, 0, 0), full_calls[name](session, 0, 0)
        headline = next(point for point in curves[name] if point["clients"] == HEADLINE_CLIENTS)
        full_spread = support.percentiles(full_latencies[name])
        out[name] = {"http_p50_ms": headline["p50_ms"], "http_p95_ms": headline["p95_ms"],
                     # the lean answer, uncompressed (the target) and as sent gzipped
                     "response_bytes": len(lean.content), "response_gzip_bytes": _sent_bytes(lean),
                     "slots_in_answer": len(lean.json()["slots"]),
                     "full_http_p50_ms": round(full_spread["p50"], 2), "full_http_p95_ms": round(full_spread["p95"], 2),
                     "full_response_bytes": len(full.content), "full_response_gzip_bytes": _sent_bytes(full),
                     "load_curve": curves[name]}
    return out


def _sent_bytes(response) -> int:
    """What went over the wire: the Content-Length of a gzipped answer, else the body's length."""
    if response.headers.get("Content-Encoding") == "gzip":
        return int(response.headers["Content-Length"])
    return len(response.content)


# --- the scenario ----------------------------------------------------------------------------

def _figures(engine_runs: list[dict], seeded: dict) -> dict:
    first = engine_runs[0]
    wall = support.percentiles([x for run in engine_runs for x in run["samples_ms"]])
    cpu = support.percentiles([x for run in engine_runs for x in run["cpu_ms"]])
    return {
        "engine_p50_ms": round(wall["p50"], 2), "engine_p95_ms": round(wall["p95"], 2),
        # CPU time of the measuring process only: what the engine costs on a machine not shared.
        "engine_cpu_p50_ms": round(cpu["p50"], 2),
        "appointments": first["appointments"], "allocations": first["allocations"],
        "allocations_in_window": first["allocations_in_window"], "slots": first["slots"],
        "queries_per_request": first["queries_per_request"], "seed_s": seeded["seed_s"],
        "seeded_in_this_run": seeded["seeded_in_this_run"],
    }


def run(*, quick: bool, scale: int = 1) -> dict:
    sizes = SIZES[quick]
    # Named per process: two bench runs at once (a test's quick run beside a full one) must
    # never drop each other's database.
    prefix = f"clearday_bench_avail_{os.getpid()}"
    databases = {"base": (prefix, sizes["appointments"] * scale)}
    if sizes["with_10x"] and scale == 1:
        databases["10x"] = (f"{prefix}_10x", sizes["appointments"] * 10)
    urls: dict[str, str] = {}
    try:
        seeds = {}
        for name, (db_name, appointments) in databases.items():
            urls[name], seeds[name] = clinic_database(db_name, size="large", appointments=appointments)
        engine_runs: dict[str, list[dict]] = {name: [] for name in databases}
        for _ in range(sizes["rounds"]):
            for name in databases:
                engine_runs[name].append(support.engine_child(urls[name], "bench.scenarios.availability",
                                                               max(1, sizes["engine_reps"] // sizes["rounds"])))
        figures = {name: _figures(engine_runs[name], seeds[name]) for name in databases}
        load_before = os.getloadavg()[0]
        servers = {}
        try:
            for name in databases:
                servers[name] = support.start_gunicorn(database_url=urls[name])
            http = _http({name: (servers[name], engine_runs[name][0]["location_id"]) for name in databases}, sizes)
        finally:
            for server in servers.values():
                server.stop()
        load_average = round((load_before + os.getloadavg()[0]) / 2, 2)
    finally:
        for db_name, _ in databases.values():
            support.drop_database(db_name)
    result = {**figures["base"], **http["base"], "window_days": WINDOW_DAYS,
              "gunicorn_workers": support.DEFAULT_GUNICORN_WORKERS, "http_clients_headline": HEADLINE_CLIENTS,
              "load_average_1m_during_http": load_average}
    result["scale_data"] = (f"visits in the database: 1x = {sizes['appointments']:,} (the large demo clinic), "
                            f"10x = {sizes['appointments'] * 10:,}; the extra visits are older history, the "
                            f"{WINDOW_DAYS} days searched hold the same visits at both sizes")
    if "10x" not in databases:
        result["scale_10x_not_measured"] = "seeding the 10x clinic takes minutes"
    else:
        tenfold = {**figures["10x"], **http["10x"]}
        result["at_10x_appointments"] = tenfold
        result["engine_p50_ratio_10x"] = round(tenfold["engine_p50_ms"] / result["engine_p50_ms"], 3)
        result["engine_cpu_p50_ratio_10x"] = round(tenfold["engine_cpu_p50_ms"] / result["engine_cpu_p50_ms"], 3)
        result["http_p50_ratio_10x"] = round(tenfold["http_p50_ms"] / result["http_p50_ms"], 3)
    return result


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--engine-child":
        _engine_child(int(sys.argv[2]))
    else:
        print(json.dumps(run(quick="--quick" in sys.argv), indent=2))
