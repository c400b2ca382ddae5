"""The `seed_demo` clinic that the availability and courses scenarios measure, seeded once, cloned.

Both scenarios run on the large demo clinic at 1x and at 10x the visits, and seeding the 10x
clinic takes minutes on two cores. So each (size, visits) is seeded once into a template
database (then VACUUM ANALYZEd, as a clinic's database that autovacuum keeps is), kept until a
migration, the seed code or the date changes, and every measurement works on a clone
(CREATE DATABASE ... TEMPLATE: seconds). The template's comment holds its fingerprint and how
long seeding took, so a run that re-uses it can still report the seed time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import sys
import time

from bench import support

TEMPLATE_PREFIX = "clearday_bench_clinic"
LARGE_APPOINTMENTS = 20_000  # the large clinic's visits at 1x (seed_demo's own default for --size large)
SEED_FILES = ["scheduling/management/commands/seed_demo.py", "scheduling/demo/catalog.py",
              "scheduling/demo/history.py", "care/demo.py", "scheduling/services/course_templates.py"]
_LOCK_KEY = 0x0C1EA5DC  # serialises template builds between bench processes
SEED_TIMEOUT_S = 3000


def _log(message: str) -> None:
    print(f"[demo clinic] {message}", file=sys.stderr, flush=True)


def _fingerprint(size: str, appointments: int | None) -> str:
    digest = hashlib.sha256(f"{size} {appointments} {support._migrations_fingerprint()}".encode())
    for name in SEED_FILES:
        digest.update((support.ROOT / name).read_bytes())
    digest.update(dt.date.today().isoformat().encode())
    return digest.hexdigest()[:16]


def clinic_database(name: str, *, size: str, appointments: int | None = None) -> tuple[str, dict]:
    """A fresh copy, named `name`, of the demo clinic `seed_demo --size size [--appointments n]`;
    seeds the template first if it is missing or stale. Returns the copy's URL and
    {"seed_s": seconds seeding took, "seeded_in_this_run": bool}."""
    import psycopg

    support._check_name(name)
    template = f"{TEMPLATE_PREFIX}_{size}_{appointments if appointments is not None else 'default'}"
    fingerprint = _fingerprint(size, appointments)
    seeded_now = False
    with psycopg.connect(support.PG_ADMIN_URL, autocommit=True) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", [_LOCK_KEY])
        try:
            row = conn.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
                               [template]).fetchone()
            comment = (row[0] or "").split() if row else []
            if comment[:1] != [fingerprint]:
                seeding = f"{template}_seeding"
                url = support.fresh_database(seeding)
                command = ["manage.py", "seed_demo", "--size", size]
                command += ["--appointments", str(appointments)] if appointments is not None else []
                _log(f"seeding {' '.join(command[1:])} into a template (once a day) ...")
                started = time.perf_counter()
                support.run_django(url, command, SEED_TIMEOUT_S)
                seed_s = time.perf_counter() - started
                support.run_django(url, ["manage.py", "shell", "-c", "from django.db import connection; "
                                         "connection.cursor().execute('VACUUM ANALYZE')"], 900)
                _log(f"seeded in {seed_s:.0f}s")
                conn.execute(f'DROP DATABASE IF EXISTS "{template}" WITH (FORCE)')
                conn.execute(f'ALTER DATABASE "{seeding}" RENAME TO "{template}"')
                conn.execute(f"COMMENT ON DATABASE \"{template}\" IS '{fingerprint} {seed_s:.1f}'")
                comment, seeded_now = [fingerprint, f"{seed_s:.1f}"], True
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", [_LOCK_KEY])
    seed_s = float(comment[1]) if len(comment) > 1 else None
    return support.database_url(name), {"seed_s": seed_s, "seeded_in_this_run": seeded_now}
