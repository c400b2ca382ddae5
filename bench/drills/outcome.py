"""What a drill reports: named checks (pass or fail, with the figure behind each) and the figures
themselves; printed as PASS/FAIL lines and written to the drills' JSON and Markdown results."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from bench import support


@dataclass
class Check:
    name: str
    passed: bool
    observed: str  # the figure, as a person reads it: "0 duplicates of 48 texts"


@dataclass
class DrillResult:
    drill: str
    title: str
    checks: list[Check] = field(default_factory=list)
    figures: dict = field(default_factory=dict)
    elapsed_s: float = 0.0
    error: str = ""  # the drill could not run to the end (a server would not start, ...)

    @property
    def passed(self) -> bool:
        return not self.error and bool(self.checks) and all(check.passed for check in self.checks)

    def check(self, name: str, passed: bool, observed: str) -> bool:
        self.checks.append(Check(name, bool(passed), observed))
        log(f"  {'PASS' if passed else 'FAIL'} {name}: {observed}", drill=self.drill)
        return passed


def log(message: str, *, drill: str = "drills") -> None:
    print(f"[{drill}] {message}", file=sys.stderr, flush=True)


def run_drill(drill: str, title: str, body) -> DrillResult:
    """Run body(result) and time it; an exception fails the drill with its message, never the run."""
    result = DrillResult(drill=drill, title=title)
    log(f"starting: {title}", drill=drill)
    started = time.perf_counter()
    try:
        body(result)
    except Exception as exc:  # noqa: BLE001 - reported as this drill's failure; the others still run
        import traceback

        result.error = f"{exc.__class__.__name__}: {exc}"[:4000]
        log(f"ERROR {result.error}\n{traceback.format_exc()[-3000:]}", drill=drill)
    result.elapsed_s = round(time.perf_counter() - started, 1)
    log(f"{'PASS' if result.passed else 'FAIL'} ({result.elapsed_s} s)", drill=drill)
    return result


def print_summary(results: list[DrillResult]) -> None:
    for result in results:
        print(f"{'PASS' if result.passed else 'FAIL'}  {result.drill:<18} {result.title}")
        for check in result.checks:
            print(f"      {'ok ' if check.passed else 'BAD'} {check.name}: {check.observed}")
        if result.error:
            print(f"      BAD could not finish: {result.error.splitlines()[0]}")


def _commit() -> str:
    try:
        return subprocess.run(["git", "rev-parse", "--short=8", "HEAD"], cwd=support.ROOT, capture_output=True,
                              text=True, timeout=10).stdout.strip() or "unknown"
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def write_results(results: list[DrillResult], *, command: str, directory: Path) -> tuple[Path, Path]:
    """bench/results/drills-<date>-<commit>.json and .md (or the given directory for short runs)."""
    directory.mkdir(parents=True, exist_ok=True)
    stem = f"drills-{dt.date.today().isoformat()}-{_commit()}"
    facts = support.machine_facts()
    payload = {"command": command, "machine": facts, "passed": all(r.passed for r in results),
               "drills": [{**asdict(r), "passed": r.passed} for r in results]}
    json_path = directory / f"{stem}.json"
    json_path.write_text(json.dumps(payload, indent=2, default=str) + "\n")
    lines = [f"# Fault drills and soak: {'all passed' if payload['passed'] else 'FAILED'}", "",
             f"Command: `{command}`", "",
             f"Machine: {facts.get('cores')} cores ({facts.get('cpu_model')}), {facts.get('memory_gib')} GiB, "
             f"load {facts.get('load_average_1m')}; PostgreSQL {facts.get('postgresql')}, Python {facts.get('python')}, "
             f"Django {facts.get('django')}, Celery {facts.get('celery')}; commit {_commit()}.", "",
             "| Drill | Result | Time |", "| --- | --- | --- |"]
    lines += [f"| {r.title} | {'pass' if r.passed else 'FAIL'} | {r.elapsed_s} s |" for r in results]
    for result in results:
        lines += ["", f"## {result.title}", "", "| Check | Result | Observed |", "| --- | --- | --- |"]
        lines += [f"| {c.name} | {'pass' if c.passed else 'FAIL'} | {c.observed} |" for c in result.checks]
        if result.error:
            lines += ["", f"Could not finish: `{result.error.splitlines()[0]}`"]
        if result.figures:
            lines += ["", "Figures:", "", "```json", json.dumps(result.figures, indent=2, default=str), "```"]
    md_path = directory / f"{stem}.md"
    md_path.write_text("\n".join(lines) + "\n")
    return json_path, md_path
