"""The one-insert HTTP ceiling: 16 clients POSTing to /bench/ceiling/insert by default."""

from __future__ import annotations

import datetime as dt
import os
import secrets

from bench import support

# One per process: two bench runs on one machine (a test and a developer) never drop each other's.
CEILING_DB = f"clearday_bench_ceiling_{os.getpid()}"
INSERT_PATH = "/bench/ceiling/insert"
_EPOCH = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)


def _insert(base_url: str):
    """Each client inserts for resources of its own, drawn afresh for every call of this function
    (several measurements share one server and database), one hour per request: no two inserts
    ever overlap, so every request is a successful INSERT."""
    resource_base = secrets.randbelow(2**40) * 1000

    def call(session, client, index):
        start = _EPOCH + dt.timedelta(hours=index)
        return session.post(f"{base_url}{INSERT_PATH}", timeout=30, json={
            "resource": resource_base + client + 1, "start": start.isoformat(),
            "end": (start + dt.timedelta(hours=1)).isoformat()})

    return call


def measure(*, clients: int = 16, duration_s: float = 10.0, server: support.ServerHandle | None = None,
            workers: int = support.DEFAULT_GUNICORN_WORKERS, redis_url: str = support.DEFAULT_REDIS_URL,
            warmup_requests: int = 50) -> dict:
    """Throughput and latency of the one-insert endpoint under `clients` concurrent clients.

    Pass the booking scenario's running `server` (started with bench.support.start_gunicorn)
    to measure on the very same processes and database; without one, a fresh database
    (clearday_bench_ceiling_<pid>) and a gunicorn with `workers` workers are started and stopped."""
    if server is None:
        url = support.fresh_database(CEILING_DB)
        try:
            with support.start_gunicorn(database_url=url, redis_url=redis_url, workers=workers) as own:
                return _measure_on(own, clients=clients, duration_s=duration_s, warmup_requests=warmup_requests,
                                   workers=workers)
        finally:
            support.drop_database(CEILING_DB)
    return _measure_on(server, clients=clients, duration_s=duration_s, warmup_requests=warmup_requests,
                       workers=None)


def _measure_on(server: support.ServerHandle, *, clients: int, duration_s: float, warmup_requests: int,
                workers: int | None) -> dict:
    # Warm every worker (imports, connections) apart from the timed run.
    support.http_load(_insert(server.url), clients=clients, requests=warmup_requests)
    result = support.http_load(_insert(server.url), clients=clients, duration_s=duration_s)
    out = result.summary()
    out["ok"] = result.statuses.get(201, 0)
    out["inserts_per_s"] = round(out["ok"] / result.elapsed_s, 2)  # only inserts that happened count
    out["requests_per_s"] = out.pop("throughput_rps")
    out["gunicorn_workers"] = workers
    return out
