"""`make bench-quick` is a smoke run: it completes and reports every scenario, at 1x and (measured
or marked as not measured) at 10x data. No timing is asserted."""

import json
import os
import subprocess
import sys
from pathlib import Path
from urllib.parse import urlsplit

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = {"availability", "booking", "reminders", "courses"}
# Not a timing assertion: only a guard against a hung run (a run waits for another one to end).
HANG_GUARD_S = 1800


def bench_env() -> dict[str, str]:
    """Point the bench at the PostgreSQL server and Redis the suite runs on (its own dbs there)."""
    env = dict(os.environ)
    db = urlsplit(os.environ["DATABASE_URL"])
    env.update({"BENCH_PGHOST": db.hostname or "127.0.0.1", "BENCH_PGPORT": str(db.port or 5432),
                "BENCH_PGUSER": db.username or "postgres"})
    if db.password:
        env["PGPASSWORD"] = db.password
    broker = urlsplit(os.environ["REDIS_URL"])
    env["BENCH_REDIS_URL"] = f"redis://{broker.netloc}/5"
    return env


@pytest.mark.postgres
@pytest.mark.redis
def test_quick_bench_completes_and_reports_every_scenario_with_its_ceilings(tmp_path):
    proc = subprocess.Popen([sys.executable, "-m", "bench.run", "--quick", "--results-dir", str(tmp_path)],
                            cwd=ROOT, env=bench_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        output, _ = proc.communicate(timeout=HANG_GUARD_S)
    except subprocess.TimeoutExpired:
        proc.terminate()  # the runner stops its scenario and servers on SIGTERM
        output, _ = proc.communicate(timeout=60)
        pytest.fail(f"bench.run --quick did not finish within {HANG_GUARD_S}s:\n{output[-3000:]}")
    assert proc.returncode == 0, output[-5000:]

    [json_file] = tmp_path.glob("*.json")
    result = json.loads(json_file.read_text())
    assert set(result["scenarios"]) == SCENARIOS
    statuses = {name: entry["status"] for name, entry in result["scenarios"].items()}
    assert set(statuses.values()) <= {"ok", "not built"}, {
        name: entry["runs"] for name, entry in result["scenarios"].items() if entry["status"] not in ("ok", "not built")}
    assert set(result["ceilings"]) == {"http_one_insert", "pgbench_floor", "celery_noop"}
    for name, entry in result["ceilings"].items():
        # A quick run re-uses a ceiling its scenario measured itself, and says so.
        measured = entry["status"] == "ok" or (entry["status"] == "skipped" and entry["reason"].startswith("quick mode"))
        missing_tool = name == "pgbench_floor" and entry["status"] == "not available"
        assert measured or missing_tool, (name, entry)
    peer = result["peers"]["django_appointment"]
    assert (peer["status"], peer["reason"]) == ("skipped", "quick mode")
    assert result["machine"]["cores"] >= 1
    assert json_file.with_suffix(".md").exists()
    assert {row["scenario"] for row in result["comparisons"]} <= SCENARIOS

    # Scenario 5, "Scale": every scenario has its 1x figures and a measured or explicitly unmeasured 10x.
    assert set(result["scale"]) == SCENARIOS
    for name, entry in result["scale"].items():
        if statuses[name] == "not built":
            continue
        assert entry["status"] in ("ok", "not measured in quick mode"), (name, entry)
        assert entry["data"], name
        assert entry["rows"] and all(isinstance(row["1x"], (int, float)) for row in entry["rows"]), (name, entry)
        measured = [row["10x"] is not None for row in entry["rows"]]
        assert all(measured) if entry["status"] == "ok" else not any(measured), (name, entry)
    summary = json_file.with_suffix(".md").read_text()
    assert "## Scale: cost from 1x to 10x data" in summary
