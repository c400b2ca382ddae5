"""The drills' own arithmetic: a drill passes only when every check ran and passed, and the
soak's memory trend is a least-squares slope per minute."""

import pytest

from bench.drills.outcome import DrillResult
from bench.drills.soak import slope_per_minute


def test_a_drill_passes_only_if_it_checked_something_and_every_check_passed():
    result = DrillResult(drill="d", title="D")
    assert not result.passed
    result.check("one", True, "ok")
    assert result.passed
    result.check("two", False, "3 duplicates")
    assert not result.passed


def test_a_drill_that_could_not_finish_fails_whatever_it_checked_before():
    result = DrillResult(drill="d", title="D")
    result.check("one", True, "ok")
    result.error = "RuntimeError: redis-server did not answer"
    assert not result.passed


def test_memory_slope_is_megabytes_per_minute():
    assert slope_per_minute([(0, 100.0), (30, 101.0), (60, 102.0)]) == pytest.approx(2.0)
    assert slope_per_minute([(0, 100.0), (60, 100.0)]) == pytest.approx(0.0)
    assert slope_per_minute([(0, 100.0)]) is None
