"""`make run`: web, Celery worker and beat together in the foreground; Ctrl-C stops all of them."""

import argparse
import os
import signal
import subprocess
import sys
import time

from config.env import env_str


def processes(port: int) -> dict[str, list[str]]:
    bin_dir = os.path.dirname(sys.executable)
    return {
        "web": [os.path.join(bin_dir, "gunicorn"), "config.wsgi:application", "--bind", f"127.0.0.1:{port}",
                "--workers", "2", "--access-logfile", "-"],
        "worker": [os.path.join(bin_dir, "celery"), "-A", "config", "worker", "--loglevel=INFO", "--concurrency=2"],
        "beat": [os.path.join(bin_dir, "celery"), "-A", "config", "beat", "--loglevel=INFO"],
    }


def banner(port: int) -> str:
    db = "PostgreSQL" if env_str("DATABASE_URL") else "SQLite (var/clearday.sqlite3)"
    broker = "Redis" if env_str("REDIS_URL") else "file-system broker (var/broker)"
    return "\n".join([
        "",
        "Clearday is running.",
        f"  Web:        http://127.0.0.1:{port}/",
        f"  API docs:   http://127.0.0.1:{port}/api/docs/",
        f"  Admin:      http://127.0.0.1:{port}/admin/",
        f"  Health:     http://127.0.0.1:{port}/healthz  http://127.0.0.1:{port}/readyz",
        f"  Database:   {db}",
        f"  Broker:     {broker}",
        "  Demo logins (password 'clearday-demo'): admin, frontdesk, dr.rivera (prescriber), nurse.kim",
        "  Patients sign in with a one-time code; codes print in this console.",
        "Press Ctrl-C to stop.",
        "",
    ])


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, default=8000)
    args = parser.parse_args()
    children = {name: subprocess.Popen(cmd, start_new_session=True) for name, cmd in processes(args.port).items()}
    print(banner(args.port), flush=True)
    stopping = False

    def stop(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    exit_code = 0
    while not stopping:
        for name, child in children.items():
            if child.poll() is not None:
                print(f"{name} exited with {child.returncode}; stopping the others.", flush=True)
                exit_code = child.returncode or 1
                stopping = True
                break
        time.sleep(0.5)
    for child in children.values():
        if child.poll() is None:
            os.killpg(child.pid, signal.SIGTERM)
    deadline = time.monotonic() + 10
    for child in children.values():
        try:
            child.wait(timeout=max(0.1, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            os.killpg(child.pid, signal.SIGKILL)
    return exit_code


if __name__ == "__main__":
    sys.exit(main())
