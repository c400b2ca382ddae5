"""What every benchmark scenario needs: a fresh PostgreSQL database, the real server processes
(gunicorn, Celery workers) as subprocesses on free ports, a bounded HTTP load generator and
percentiles, and the facts about the machine a figure was measured on.

Everything here talks to 127.0.0.1 only. Scenarios run in the bench process without Django
configured for their database: servers and migrations run in subprocesses with DATABASE_URL and
REDIS_URL set, so a scenario can point each process at the database it made.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import platform
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

from bench.load import http_load, LoadResult, percentiles

__all__ = [
    "ROOT", "PG_ADMIN_URL", "DEFAULT_REDIS_URL", "DEFAULT_GUNICORN_WORKERS", "fresh_database", "database_url",
    "reset_redis", "free_port", "start_gunicorn", "start_celery_worker", "ServerHandle", "WorkerHandle",
    "http_load", "LoadResult", "percentiles", "machine_facts",
]

ROOT = Path(__file__).resolve().parent.parent
# PostgreSQL on this machine (BENCH_PG* to change); PGPASSWORD (read by libpq and pgbench) if it is not trust auth.
PG_HOST = os.environ.get("BENCH_PGHOST", "127.0.0.1")
PG_PORT = int(os.environ.get("BENCH_PGPORT", "5432"))
PG_USER = os.environ.get("BENCH_PGUSER", "postgres")
PG_ADMIN_URL = f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/postgres"
DEFAULT_REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/5")
# The booking scenario and the one-insert ceiling must be served the same way: both use this.
DEFAULT_GUNICORN_WORKERS = 4
BENCH_SETTINGS = "bench.settings"
DB_PREFIX = "clearday_bench"
_TEMPLATE_DB = f"{DB_PREFIX}_template"
_LOCK_KEY = 0x0C1EA5DA  # advisory lock serialising template builds between bench processes
# What a bench process takes from the caller's environment: where programs, home and temporary
# files are, the locale, and the PostgreSQL password. Clearday's settings are never among them.
_PASS_THROUGH = {"PATH", "HOME", "USER", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "PGPASSWORD", "PYTHONPATH"}
# Rate limits are for people; a benchmark that hit them would measure the throttle.
_BENCH_ENV = {
    "DEBUG": "0", "LOG_LEVEL": "WARNING", "PYTHONUNBUFFERED": "1",
    "THROTTLE_AVAILABILITY": "1000000/minute", "THROTTLE_BOOKING": "1000000/minute",
    "THROTTLE_OTP_REQUEST_IP": "1000000/hour", "THROTTLE_OTP_VERIFY_IP": "1000000/hour",
}


# --- PostgreSQL ----------------------------------------------------------------------------

def database_url(name: str) -> str:
    return f"postgres://{PG_USER}@{PG_HOST}:{PG_PORT}/{name}"


def _admin_connection():
    import psycopg

    return psycopg.connect(PG_ADMIN_URL, autocommit=True)


def _migrations_fingerprint() -> str:
    """Changes whenever any migration file (ours or Django's version) changes."""
    import django

    digest = hashlib.sha256(django.get_version().encode())
    for path in sorted([*ROOT.glob("*/migrations/*.py"), *ROOT.glob("bench/*/migrations/*.py")]):
        digest.update(str(path.relative_to(ROOT)).encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def _migrate(url: str) -> None:
    env = subprocess_env(database_url=url, redis_url=None, settings_module=BENCH_SETTINGS)
    proc = subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v", "0"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)
    if proc.returncode != 0:
        raise RuntimeError(f"migrate failed on {url}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}")


def fresh_database(name: str, *, migrate: bool = True) -> str:
    """Drop and re-create PostgreSQL database `name` (which must start with "clearday_bench", so
    a typo can never drop someone's working database) and return its DATABASE_URL.

    With migrate=True the new database has every migration applied (the product's and the
    bench-only ceiling table). Migrating takes a while on 2 cores, so the migrated schema is
    built once into a template database, re-built only when a migration file changes, and
    cloned with CREATE DATABASE ... TEMPLATE (well under a second)."""
    _check_name(name)
    with _admin_connection() as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", [_LOCK_KEY])
        try:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            if not migrate:
                conn.execute(f'CREATE DATABASE "{name}"')
                return database_url(name)
            fingerprint = _migrations_fingerprint()
            row = conn.execute("SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
                               [_TEMPLATE_DB]).fetchone()
            if row is None or row[0] != fingerprint:
                conn.execute(f'DROP DATABASE IF EXISTS "{_TEMPLATE_DB}" WITH (FORCE)')
                conn.execute(f'CREATE DATABASE "{_TEMPLATE_DB}"')
                _migrate(database_url(_TEMPLATE_DB))
                conn.execute(f"COMMENT ON DATABASE \"{_TEMPLATE_DB}\" IS '{fingerprint}'")
            conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{_TEMPLATE_DB}"')
        finally:
            conn.execute("SELECT pg_advisory_unlock(%s)", [_LOCK_KEY])
    return database_url(name)


def _check_name(name: str) -> None:
    if not re.fullmatch(rf"{DB_PREFIX}[a-z0-9_]*", name) or name == _TEMPLATE_DB:
        raise ValueError(f"Benchmark database names must match {DB_PREFIX}[a-z0-9_]*; got {name!r}.")


def drop_database(name: str) -> None:
    _check_name(name)
    with _admin_connection() as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def reset_redis(url: str = DEFAULT_REDIS_URL) -> None:
    """Empty one Redis database (the bench's own, db 5 by default) so queues start empty."""
    import redis

    if url.rstrip("/").rsplit("/", 1)[-1] in ("", "0"):
        raise ValueError(f"Refusing to flush Redis db 0 ({url}); give the bench its own db number.")
    redis.Redis.from_url(url).flushdb()


# --- Processes -----------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def subprocess_env(*, database_url: str, redis_url: str | None, settings_module: str | None = None,
                   extra: dict[str, str] | None = None) -> dict[str, str]:
    """The environment a Clearday process gets in a benchmark: the given DB/broker, no throttles,
    and every other setting at its default. Nothing else comes from the caller's shell: an
    exported ALLOWED_HOSTS once turned every in-process request of the courses scenario into a
    400 (its test client's host was not allowed), and the run placed no course at all."""
    env = {k: v for k, v in os.environ.items() if k in _PASS_THROUGH}
    env.update(_BENCH_ENV)
    env["DATABASE_URL"] = database_url
    if redis_url:
        env["REDIS_URL"] = redis_url
    env["DJANGO_SETTINGS_MODULE"] = settings_module or BENCH_SETTINGS
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.update(extra or {})
    return env


def run_django(database_url: str, args: list[str], timeout: float) -> str:
    """Run `python <args>` (a manage.py command or a `-m` module) with Django on `database_url`
    and the product's settings; its output, or an error carrying the ends of both streams."""
    env = subprocess_env(database_url=database_url, redis_url=None, settings_module="config.settings")
    proc = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout)
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed:\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}")
    return proc.stdout


def engine_child(database_url: str, module: str, reps: int, timeout: float = 1200) -> dict:
    """What `python -m <module> --engine-child <reps>` prints last, as JSON: a scenario measuring
    its engine in a process of its own."""
    return json.loads(run_django(database_url, ["-m", module, "--engine-child", str(reps)], timeout)
                      .strip().splitlines()[-1])


class _Subprocess:
    """A child in its own session, its output in a log file; stop() ends exactly that group."""

    name = "process"

    def __init__(self, cmd: list[str], env: dict[str, str]):
        self.log_path = Path(tempfile.mkstemp(prefix=f"clearday-bench-{self.name}-", suffix=".log")[1])
        self._log = self.log_path.open("wb")
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=self._log, stderr=subprocess.STDOUT,
                                     start_new_session=True)

    @property
    def pid(self) -> int:
        return self.proc.pid

    def log_tail(self, chars: int = 4000) -> str:
        return self.log_path.read_text(errors="replace")[-chars:]

    def _fail(self, why: str):
        tail = self.log_tail()
        self._keep_log = True
        self.stop()
        raise RuntimeError(f"{self.name} {why}. Log ({self.log_path}):\n{tail}")

    def stop(self, timeout: float = 20.0) -> None:
        """SIGTERM the process group, wait, then SIGKILL it if it is still there."""
        if self.proc.poll() is None:
            self._signal_group(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self._signal_group(signal.SIGKILL)
                self.proc.wait(10)
        self._signal_group(signal.SIGKILL)  # orphaned children of a killed master, if any
        self._log.close()
        if not getattr(self, "_keep_log", False):
            self.log_path.unlink(missing_ok=True)

    def kill(self) -> None:
        """SIGKILL the whole group at once: a crash, as a chaos scenario wants it."""
        self._signal_group(signal.SIGKILL)
        self.proc.wait(10)

    def _signal_group(self, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, sig)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


class ServerHandle(_Subprocess):
    """gunicorn serving Clearday; `url` is its base URL (http://127.0.0.1:<port>)."""

    name = "gunicorn"

    def __init__(self, cmd: list[str], env: dict[str, str], port: int):
        super().__init__(cmd, env)
        self.port = port
        self.url = f"http://127.0.0.1:{port}"

    def wait_healthy(self, timeout: float = 90.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                self._fail(f"exited with {self.proc.returncode} before /healthz answered")
            try:
                with urllib.request.urlopen(f"{self.url}/healthz", timeout=2) as resp:  # nosec B310 - http://127.0.0.1 built here
                    if resp.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.2)
        self._fail(f"did not answer /healthz within {timeout:.0f}s")


def start_gunicorn(*, database_url: str, redis_url: str | None = DEFAULT_REDIS_URL,
                   workers: int = DEFAULT_GUNICORN_WORKERS, port: int | None = None,
                   settings_module: str | None = None, env: dict[str, str] | None = None) -> ServerHandle:
    """Start gunicorn (sync workers, the product's WSGI app) on 127.0.0.1 and wait for /healthz.

    settings_module defaults to bench.settings: the product's settings plus the one-insert
    ceiling endpoint, so the booking scenario and its ceiling run on identical servers.
    Use as a context manager, or call .stop()."""
    port = port or free_port()
    cmd = [sys.executable, "-m", "gunicorn", "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
           "--workers", str(workers), "--worker-class", "sync", "--timeout", "120", "--graceful-timeout", "10",
           "--backlog", "2048", "--log-level", "warning", "--worker-tmp-dir", "/dev/shm"]  # nosec B108 - gunicorn's heartbeat files
    handle = ServerHandle(cmd, subprocess_env(database_url=database_url, redis_url=redis_url,
                                              settings_module=settings_module, extra=env), port)
    handle.wait_healthy()
    return handle


class WorkerHandle(_Subprocess):
    """A Celery worker of the product's app; `hostname` is its node name for control commands."""

    name = "celery"

    def __init__(self, cmd: list[str], env: dict[str, str], hostname: str, broker_url: str):
        super().__init__(cmd, env)
        self.hostname = hostname
        self.broker_url = broker_url

    def wait_ready(self, timeout: float = 90.0) -> None:
        from celery import Celery

        probe = Celery("bench-probe", broker=self.broker_url)
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    self._fail(f"exited with {self.proc.returncode} before it was ready")
                if probe.control.ping(destination=[self.hostname], timeout=0.5):
                    return
                time.sleep(0.2)
        finally:
            probe.close()
        self._fail(f"did not answer a control ping within {timeout:.0f}s")


def start_celery_worker(*, database_url: str, redis_url: str = DEFAULT_REDIS_URL, concurrency: int,
                        queues: list[str] | None = None, pool: str = "prefork", settings_module: str | None = None,
                        env: dict[str, str] | None = None, loglevel: str = "WARNING") -> WorkerHandle:
    """Start `celery -A config worker` and wait until it answers a control ping.

    The product's Celery settings apply (acks_late, prefetch 1). Gossip, mingle and heartbeats
    are off: they only cost start-up time in a one-worker-node benchmark. .kill() SIGKILLs it."""
    hostname = f"bench-{os.getpid()}-{free_port()}@localhost"
    cmd = [sys.executable, "-m", "celery", "-A", "config", "worker", f"--concurrency={concurrency}",
           f"--pool={pool}", f"--loglevel={loglevel}", f"--hostname={hostname}",
           "--without-gossip", "--without-mingle", "--without-heartbeat"]
    if queues:
        cmd.append(f"--queues={','.join(queues)}")
    handle = WorkerHandle(cmd, subprocess_env(database_url=database_url, redis_url=redis_url,
                                              settings_module=settings_module, extra=env), hostname, redis_url)
    handle.wait_ready()
    return handle


# --- Machine facts -------------------------------------------------------------------------

def _run(cmd: list[str]) -> str:
    try:
        return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=20).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def _meminfo_gib() -> float | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return round(int(line.split()[1]) / 1024 / 1024, 1)
    except OSError:
        pass
    return None


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def machine_facts(redis_url: str = DEFAULT_REDIS_URL) -> dict:
    """Cores, memory, load, versions and the git commit: what a reader needs to weigh a figure."""
    from importlib.metadata import version

    import django
    import redis

    facts = {
        "cores": os.cpu_count(), "cpu_model": _cpu_model(), "memory_gib": _meminfo_gib(),
        "load_average_1m": round(os.getloadavg()[0], 2), "os": platform.platform(),
        "python": platform.python_version(), "django": django.get_version(),
        "djangorestframework": version("djangorestframework"), "celery": version("celery"),
        "gunicorn": version("gunicorn"), "psycopg": version("psycopg"),
    }
    try:
        with _admin_connection() as conn:
            facts["postgresql"] = conn.execute("SHOW server_version").fetchone()[0]
    except Exception as exc:  # noqa: BLE001 - a fact we could not read is reported, not fatal
        facts["postgresql"] = f"unavailable: {exc.__class__.__name__}"
    try:
        facts["redis"] = redis.Redis.from_url(redis_url).info("server")["redis_version"]
    except Exception as exc:  # noqa: BLE001
        facts["redis"] = f"unavailable: {exc.__class__.__name__}"
    facts["pgbench"] = _run(["pgbench", "--version"]) or "not installed"
    facts["git_commit"] = _run(["git", "rev-parse", "HEAD"]) or "unknown"
    facts["git_dirty"] = bool(_run(["git", "status", "--porcelain", "--untracked-files=no"]))
    return facts
