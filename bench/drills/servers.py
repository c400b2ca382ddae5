"""Throwaway PostgreSQL and Redis servers for the fault drills: each drill starts its own on a free
port, stops and restarts them at will, and removes them afterwards. The machine's shared servers
(5432, 6379) are never touched, except to clone the migrated schema from the bench's template.

PostgreSQL refuses to run as root, so the cluster belongs to the `postgres` OS user and every
server command runs through `runuser` when we are root. Durability is off (fsync, full page
writes): a drill tests the application's behaviour around an outage, not the disk.

    with throwaway_postgres() as pg, throwaway_redis() as redis:
        url = pg.create_database("drill")       # migrated, btree_gist installed
        pg.stop(); pg.start()                    # same data, same port
"""

from __future__ import annotations

import atexit
import contextlib
import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from bench import support

PG_BIN = Path(os.environ.get("DRILLS_PG_BIN", "/usr/lib/postgresql/15/bin"))
PG_OS_USER = "postgres"
REDIS_SERVER = shutil.which("redis-server") or "redis-server"
SCHEMA_SOURCE_DB = "clearday_bench_drills_schema"
_schema_dump: Path | None = None


def _as_pg_user(cmd: list[str]) -> list[str]:
    return ["runuser", "-u", PG_OS_USER, "--", *cmd] if os.geteuid() == 0 else cmd


def _run(cmd: list[str], *, timeout: float = 120, input_path: Path | None = None) -> str:
    stdin = input_path.open("rb") if input_path else subprocess.DEVNULL
    try:
        proc = subprocess.run(cmd, stdin=stdin, capture_output=True, timeout=timeout)
    finally:
        if input_path:
            stdin.close()
    if proc.returncode != 0:
        raise RuntimeError(f"{' '.join(cmd)} failed ({proc.returncode}):\n{proc.stdout.decode()[-2000:]}"
                           f"\n{proc.stderr.decode()[-2000:]}")
    return proc.stdout.decode()


def migrated_schema_dump() -> Path:
    """The product's migrated schema as SQL: the bench's template database (re-built whenever a
    migration changes) cloned on the shared server and dumped once per process. Restoring it
    takes a second; running the migrations on every throwaway cluster would take a minute."""
    global _schema_dump
    if _schema_dump is None or not _schema_dump.exists():
        url = support.fresh_database(SCHEMA_SOURCE_DB)
        try:
            path = Path(tempfile.mkstemp(prefix="clearday-drills-schema-", suffix=".sql")[1])
            path.write_text(_run([str(PG_BIN / "pg_dump"), "--no-owner", "--no-privileges", url], timeout=300))
        finally:
            support.drop_database(SCHEMA_SOURCE_DB)
        _schema_dump = path
        atexit.register(path.unlink, missing_ok=True)
    return _schema_dump


class ThrowawayPostgres:
    """A PostgreSQL cluster in a temporary directory, listening on 127.0.0.1:<port> only."""

    def __init__(self, port: int | None = None):
        self.port = port or support.free_port()
        self.dir = Path(tempfile.mkdtemp(prefix="clearday-drill-pg-"))
        self.data = self.dir / "data"
        self.log_path = self.dir / "postgres.log"
        os.chmod(self.dir, 0o755)  # nosec B103 - a throwaway drill folder the postgres OS user must enter
        if os.geteuid() == 0:
            entry = pwd.getpwnam(PG_OS_USER)
            os.chown(self.dir, entry.pw_uid, entry.pw_gid)
        _run(_as_pg_user([str(PG_BIN / "initdb"), "-D", str(self.data), "-U", "postgres", "--auth=trust",
                          "--no-sync", "-E", "UTF8", "--locale=C"]))

    def url(self, database: str = "postgres") -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def start(self, timeout: float = 60) -> None:
        options = (f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off "
                   f"-c full_page_writes=off -c synchronous_commit=off -c max_connections=200")
        _run(_as_pg_user([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-l", str(self.log_path), "-o", options,
                          "-w", "-t", str(int(timeout)), "start"]), timeout=timeout + 10)

    def stop(self, mode: str = "fast") -> None:
        """fast: disconnect clients and stop cleanly; immediate: like a crash (recovery on start)."""
        if (self.data / "postmaster.pid").exists():
            _run(_as_pg_user([str(PG_BIN / "pg_ctl"), "-D", str(self.data), "-m", mode, "-w", "stop"]))

    def is_running(self) -> bool:
        return (self.data / "postmaster.pid").exists()

    def sql(self, statement: str, database: str = "postgres") -> str:
        return _run([str(PG_BIN / "psql"), "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", self.url(database),
                     "-c", statement])

    def create_database(self, name: str) -> str:
        """A database with the product's migrated schema; returns its DATABASE_URL."""
        self.sql(f'CREATE DATABASE "{name}"')
        _run([str(PG_BIN / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", self.url(name)],
             input_path=migrated_schema_dump(), timeout=300)
        self.sql("CREATE EXTENSION IF NOT EXISTS btree_gist", name)
        return self.url(name)

    def remove(self) -> None:
        with contextlib.suppress(Exception):
            self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)


class ThrowawayRedis:
    """redis-server with no persistence on a free port; stop() and start() keep the port."""

    def __init__(self, port: int | None = None):
        self.port = port or support.free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.log_path = Path(tempfile.mkstemp(prefix="clearday-drill-redis-", suffix=".log")[1])
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 20) -> None:
        import redis

        with self.log_path.open("ab") as log:
            self.proc = subprocess.Popen([REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1",
                                          "--save", "", "--appendonly", "no"],
                                         stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if redis.Redis.from_url(self.url, socket_connect_timeout=1).ping():
                    return
            except redis.RedisError:
                time.sleep(0.1)
        raise RuntimeError(f"redis-server did not answer on port {self.port}:\n{self.log_path.read_text()[-2000:]}")

    def stop(self) -> None:
        """Kill it (SIGKILL): queued messages in it are lost, as in a real crash without persistence."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)
        self.proc = None

    def remove(self) -> None:
        self.stop()
        self.log_path.unlink(missing_ok=True)


@contextlib.contextmanager
def throwaway_postgres() -> Iterator[ThrowawayPostgres]:
    server = ThrowawayPostgres()
    try:
        server.start()
        yield server
    finally:
        server.remove()


@contextlib.contextmanager
def throwaway_redis() -> Iterator[ThrowawayRedis]:
    server = ThrowawayRedis()
    try:
        server.start()
        yield server
    finally:
        server.remove()
