"""The physical floor for a booking: pgbench inserting one row per transaction into a table with
the same exclusion constraint as scheduling_allocation (btree_gist, tstzrange overlap).

No Python, no HTTP, no ORM: what PostgreSQL on this machine can do for the one write a booking
cannot avoid. Each insert takes the next hour from a sequence, so none overlap and none fail.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

from bench import support

FLOOR_DB = f"clearday_bench_floor_{os.getpid()}"  # one per process, like the ceiling's
PGBENCH_CANDIDATES = ["pgbench", "/usr/lib/postgresql/15/bin/pgbench", "/usr/lib/postgresql/16/bin/pgbench"]

SCHEMA = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
CREATE TABLE floor_allocation (
    id bigserial PRIMARY KEY,
    resource_id bigint NOT NULL,
    start timestamptz NOT NULL,
    "end" timestamptz NOT NULL,
    exclusive boolean NOT NULL DEFAULT true,
    CONSTRAINT floor_no_overlap EXCLUDE USING gist
        (resource_id WITH =, tstzrange(start, "end", '[)') WITH &&) WHERE (exclusive AND resource_id IS NOT NULL)
);
CREATE INDEX floor_allocation_resource ON floor_allocation (resource_id, start, "end");
CREATE SEQUENCE floor_hour;
"""

SCRIPT = """\
INSERT INTO floor_allocation (resource_id, start, "end", exclusive)
SELECT :client_id + 1, t, t + interval '1 hour', true
FROM (SELECT timestamptz '2030-01-01 00:00+00' + nextval('floor_hour') * interval '1 hour' AS t) AS slot;
"""


def pgbench_path() -> str | None:
    for candidate in PGBENCH_CANDIDATES:
        found = shutil.which(candidate)
        if found:
            return found
    return None


def _latencies_ms(log_dir: Path) -> list[float]:
    """pgbench -l lines: client_id transaction_no latency_us script_no epoch_s epoch_us."""
    samples = []
    for log in log_dir.glob("floor*"):
        for line in log.read_text().splitlines():
            parts = line.split()
            if len(parts) >= 3 and parts[2].isdigit():
                samples.append(int(parts[2]) / 1000)
    return samples


def measure(*, clients: int = 16, duration_s: float = 10.0, threads: int = 2) -> dict:
    """Inserts/second and latency percentiles of `clients` pgbench clients for `duration_s`."""
    binary = pgbench_path()
    if binary is None:
        return {"status": "not available", "reason": "pgbench is not installed (apt-get install postgresql-client)"}
    url = support.fresh_database(FLOOR_DB, migrate=False)
    try:
        subprocess.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-q", "-c", SCHEMA], check=True, capture_output=True,
                       timeout=60)
        with tempfile.TemporaryDirectory(prefix="clearday-pgbench-") as tmp:
            script = Path(tmp) / "insert.sql"
            script.write_text(SCRIPT)
            log_dir = Path(tmp) / "logs"
            log_dir.mkdir()
            cmd = [binary, "-n", "-c", str(clients), "-j", str(min(threads, clients)),
                   "-T", str(max(1, round(duration_s))), "-f", str(script), "-l", "--log-prefix", str(log_dir / "floor"),
                   "-h", support.PG_HOST, "-p", str(support.PG_PORT), "-U", support.PG_USER, FLOOR_DB]
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=duration_s + 120)
            if proc.returncode != 0:
                raise RuntimeError(f"pgbench failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
            latencies = _latencies_ms(log_dir)
        rows = subprocess.run(["psql", url, "-Atc", "SELECT count(*) FROM floor_allocation"], capture_output=True,
                              text=True, timeout=60).stdout.strip()
    finally:
        support.drop_database(FLOOR_DB)
    tps = re.search(r"tps = ([\d.]+) \(without initial connection time\)", proc.stdout)
    failed = re.search(r"number of failed transactions: (\d+)", proc.stdout)
    out = {"status": "ok", "clients": clients, "duration_s": duration_s, "pgbench": binary,
           "inserts_per_s": round(float(tps.group(1)), 1) if tps else None,
           "failed_transactions": int(failed.group(1)) if failed else None,
           "rows_inserted": int(rows) if rows.isdigit() else None}
    out.update({f"{k}_ms": (round(v, 3) if v is not None else None)
                for k, v in support.percentiles(latencies).items()})
    return out
