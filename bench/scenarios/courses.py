"""Placing a whole treatment course on the large demo clinic, at 1x and 10x its visits.

The clinic is `manage.py seed_demo --size large` (3 sites, ~30 staff, 20,000 visits, the next
four weeks busy) and the same clinic with ten times the visits (the extra ones older history,
the coming weeks the same), each a clone of the template the availability scenario also uses
(bench/scenarios/demo_clinic.py). `--quick` uses the small demo clinic at 1x only, so that a
smoke run never waits minutes for seeding (its figures say which clinic).
Then, in a process with Django on that database (one per round), the front desk books courses
one after the other through POST /api/v1/courses (Django's test client in-process: the whole
API path, Idempotency-Key included, without HTTP): the IV induction series, 6 infusions with an
integration session after each (12 visits), at the three sites in turn, first visit within the
busy next two weeks. Every course commits, so the calendar fills as it goes. Timed:

- place_*: the whole request (search + booking all 12 visits atomically), the issue's figure;
- search_*: the part that finds the times (find_slots per kind of visit + the search);
- unplaceable_*: answering a 422 (when the calendar has filled up): a second search over the
  whole booking horizon finds the earliest start that would work.
Afterwards the database is audited for overlapping exclusive allocations (must be 0).

The two clinics are measured in alternating rounds (half the courses each), so that a change in
the machine's load weighs on both alike; each round books the same courses on both.

`python -m bench.scenarios.courses [--quick]` prints the figures as JSON.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
import time

from bench import support
from bench.scenarios.booking import AUDIT_SQL
from bench.scenarios.demo_clinic import clinic_database, LARGE_APPOINTMENTS

SIZES = {
    True: {"iv_courses": 8, "rounds": 1, "clinic": "demo", "appointments": None, "with_10x": False},
    False: {"iv_courses": 40, "rounds": 2, "clinic": "large", "appointments": LARGE_APPOINTMENTS, "with_10x": True},
}
CLINICS = {"demo": "seed_demo (2 sites, 8 staff, 40 patients, 350 visits)",
           "large": "seed_demo --size large (3 sites, 31 staff, 3000 patients, {visits:,} visits)"}


def _log(message: str) -> None:
    print(f"[courses] {message}", file=sys.stderr, flush=True)


# --- the measurement (runs in a subprocess with Django on the benchmark database) ------------

PLACED, UNPLACEABLE = 201, 422


def course_start(*, n: int, time_zone: str, now: dt.datetime) -> dt.datetime:
    """Where course number `n` is searched from: midnight at its site, 1 to 10 days after the
    site's today, so the courses spread over the busy next two weeks whatever the time of day."""
    from scheduling import timeutils

    tz = timeutils.zone(time_zone)
    today = timeutils.local_date(now, tz)
    return timeutils.wall_to_utc(today + dt.timedelta(days=1 + n % 10), dt.time(0), tz)


def outcome(ms: float, status: int, body: dict) -> dict:
    """One course's answer. Placed (201) or unplaceable (422) are figures; anything else is a
    broken run (a refused host, a missing clearance, a bad request), which stops the measurement
    with the answer rather than reporting a run that placed nothing."""
    if status not in (PLACED, UNPLACEABLE):
        raise RuntimeError(f"POST /api/v1/courses answered {status}: {json.dumps(body)[:1000]}")
    return {"ms": ms, "status": status, "visits": len(body.get("visits", [])), "code": body.get("code")}


def _measure(courses_range: dict) -> dict:
    """Book courses number `first` to `first + count - 1` (the number picks patient, site and day)."""
    import uuid

    import django

    django.setup()
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.utils import timezone
    from rest_framework.test import APIClient

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

    courses.find_plan = timed_find_plan  # the bench's own timer around our own function, in its own process
    client = APIClient()
    client.force_authenticate(get_user_model().objects.get(username="admin"))
    sites = list(Location.objects.filter(is_virtual=False).order_by("name"))
    cleared = list(Patient.objects.filter(clearances__treatment="iv_ketamine").order_by("pk")
                   .values_list("pk", flat=True))
    now = timezone.now()

    def book(template: str, patient: int, site: Location, n: int) -> dict:
        start = course_start(n=n, time_zone=site.time_zone, now=now)
        body = {"template": template, "patient": patient, "location": site.pk, "start_from": start.isoformat()}
        started = time.perf_counter()
        response = client.post("/api/v1/courses", body, format="json", HTTP_IDEMPOTENCY_KEY=uuid.uuid4().hex)
        return outcome((time.perf_counter() - started) * 1000, response.status_code, response.json())

    results: dict[str, list] = {"iv": [], "iv_search": searches}
    for n in range(courses_range["first"], courses_range["first"] + courses_range["count"]):
        results["iv"].append(book("iv-induction", cleared[n], sites[n % len(sites)], n))
    with connection.cursor() as cursor:
        cursor.execute(AUDIT_SQL["double_bookings"])
        overlaps = cursor.fetchone()[0]
    return {"results": results, "overlaps": overlaps}


def _ms(samples: list[float]) -> dict:
    p = support.percentiles(samples)
    return {key: round(p[key], 1) if p[key] is not None else None for key in ("p50", "p95")}


def _measure_round(url: str, *, first: int, count: int) -> dict:
    env = support.subprocess_env(database_url=url, redis_url=None, settings_module="config.settings")
    proc = subprocess.run([sys.executable, "-m", "bench.scenarios.courses", "--measure",
                           json.dumps({"first": first, "count": count})],
                          cwd=support.ROOT, env=env, capture_output=True, text=True, timeout=1800)
    if proc.returncode != 0:
        raise RuntimeError(f"measuring failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _figures(rounds: list[dict], clinic: str) -> dict:
    iv = [r for data in rounds for r in data["results"]["iv"]]
    placed = [r["ms"] for r in iv if r["status"] == 201]
    place = _ms(placed)
    search = _ms([ms for data in rounds for ms in data["results"]["iv_search"]])
    return {
        "clinic": clinic,
        "course": "iv-induction: 6 infusions + 6 integration sessions (12 visits)",
        "place_p50_ms": place["p50"], "place_p95_ms": place["p95"],
        "search_p50_ms": search["p50"], "search_p95_ms": search["p95"],
        "courses_placed": len(placed), "courses_tried": len(iv),
        "unplaceable": sum(r["status"] == 422 for r in iv),
        "unplaceable_p50_ms": _ms([r["ms"] for r in iv if r["status"] == 422])["p50"],
        "visits_per_course": max((r["visits"] for r in iv), default=0),
        "double_bookings": max(data["overlaps"] for data in rounds),  # each audit sees the whole calendar
    }


def run(*, quick: bool) -> dict:
    sizes = SIZES[quick]
    prefix = f"clearday_bench_courses_{os.getpid()}"
    clinics = {"1x": (prefix, sizes["appointments"])}
    if sizes["with_10x"]:
        clinics["10x"] = (f"{prefix}_10x", sizes["appointments"] * 10)
    rounds: dict[str, list[dict]] = {name: [] for name in clinics}
    try:
        urls = {name: clinic_database(db_name, size=sizes["clinic"], appointments=visits)[0]
                for name, (db_name, visits) in clinics.items()}
        per_round = sizes["iv_courses"] // sizes["rounds"]
        for n in range(sizes["rounds"]):
            for name in clinics:
                _log(f"round {n + 1} of {sizes['rounds']} at {name}: {per_round} courses")
                rounds[name].append(_measure_round(urls[name], first=n * per_round, count=per_round))
    finally:
        for db_name, _ in clinics.values():
            support.drop_database(db_name)

    def clinic(name: str) -> str:
        visits = clinics[name][1]
        return CLINICS[sizes["clinic"]].format(visits=visits) if visits is not None else CLINICS[sizes["clinic"]]

    result = _figures(rounds["1x"], clinic("1x"))
    if sizes["with_10x"]:
        result["scale_data"] = (f"visits in the database: 1x = {sizes['appointments']:,} (the large demo clinic), "
                                f"10x = {sizes['appointments'] * 10:,}; the extra visits are older history, the "
                                "weeks the courses are placed in hold the same visits at both sizes")
        result["at_10x_appointments"] = _figures(rounds["10x"], clinic("10x"))
        result["place_p50_ratio_10x"] = round(result["at_10x_appointments"]["place_p50_ms"] / result["place_p50_ms"], 3)
    else:
        result["scale_data"] = f"visits in the database: 1x = {CLINICS[sizes['clinic']]}"
        result["scale_10x_not_measured"] = "a quick run places courses on the small demo clinic only"
    return result


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[1] == "--measure":
        print(json.dumps(_measure(json.loads(sys.argv[2]))))
    else:
        print(json.dumps(run(quick="--quick" in sys.argv), indent=2))
