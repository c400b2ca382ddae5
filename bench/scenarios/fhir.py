"""FHIR Slot search: 28 days of IV-infusion Slots at one location on the `--size large` demo
clinic, beside the lean `/api/v1/availability` for the same service, place and range, in the same
run and against the same server (gunicorn on loopback, anonymous GETs). The two are measured in
alternating rounds, so a change in the shared machine's load weighs on both alike; the target is
the Slot search's p50 at most twice the availability's.

`python -m bench.scenarios.fhir [--quick]` prints the figures as JSON.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
from urllib.parse import urlencode

from bench import support
from bench.load import LoopbackSession
from bench.scenarios.demo_clinic import clinic_database, LARGE_APPOINTMENTS

SIZES = {
    True: {"appointments": 5_000, "requests": 40, "rounds": 2, "warmup": 6},
    False: {"appointments": LARGE_APPOINTMENTS, "requests": 400, "rounds": 4, "warmup": 20},
}
WINDOW_DAYS = 28
SERVICE = "iv-infusion"


def _location_id(url: str) -> int:
    import psycopg

    with psycopg.connect(url.replace("postgres://", "postgresql://", 1)) as conn:
        return conn.execute("SELECT id FROM scheduling_location WHERE name = 'Phoenix'").fetchone()[0]


def _window() -> tuple[dt.datetime, dt.datetime]:
    now = dt.datetime.now(dt.UTC).replace(microsecond=0)
    return now, now + dt.timedelta(days=WINDOW_DAYS)


def _availability(server, location_id: int):
    def call(session, _client, _index):
        start, end = _window()
        params = {"service": SERVICE, "location": location_id, "start": start.isoformat(), "end": end.isoformat()}
        return session.get(f"{server.url}/api/v1/availability?{urlencode(params)}", timeout=60)

    return call


def _slots(server, location_id: int):
    def call(session, _client, _index):
        start, end = _window()
        params = [
            ("service-type", SERVICE),
            ("location", f"Location/{location_id}"),
            ("status", "free"),
            ("start", "ge" + start.isoformat().replace("+00:00", "Z")),
            ("start", "lt" + end.isoformat().replace("+00:00", "Z")),
        ]
        return session.get(
            f"{server.url}/fhir/r4/Slot?{urlencode(params)}", timeout=60, headers={"Accept": "application/fhir+json"}
        )

    return call


def _count(name: str, response) -> int:
    body = response.json()
    return len(body["slots"]) if name == "availability" else len(body["entry"])


def run(*, quick: bool, scale: int = 1) -> dict:
    sizes = SIZES[quick]
    db_name = f"clearday_bench_fhir_{os.getpid()}"
    try:
        url, seeded = clinic_database(db_name, size="large", appointments=sizes["appointments"] * scale)
        location_id = _location_id(url)
        server = support.start_gunicorn(database_url=url)
        try:
            calls = {"availability": _availability(server, location_id), "slot_search": _slots(server, location_id)}
            answers = {}
            with LoopbackSession() as session:
                for name, call in calls.items():
                    response = call(session, 0, 0)
                    if response.status_code != 200:
                        raise RuntimeError(f"{name} answered {response.status_code}: {response.text[:500]}")
                    answers[name] = {"count": _count(name, response), "bytes": len(response.content)}
            for call in calls.values():
                support.http_load(call, clients=2, requests=sizes["warmup"])
            latencies: dict[str, list[float]] = {name: [] for name in calls}
            load_before = os.getloadavg()[0]
            for _ in range(sizes["rounds"]):
                for name, call in calls.items():
                    result = support.http_load(call, clients=1, requests=sizes["requests"] // sizes["rounds"])
                    summary = result.summary()
                    if summary["errors"] or set(summary["statuses"]) != {"200"}:
                        raise RuntimeError(f"{name} requests failed: {summary}")
                    latencies[name] += result.latencies_ms
            load_average = round((load_before + os.getloadavg()[0]) / 2, 2)
        finally:
            server.stop()
    finally:
        support.drop_database(db_name)
    spread = {name: support.percentiles(samples) for name, samples in latencies.items()}
    slot_p50, availability_p50 = spread["slot_search"]["p50"], spread["availability"]["p50"]
    return {
        "http_p50_ms": round(slot_p50, 2),
        "http_p95_ms": round(spread["slot_search"]["p95"], 2),
        "availability_http_p50_ms": round(availability_p50, 2),
        "availability_http_p95_ms": round(spread["availability"]["p95"], 2),
        "p50_ratio_to_availability": round(slot_p50 / availability_p50, 3),
        "slots": answers["slot_search"]["count"],
        "availability_slots": answers["availability"]["count"],
        "response_bytes": answers["slot_search"]["bytes"],
        "availability_response_bytes": answers["availability"]["bytes"],
        "window_days": WINDOW_DAYS,
        "appointments": sizes["appointments"] * scale,
        "seed_s": seeded["seed_s"],
        "seeded_in_this_run": seeded["seeded_in_this_run"],
        "load_average_1m_during_http": load_average,
        "scale_data": f"visits in the database: 1x = {sizes['appointments']:,} (the large demo clinic)",
        "scale_10x_not_measured": "the Slot search is the availability engine's; its scaling is the availability "
        "scenario's",
    }


if __name__ == "__main__":
    print(json.dumps(run(quick="--quick" in sys.argv), indent=2))
