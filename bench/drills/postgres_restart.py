"""Drill: PostgreSQL restarts while patients book.

gunicorn runs on a throwaway PostgreSQL; clients book, hold, cancel and move visits while the
server is stopped (clients disconnected) and started again on the same port. During the outage
the API answers 503 `database_unavailable` problem details with Retry-After and pages a plain
503 page, never a 500; afterwards no booking is half-written (every appointment has its
allocations, events and outbox rows) and the same gunicorn workers serve again, within seconds,
without a restart (persistent connections are health-checked: CONN_HEALTH_CHECKS).

    python -m bench.drills.postgres_restart
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections import Counter

import psutil
import requests

from bench import support
from bench.drills import clinic
from bench.drills.outcome import DrillResult, log, run_drill
from bench.drills.servers import throwaway_postgres, throwaway_redis
from bench.drills.stack import app_env, Stack, wait_until
from bench.scenarios import booking

NAME = "postgres_restart"
TITLE = "PostgreSQL restarted mid-load"
CLIENTS = 4
BEFORE_S, DOWN_S, AFTER_S = 6.0, 6.0, 12.0
RECOVERY_LIMIT_S = 10.0


class Timeline:
    """Every answer with the moment it came: (monotonic time, kind, status, code, Retry-After)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.rows: list[tuple[float, str, int, str, str | None]] = []

    def add(self, kind: str, response: requests.Response) -> None:
        code = ""
        if response.headers.get("Content-Type", "").startswith("application/problem+json"):
            code = response.json().get("code", "")
        with self.lock:
            self.rows.append((time.monotonic(), kind, response.status_code, code, response.headers.get("Retry-After")))


def _probe_pages(base_url: str, timeline: Timeline, stop: threading.Event, token: str) -> None:
    """A person reloading a page and an app reading the service list, twice a second."""
    with requests.Session() as session:
        while not stop.is_set():
            for kind, path, headers in (("page", "/", {}), ("api_read", "/api/v1/services",
                                                              {"Authorization": f"Token {token}"})):
                with contextlib.suppress(requests.RequestException):
                    timeline.add(kind, session.get(f"{base_url}{path}", headers=headers, timeout=30))
            stop.wait(0.5)


def _workers(pid: int) -> set[int]:
    return {child.pid for child in psutil.Process(pid).children()}


def _drill(result: DrillResult) -> None:
    with throwaway_postgres() as pg, throwaway_redis() as redis:
        url = pg.create_database("drill")
        data = clinic.seed(url, patients=80)
        with Stack(database_url=url, redis_url=redis.url) as stack:
            stack.env = app_env(fake_url="http://127.0.0.1:9")
            web = stack.gunicorn(workers=2)
            work = booking.Workload(web.url, data, seed_value=21)
            support.http_load(work, clients=CLIENTS, requests=16)  # warm: every worker has a connection
            workers_before = _workers(web.pid)
            timeline = Timeline()

            def timed(session, client, index):
                response = work(session, client, index)
                timeline.add("booking", response)
                return response

            stop = threading.Event()
            probe = threading.Thread(target=_probe_pages, args=(web.url, timeline, stop, data["patients"][0][1]),
                                     daemon=True)
            probe.start()
            outage: dict[str, float] = {}

            def restart() -> None:
                time.sleep(BEFORE_S)
                outage["down"] = time.monotonic()
                pg.stop("fast")
                log("PostgreSQL stopped", drill=NAME)
                time.sleep(DOWN_S)
                pg.start()
                outage["up"] = time.monotonic()
                log("PostgreSQL started again", drill=NAME)

            chaos = threading.Thread(target=restart, daemon=True)
            chaos.start()
            load = support.http_load(timed, clients=CLIENTS, duration_s=BEFORE_S + DOWN_S + AFTER_S)
            chaos.join()
            wait_until(lambda: any(t > outage["up"] + 2 and kind == "page" for t, kind, *_ in timeline.rows),
                       timeout_s=30, what="a page answered after the restart")
            stop.set()
            probe.join(10)
            workers_after = _workers(web.pid)
            master_alive = web.proc.poll() is None
            checks = clinic.integrity(url)
            audit = booking.audit(url)

    rows = sorted(timeline.rows)
    during = [r for r in rows if outage["down"] <= r[0] <= outage["up"]]
    unavailable = [r for r in rows if r[2] == 503]
    five_hundreds = [r for r in rows if r[2] == 500 or r[2] > 503]
    api_503 = [r for r in unavailable if r[1] != "page"]
    well_formed = [r for r in api_503 if r[3] == "database_unavailable" and r[4]]
    pages_503 = [r for r in unavailable if r[1] == "page" and r[4]]
    ok_after = [r for r in rows if r[0] > outage["up"] and r[2] < 500]
    recovery_s = (ok_after[0][0] - outage["up"]) if ok_after else None
    late_503 = [r for r in rows if r[2] == 503 and r[0] > outage["up"] + RECOVERY_LIMIT_S]
    statuses = Counter(f"{kind} {status}" for _, kind, status, *_ in rows)
    result.figures = {
        "clients": CLIENTS, "gunicorn_workers": 2, "down_s": DOWN_S, "answers": len(rows),
        "answers_during_outage": len(during), "statuses": dict(sorted(statuses.items())),
        "load": load.summary(), "recovery_s": round(recovery_s, 2) if recovery_s is not None else None,
        "integrity": checks, "double_bookings": audit["double_bookings"],
        "gunicorn_workers_before": sorted(workers_before), "gunicorn_workers_after": sorted(workers_after),
    }
    result.check("no 500 during or after the restart", not five_hundreds and not load.errors,
                 f"{len(five_hundreds)} 5xx other than 503 of {len(rows)} answers; {len(load.errors)} client errors")
    result.check("the API answered 503 database_unavailable with Retry-After",
                 bool(api_503) and len(well_formed) == len(api_503),
                 f"{len(well_formed)} of {len(api_503)} API 503s are problem details with code and Retry-After")
    result.check("pages answered a plain 503 with Retry-After", bool(pages_503),
                 f"{len(pages_503)} page answers 503 during the outage")
    result.check("no half-written booking", not any(checks.values()) and audit["double_bookings"] == 0,
                 ", ".join(f"{k} {v}" for k, v in checks.items()) + f", double bookings {audit['double_bookings']}")
    result.check("recovered without restarting gunicorn",
                 master_alive and workers_after == workers_before and recovery_s is not None
                 and recovery_s <= RECOVERY_LIMIT_S and not late_503,
                 f"first good answer {recovery_s:.2f} s after the server was back; same worker pids: "
                 f"{workers_after == workers_before}" if recovery_s is not None else "no good answer after the restart")


def run() -> DrillResult:
    return run_drill(NAME, TITLE, _drill)


if __name__ == "__main__":
    raise SystemExit(0 if run().passed else 1)
