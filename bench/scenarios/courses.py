"""Placing a whole treatment course on the large demo clinic.

The clinic is `manage.py seed_demo --size large` (3 sites, ~30 staff, 20,000 visits, the next
four weeks busy) on a fresh PostgreSQL database; `--quick` uses the small demo clinic instead,
so that a smoke run never waits a minute for seeding (its figures say which clinic). The seeded
database is kept as a template (re-seeded when a migration, the seed code or the date changes)
and cloned for each run.
Then, in one process with Django on that database, the front desk books courses one after the
other through POST /api/v1/courses (Django's test client in-process: the whole API path,
Idempotency-Key included, without HTTP): the IV induction series, 6 infusions with an
integration session after each (12 visits), at the three sites in turn, first visit within the
busy next two weeks. Every course commits, so the calendar fills as it goes. Timed:

- place_*: the whole request (search + booking all 12 visits atomically), the issue's figure;
- search_*: the part that finds the times (find_slots per kind of visit + the search);
- unplaceable_*: answering a 422 (when the calendar has filled up): a second search over the
  whole booking horizon finds the earliest start that would work.
Afterwards the database is audited for overlapping exclusive allocations (must be 0).

`python -m bench.scenarios.courses [--quick]` prints the figures as JSON.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import subprocess
import sys
import time

from bench import support

DB_NAME = "clearday_bench_courses"
SIZES = {True: {"iv_courses": 8, "clinic": "demo"}, False: {"iv_courses": 40, "clinic": "large"}}
CLINICS = {"demo": "seed_demo (2 sites, 8 staff, 40 patients, 350 visits)",
           "large": "seed_demo --size large (3 sites, 31 staff, 3000 patients, 20000 visits)"}
SEED_FILES = ["scheduling/management/commands/seed_demo.py", "scheduling/demo/catalog.py",
              "scheduling/demo/history.py", "care/demo.py", "scheduling/services/course_templates.py"]


def _log(message: str) -> None:
    print(f"[courses] {message}", file=sys.stderr, flush=True)


# --- the seeded large clinic, kept as a template database ------------------------------------

def _fingerprint(size: str) -> str:
    digest = hashlib.sha256(f"{size} {support._migrations_fingerprint()}".encode())
    for name in SEED_FILES:
        digest.update((support.ROOT / name).read_bytes())
    digest.update(dt.date.today().isoformat().encode())
    return digest.hexdigest()[:16]


def clinic_database(size: str) -> str:
    """A fresh copy of the seeded demo clinic of `size`, seeding it first if the template is stale."""
    import psycopg

    template, seeding = f"{DB_NAME}_{size}", f"{DB_NAME}_{size}_seeding"
    fingerprint = _fingerprint(size)
    with psycopg.connect(support.PG_ADMIN_URL, autocommit=True) as conn:
        row = conn.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
                           [template]).fetchone()
        fresh = row is not None and row[0] == fingerprint
    if not fresh:
        _log(f"seeding the demo clinic (seed_demo --size {size}) ...")
        url = support.fresh_database(seeding)
        env = support.subprocess_env(database_url=url, redis_url=None, settings_module="config.settings")
        started = time.monotonic()
        proc = subprocess.run([sys.executable, "manage.py", "seed_demo", "--size", size], cwd=support.ROOT, env=env,
                              capture_output=True, text=True, timeout=1800)
        if proc.returncode != 0:
            raise RuntimeError(f"seed_demo failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}")
        _log(f"seeded in {time.monotonic() - started:.0f}s")
        with psycopg.connect(support.PG_ADMIN_URL, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')
            conn.execute(f'ALTER DATABASE "{seeding}" RENAME TO "{template}"')
            conn.execute(f"COMMENT ON DATABASE \"{template}\" IS '{fingerprint}'")
    with psycopg.connect(support.PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{DB_NAME}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{DB_NAME}" TEMPLATE "{template}"')
    return support.database_url(DB_NAME)


# --- the measurement (runs in a subprocess with Django on the benchmark database) ------------

def _measure(sizes: dict) -> dict:
    import uuid

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone
    from rest_framework.test import APIClient

    from scheduling import timeutils
    from scheduling.models import Location, Patient
    from scheduling.services import courses

    searches: list[float] = []
    find_plan = courses.find_plan

    def timed_find_plan(request):
        started = time.perf_counter()
        try:
            return find_plan(request)
        finally:
            searches.append((time.perf_counter() - started) * 1000)

    courses.find_plan = timed_find_plan
    client = APIClient()
    client.force_authenticate(get_user_model().objects.get(username="admin"))
    sites = list(Location.objects.filter(is_virtual=False).order_by("name"))
    cleared = list(Patient.objects.filter(clearances__treatment="iv_ketamine").order_by("pk")
                   .values_list("pk", flat=True))
    tomorrow = timezone.now().astimezone(timeutils.zone("America/Phoenix")).date() + dt.timedelta(days=1)

    def book(template: str, patient: int, site: Location, n: int) -> tuple[float, int, dict]:
        start = timeutils.wall_to_utc(tomorrow + dt.timedelta(days=n % 10), dt.time(0), timeutils.zone(site.time_zone))
        body = {"template": template, "patient": patient, "location": site.pk, "start_from": start.isoformat()}
        started = time.perf_counter()
        response = client.post("/api/v1/courses", body, format="json", HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex)
        return (time.perf_counter() - started) * 1000, response.status_code, response.json()

    results: dict[str, list] = {"iv": [], "iv_search": searches}
    for n in range(sizes["iv_courses"]):
        ms, status, body = book("iv-induction", cleared[n], sites[n % len(sites)], n)
        results["iv"].append({"ms": ms, "status": status, "visits": len(body.get("visits", [])),
                              "code": body.get("code")})
    with connection.cursor() as cursor:
        cursor.execute("""
            SELECT count(*) FROM scheduling_allocation a JOIN scheduling_allocation b
              ON a.id < b.id AND a.exclusive AND b.exclusive
             AND (a.staff_id = b.staff_id OR a.resource_id = b.resource_id)
             AND a.start < b."end" AND b.start < a."end"
        """)
        overlaps = cursor.fetchone()[0]
    return {"results": results, "overlaps": overlaps}


def _ms(samples: list[float]) -> dict:
    p = support.percentiles(samples)
    return {key: round(p[key], 1) if p[key] is not None else None for key in ("p50", "p95")}


def run(*, quick: bool) -> dict:
    sizes = SIZES[quick]
    url = clinic_database(sizes["clinic"])
    env = support.subprocess_env(database_url=url, redis_url=None, settings_module="config.settings")
    proc = subprocess.run([sys.executable, "-m", "bench.scenarios.courses", "--measure", json.dumps(sizes)],
                          cwd=support.ROOT, env=env, capture_output=True, text=True, timeout=1800)
    if proc.returncode != 0:
        raise RuntimeError(f"measuring failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}")
    data = json.loads(proc.stdout.strip().splitlines()[-1])
    iv = data["results"]["iv"]
    placed = [r["ms"] for r in iv if r["status"] == 201]
    place, search = _ms(placed), _ms(data["results"]["iv_search"])
    return {
        "clinic": CLINICS[sizes["clinic"]],
        "course": "iv-induction: 6 infusions + 6 integration sessions (12 visits)",
        "place_p50_ms": place["p50"], "place_p95_ms": place["p95"],
        "search_p50_ms": search["p50"], "search_p95_ms": search["p95"],
        "courses_placed": len(placed), "courses_tried": len(iv),
        "unplaceable": sum(r["status"] == 422 for r in iv),
        "unplaceable_p50_ms": _ms([r["ms"] for r in iv if r["status"] == 422])["p50"],
        "visits_per_course": max((r["visits"] for r in iv), default=0),
        "double_bookings": data["overlaps"],
    }


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--measure":
        print(json.dumps(_measure(json.loads(sys.argv[2]))))
    else:
        print(json.dumps(run(quick="--quick" in sys.argv), indent=2))
