"""Drill: beat is down overnight. Done with a moved clock, not by waiting: this runs the test
tests/notifications/test_beat_outage.py (also part of `make test`), where texts come due during
an outage that ends at 3 a.m. in the patient's zone. Nothing goes out before the texting window
opens at 8:00, a reminder for a visit that started meanwhile is dropped, and one patient's
piled-up reminders are spaced an hour apart (notifications/caps.py) rather than sent at once.

    python -m bench.drills.beat_outage
"""

from __future__ import annotations

import re
import subprocess
import sys

from bench import support
from bench.drills.outcome import DrillResult, run_drill

NAME = "beat_outage"
TITLE = "Beat down overnight (moved clock)"
TEST_FILE = "tests/notifications/test_beat_outage.py"


def _drill(result: DrillResult) -> None:
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", TEST_FILE, "-rA"],
                          cwd=support.ROOT, capture_output=True, text=True, timeout=600)
    passed = sorted(re.findall(r"^PASSED \S+::(\w+)", proc.stdout, re.MULTILINE))
    failed = sorted(re.findall(r"^FAILED \S+::(\w+)", proc.stdout, re.MULTILINE))
    summary = (proc.stdout.strip().splitlines() or ["no output"])[-1]
    result.figures = {"test_file": TEST_FILE, "summary": summary, "passed": passed, "failed": failed}
    for name in passed + failed:
        result.check(name.removeprefix("test_").replace("_", " "), name in passed, "passed" if name in passed else
                     "failed (see the test output)")
    if proc.returncode != 0 and not failed:
        result.error = f"pytest exited {proc.returncode}: {proc.stdout[-1500:]}{proc.stderr[-1500:]}"


def run() -> DrillResult:
    return run_drill(NAME, TITLE, _drill)


if __name__ == "__main__":
    raise SystemExit(0 if run().passed else 1)
