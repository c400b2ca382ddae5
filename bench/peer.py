"""The django-appointment peer, run from its harness in ../shared/peers/django_appointment.

The harness is called, never vendored. Its folder is read-only and bench.py writes
last_run.json (and seed.py seed_shape.csv) beside itself, so it is copied to var/bench/peer/
first. The package goes into its own virtualenv (var/bench/peer-venv, re-made only when the
harness's requirements.txt changes) and its own database, clearday_bench_peer_da.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

from bench import support

HARNESS = Path(os.environ.get("BENCH_PEER_DIR", support.ROOT.parent / "shared" / "peers" / "django_appointment"))
WORK = support.ROOT / "var" / "bench" / "peer"
VENV = support.ROOT / "var" / "bench" / "peer-venv"
PEER_DB = "clearday_bench_peer_da"


def _venv_python() -> Path:
    """A virtualenv with exactly the harness's pinned requirements, re-used while they match."""
    requirements = HARNESS / "requirements.txt"
    stamp = VENV / f".installed-{hashlib.sha256(requirements.read_bytes()).hexdigest()[:12]}"
    python = VENV / "bin" / "python"
    if not stamp.exists():
        shutil.rmtree(VENV, ignore_errors=True)
        base = getattr(sys, "_base_executable", sys.executable)
        subprocess.run([base, "-m", "venv", str(VENV)], check=True, timeout=300)
        _check([str(python), "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
                "-r", str(requirements)], cwd=HARNESS, timeout=900, what="pip install")
        stamp.touch()
    return python


def _copy_harness() -> None:
    shutil.rmtree(WORK, ignore_errors=True)
    shutil.copytree(HARNESS, WORK, ignore=shutil.ignore_patterns("__pycache__", "last_run.json"),
                    copy_function=shutil.copyfile)
    for path in [WORK, *WORK.rglob("*")]:
        path.chmod(path.stat().st_mode | stat.S_IWUSR)


def _env(reps: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if k not in ("DJANGO_SETTINGS_MODULE", "PYTHONPATH", "VIRTUAL_ENV", "DATABASE_URL", "REDIS_URL")}
    env.update({"PEER_DB": PEER_DB, "PGHOST": support.PG_HOST, "PGPORT": str(support.PG_PORT),
                "PGUSER": support.PG_USER, "REPS": str(reps), "PYTHONUNBUFFERED": "1"})
    return env


def _check(cmd: list[str], *, cwd: Path, timeout: float, what: str, env: dict[str, str] | None = None) -> str:
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"peer {what} failed ({proc.returncode}):\n{proc.stdout[-2000:]}\n{proc.stderr[-2000:]}")
    return proc.stdout


def run(*, reps: int = 50) -> dict:
    """Seed and run the peer's benchmark; return its figures (last_run.json) plus what we ran."""
    if not (HARNESS / "bench.py").exists():
        return {"status": "not available", "reason": f"no peer harness at {HARNESS}"}
    python = _venv_python()
    _copy_harness()
    support.fresh_database(PEER_DB, migrate=False)
    env = _env(reps)
    _check([str(python), "manage.py", "migrate", "--noinput", "-v", "0"], cwd=WORK, env=env, timeout=600,
           what="migrate")
    seed_out = _check([str(python), "seed.py"], cwd=WORK, env=env, timeout=600, what="seed.py")
    bench_out = _check([str(python), "bench.py"], cwd=WORK, env=env, timeout=1800, what="bench.py")
    figures = json.loads((WORK / "last_run.json").read_text())
    support.drop_database(PEER_DB)
    return {"status": "ok", "harness": str(HARNESS), "reps": reps, "seed_output": seed_out.strip()[-500:],
            "output": bench_out.strip()[-3000:], "figures": figures, **summarise(figures)}


def summarise(figures: dict) -> dict:
    """The peer's headline figures under stable names the report compares ours against."""
    slots = figures.get("b) get_available_slots_for_staff 10 staff x 28 d", {})
    one = figures.get("a) get_available_slots_for_staff 1x1x1", {})
    booking = figures.get("c2) book: POST request-submit + client-info", {})
    race = figures.get("race", {})
    return {
        "slots_10_staff_28_days_min_ms": slots.get("min_ms"),
        "slots_10_staff_28_days_median_ms": slots.get("median_ms"),
        "slots_10_staff_28_days_sql_queries": slots.get("sql_queries"),
        "slots_1_staff_1_day_median_ms": one.get("median_ms"),
        "booking_2_posts_median_ms": booking.get("median_ms"),
        "race_threads": race.get("threads"),
        "race_threads_reporting_success": race.get("threads_reporting_success"),
        "race_appointments_for_one_slot": race.get("appointments_in_db_for_that_slot_after_that"),
        # Every appointment for that one slot beyond the first is a double booking.
        "race_double_bookings": (race["appointments_in_db_for_that_slot_after_that"] - 1
                                 if race.get("appointments_in_db_for_that_slot_after_that") else None),
    }
