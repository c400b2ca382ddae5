"""`python -m bench.run [--quick] [--only name,...]`: every scenario beside its ceiling or peer.

Each scenario runs in its own child process (`python -m bench.run --child NAME ...`), so one
scenario's Django setup, crash or hang cannot spoil the next, and a time limit can stop it
cleanly (SIGTERM unwinds its `with` blocks, which stop the servers it started). A scenario
whose module does not exist yet is recorded as "not built"; one whose run() takes no `scale`
and measures no 10x beside 1x is recorded as "scale not supported" at 10x; a quick run records
a 10x it did not measure as "not measured in quick mode". Nothing is ever filled in.

Every scenario is measured at 1x and 10x its data (scenario 5, "Scale"): the runner gathers
the pairs into the result's `scale` section, the summary's Scale table and the cost-against-
data-size plot.

Full runs write bench/results/<date>-<commit>.{json,md} and PNG plots; quick runs write the
same into var/bench/results/ (not committed) unless --results-dir says otherwise.
"""

from __future__ import annotations

import argparse
import datetime as dt
import importlib
import importlib.util
import inspect
import json
import os
import shlex
import signal
import subprocess
import sys
import tempfile
import time
import traceback
from pathlib import Path

from bench import floor, peer, plots, report, support
from bench.ceiling import http_insert, noop_tasks

SCENARIOS = ["availability", "booking", "reminders", "courses", "earliest", "fhir", "waitlist"]
FULL_RESULTS = support.ROOT / "bench" / "results"
QUICK_RESULTS = support.ROOT / "var" / "bench" / "results"
BOOKING_CLIENTS = 16

SCALES = [1, 10]  # the data sizes every scenario is reported at (scenario 5, "Scale")
NOT_MEASURED_IN_QUICK = "not measured in quick mode"
# Sizes per mode: quick finishes in under two minutes on a 2-core machine. The time limits only
# stop a hung scenario; they are generous so that a busy machine makes a run slower, never red.
MODES = {
    "quick": {"scenario_timeout_s": 600, "ceiling_s": 2.0, "ceiling_clients": [16],
              "floor_clients": [16], "noop_tasks": 2000, "peer_reps": None},
    "full": {"scenario_timeout_s": 3600, "ceiling_s": 10.0, "ceiling_clients": [1, 4, 16, 32],
             "floor_clients": [1, 4, 16, 32], "noop_tasks": 20_000, "peer_reps": 50},
}
NOOP_CONCURRENCY = 2  # the reminders scenario's worker concurrency (the product's default in `make run`)


# --- child: one scenario at one scale --------------------------------------------------------

def _child(name: str, *, quick: bool, scale: int, out: Path) -> int:
    def stop(*_):
        raise SystemExit(f"{name} stopped: time limit reached")

    signal.signal(signal.SIGTERM, stop)
    started = time.perf_counter()
    try:
        module = importlib.import_module(f"bench.scenarios.{name}")
        if "scale" in inspect.signature(module.run).parameters:
            figures = module.run(quick=quick, scale=scale)
        elif scale == 1:
            figures = module.run(quick=quick)
        else:
            figures = None
        result = ({"status": "scale not supported", "reason": f"{name}.run() takes no scale argument"}
                  if figures is None else {"status": "ok", "figures": figures})
    except BaseException as exc:  # noqa: BLE001 - the failure is the result, reported in full
        result = {"status": "failed", "error": f"{exc.__class__.__name__}: {exc}",
                  "traceback": traceback.format_exc()[-4000:]}
    result["elapsed_s"] = round(time.perf_counter() - started, 2)
    out.write_text(json.dumps(result, indent=2, default=str))
    return 0


def _stop_child(proc: subprocess.Popen) -> None:
    """SIGTERM lets the scenario unwind its `with` blocks (stopping its servers); then SIGKILL."""
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def run_scenario(name: str, *, quick: bool, scale: int, timeout_s: float, redis_url: str) -> dict:
    if importlib.util.find_spec(f"bench.scenarios.{name}") is None:
        return {"status": "not built", "reason": f"bench/scenarios/{name}.py does not exist yet"}
    with tempfile.TemporaryDirectory(prefix="clearday-bench-") as tmp:
        out = Path(tmp) / "result.json"
        cmd = [sys.executable, "-m", "bench.run", "--child", name, "--scale", str(scale), "--out", str(out)]
        cmd += ["--quick"] if quick else []
        # A scenario makes its own databases; it must never fall back on the caller's.
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE")}
        env["BENCH_REDIS_URL"] = redis_url
        print(f"[bench] {name} at {scale}x ...", flush=True)
        proc = subprocess.Popen(cmd, cwd=support.ROOT, env=env, start_new_session=True)
        try:
            proc.wait(timeout_s)
        except subprocess.TimeoutExpired:
            _stop_child(proc)
            if not out.exists():
                return {"status": "failed", "error": f"timed out after {timeout_s:.0f}s"}
        except BaseException:
            _stop_child(proc)  # this run is being stopped: the scenario stops its servers first
            raise
        if not out.exists():
            return {"status": "failed", "error": f"the scenario process exited with {proc.returncode} and no result"}
        result = json.loads(out.read_text())
    print(f"[bench] {name} at {scale}x: {result['status']} in {result.get('elapsed_s')}s", flush=True)
    return result


# --- parent: the whole run -------------------------------------------------------------------

def _measured_beside(first: dict | None, scale: int) -> dict | None:
    """A scenario may measure its 10x data itself, beside 1x in alternating rounds (fairer on a
    busy machine), and return those figures as a dict under a key starting `at_10x`. Then those
    are its 10x run, and it is not seeded and measured a second time."""
    if scale == 1 or not first or first.get("status") != "ok":
        return None
    for key, value in first["figures"].items():
        if key.startswith(f"at_{scale}x") and isinstance(value, dict):
            return {"status": "ok", "figures": value, "source": f"measured beside 1x by the scenario ({key})"}
    return None


def _not_measured(first: dict, *, quick: bool) -> dict | None:
    """The 10x run a scenario chose not to measure (saying why in `scale_10x_not_measured`), or
    that a quick run leaves out; None when the runner should measure it."""
    if first.get("status") != "ok":
        return {"status": "skipped", "reason": "the 1x run did not succeed"}
    why = first["figures"].get("scale_10x_not_measured")
    if quick:
        return {"status": NOT_MEASURED_IN_QUICK, "reason": why or ""}
    return {"status": "not measured", "reason": why} if why else None


def _guarded(what: str, fn, *args, **kwargs) -> dict:
    """Run one ceiling/peer measurement; a failure is recorded with its reason, never faked."""
    print(f"[bench] {what} ...", flush=True)
    started = time.perf_counter()
    try:
        result = fn(*args, **kwargs)
        result.setdefault("status", "ok")
    except Exception as exc:  # noqa: BLE001
        result = {"status": "failed", "error": f"{exc.__class__.__name__}: {exc}"[:3000]}
    result["wall_s"] = round(time.perf_counter() - started, 2)
    print(f"[bench] {what}: {result['status']} in {result['wall_s']}s", flush=True)
    return result


def _http_ceiling(mode: dict, redis_url: str) -> dict:
    """One server, one database: the one-insert endpoint at each load level (16 is the headline)."""
    url = support.fresh_database(http_insert.CEILING_DB)
    curve = []
    try:
        with support.start_gunicorn(database_url=url, redis_url=redis_url) as server:
            for clients in mode["ceiling_clients"]:
                curve.append(http_insert.measure(clients=clients, duration_s=mode["ceiling_s"], server=server))
    finally:
        support.drop_database(http_insert.CEILING_DB)
    headline = next(point for point in curve if point["clients"] == BOOKING_CLIENTS)
    return {**headline, "gunicorn_workers": support.DEFAULT_GUNICORN_WORKERS, "load_curve": curve}


def _pgbench_floor(mode: dict) -> dict:
    curve = [floor.measure(clients=clients, duration_s=mode["ceiling_s"]) for clients in mode["floor_clients"]]
    if curve[0].get("status") != "ok":
        return curve[0]
    headline = next(point for point in curve if point["clients"] == BOOKING_CLIENTS)
    return {**headline, "load_curve": curve}


def _noop_ceiling(mode: dict, redis_url: str) -> dict:
    return noop_tasks.noop_celery_throughput(mode["noop_tasks"], NOOP_CONCURRENCY, redis_url=redis_url)


def _peer(mode: dict) -> dict:
    if mode["peer_reps"] is None:
        return {"status": "skipped", "reason": "quick mode"}
    return peer.run(reps=mode["peer_reps"])


def preflight(redis_url: str) -> None:
    import psycopg
    import redis

    try:
        psycopg.connect(support.PG_ADMIN_URL, connect_timeout=5).close()
    except psycopg.Error as exc:
        sys.exit(f"bench: PostgreSQL is not reachable at {support.PG_ADMIN_URL} ({exc}). The bench needs a local "
                 "server it may create databases on (BENCH_PGUSER, BENCH_PGPORT, PGPASSWORD).")
    try:
        redis.Redis.from_url(redis_url, socket_connect_timeout=5).ping()
    except redis.RedisError as exc:
        sys.exit(f"bench: Redis is not reachable at {redis_url} ({exc}); set BENCH_REDIS_URL to a free db.")


RUN_LOCK_KEY = 0x0C1EA5DB
RUN_LOCK_WAIT_S = 3600


def hold_run_lock():
    """One bench run at a time per PostgreSQL server: scenarios re-create databases by fixed
    names and empty the bench's Redis db, so two runs at once would wreck each other. A second
    run waits; the lock is a session advisory lock, released when this process ends."""
    import psycopg

    conn = psycopg.connect(support.PG_ADMIN_URL, autocommit=True)
    deadline = time.monotonic() + RUN_LOCK_WAIT_S
    announced = False
    while not conn.execute("SELECT pg_try_advisory_lock(%s)", [RUN_LOCK_KEY]).fetchone()[0]:
        if time.monotonic() > deadline:
            sys.exit(f"bench: another bench run held the lock for over {RUN_LOCK_WAIT_S}s; giving up.")
        if not announced:
            print("[bench] another bench run is in progress on this machine; waiting for it to finish", flush=True)
            announced = True
        time.sleep(2)
    return conn


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="small sizes, 1x only (10x marked not measured), no peer: under 2 minutes")
    parser.add_argument("--only", default="", help=f"comma-separated subset of {','.join(SCENARIOS)}")
    parser.add_argument("--results-dir", type=Path, default=None)
    parser.add_argument("--no-ceilings", action="store_true", help="skip ceilings, floor and peer")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--scale", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        return _child(args.child, quick=args.quick, scale=args.scale, out=args.out)

    def stop(*_):
        raise SystemExit("bench: stopped")

    signal.signal(signal.SIGTERM, stop)

    only = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = sorted(set(only) - set(SCENARIOS))
    if unknown:
        parser.error(f"unknown scenario(s) {', '.join(unknown)}; choose from {', '.join(SCENARIOS)}")
    selected = only or SCENARIOS
    mode_name = "quick" if args.quick else "full"
    mode = MODES[mode_name]
    redis_url = support.DEFAULT_REDIS_URL
    preflight(redis_url)
    run_lock = hold_run_lock()
    started_at = dt.datetime.now(dt.UTC)
    t0 = time.perf_counter()
    facts = support.machine_facts(redis_url)
    command = shlex.join([".venv/bin/python", "-m", "bench.run", *(argv if argv is not None else sys.argv[1:])])
    result: dict = {"schema": 1, "mode": mode_name, "command": command, "started_at": started_at.isoformat(),
                    "machine": facts, "scales": SCALES, "scenarios": {}, "ceilings": {}, "peers": {}}

    def scenario(name: str) -> None:
        if name not in selected:
            return
        first = run_scenario(name, quick=args.quick, scale=1, timeout_s=mode["scenario_timeout_s"],
                             redis_url=redis_url)
        runs = {"1": first}
        if first["status"] != "not built":
            runs["10"] = (_measured_beside(first, 10) or _not_measured(first, quick=args.quick)
                          or run_scenario(name, quick=args.quick, scale=10, timeout_s=mode["scenario_timeout_s"],
                                          redis_url=redis_url))
        result["scenarios"][name] = {"status": first["status"], "runs": runs}

    # Each reference is measured next to the figure it bounds, on the same machine state.
    ceilings = not args.no_ceilings

    def reference(section: str, name: str, what: str, fn, *fn_args, own: tuple[str, str] | None = None) -> None:
        """Measure a ceiling/floor/peer. A quick run re-uses one its scenario measured on its own
        servers in this run (`own` = (scenario, key)) rather than measuring it twice."""
        if not ceilings:
            return
        if quick and own and isinstance(report.scenario_figures(result, own[0]).get(own[1]), (int, float)):
            result[section][name] = {"status": "skipped", "reason": f"quick mode: the {own[0]} scenario measured it "
                                     f"in this run ({own[1]} = {report.scenario_figures(result, own[0])[own[1]]})"}
            return
        result[section][name] = _guarded(what, fn, *fn_args)

    quick = args.quick
    if "availability" in selected:
        reference("peers", "django_appointment", "peer django-appointment", _peer, mode)
        scenario("availability")
    if "booking" in selected:
        reference("ceilings", "pgbench_floor", "floor: pgbench one-insert", _pgbench_floor, mode)
        scenario("booking")
        reference("ceilings", "http_one_insert", "ceiling: DRF one-insert", _http_ceiling, mode, redis_url,
                  own=("booking", "ceiling_inserts_per_s"))
    if "reminders" in selected:
        scenario("reminders")
        reference("ceilings", "celery_noop", "ceiling: no-op Celery tasks", _noop_ceiling, mode, redis_url,
                  own=("reminders", "noop_tasks_per_s"))
    scenario("courses")
    scenario("earliest")
    scenario("fhir")
    scenario("waitlist")

    facts["load_average_1m_at_end"] = round(os.getloadavg()[0], 2)
    result["finished_at"] = dt.datetime.now(dt.UTC).isoformat()
    result["duration_s"] = round(time.perf_counter() - t0, 1)
    result["comparisons"] = report.comparisons(result)
    result["scale"] = report.scale(result)
    out_dir = args.results_dir or (QUICK_RESULTS if args.quick else FULL_RESULTS)
    out_dir.mkdir(parents=True, exist_ok=True)
    stem = f"{started_at:%Y-%m-%d}-{facts['git_commit'][:8]}" + ("-quick" if args.quick else "")
    result["plots"] = plots.write_all(result, out_dir, stem)
    json_path = out_dir / f"{stem}.json"
    json_path.write_text(json.dumps(result, indent=2, default=str))
    (out_dir / f"{stem}.md").write_text(report.markdown(result))
    print(f"[bench] done in {result['duration_s']}s: {json_path} and {stem}.md", flush=True)
    run_lock.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
