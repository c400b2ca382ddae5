"""Scenario 5, "Scale": the summary tables every scenario from 1x to 10x data and never invents a 10x."""

import pytest

from bench import plots, report


def ok(figures: dict) -> dict:
    return {"status": "ok", "figures": figures}


@pytest.fixture
def result() -> dict:
    """A run as bench.run records it: booking measured 10x beside 1x, courses not in quick mode."""
    booking_10x = {"bookings_per_s": 15.0, "booking_requests_per_s": 60.0, "all_requests_p50_ms": 250.0,
                   "all_requests_p95_ms": 300.0, "bookings_vs_ceiling_ratio": 0.025}
    booking = {"bookings_per_s": 20.0, "booking_requests_per_s": 72.0, "all_requests_p50_ms": 200.0,
               "all_requests_p95_ms": 280.0, "bookings_vs_ceiling_ratio": 0.03,
               "scale_data": "booked visits in the database: 1x = 600, 10x = 6,000",
               "at_10x_existing_appointments": booking_10x}
    courses = {"place_p50_ms": 210.0, "place_p95_ms": 270.0, "search_p50_ms": 70.0,
               "scale_data": "visits in the database: 1x = the small demo clinic",
               "scale_10x_not_measured": "a quick run places courses on the small demo clinic only"}
    return {
        "mode": "quick", "started_at": "2026-11-21T12:00:00+00:00", "machine": {"git_commit": "0" * 40},
        "scales": [1, 10],
        "scenarios": {
            "booking": {"status": "ok", "runs": {"1": ok(booking), "10": {**ok(booking_10x), "source": "beside"}}},
            "courses": {"status": "ok", "runs": {"1": ok(courses), "10": {
                "status": "not measured in quick mode", "reason": courses["scale_10x_not_measured"]}}},
        },
    }


def test_scale_rows_give_each_metric_at_both_sizes_with_its_growth_and_cost(result):
    rows = {row["metric"]: row for row in report.scale(result)["booking"]["rows"]}

    assert rows["bookings_per_s"] == {"metric": "bookings_per_s", "label": "bookings/s, 16 clients", "better": "higher",
                                      "1x": 20.0, "10x": 15.0, "growth": 0.75, "cost_growth": 1.333}
    assert rows["all_requests_p50_ms"]["growth"] == rows["all_requests_p50_ms"]["cost_growth"] == 1.25


def test_a_10x_not_measured_in_quick_mode_keeps_its_1x_figures_and_says_why(result):
    courses = report.scale(result)["courses"]

    assert courses["status"] == "not measured in quick mode"
    assert courses["reason"] == "a quick run places courses on the small demo clinic only"
    assert [(row["1x"], row["10x"], row["growth"]) for row in courses["rows"]] == [
        (210.0, None, None), (270.0, None, None), (70.0, None, None)]


def test_summary_has_a_scale_table_and_says_what_the_data_is_for_each_scenario(result):
    result.update(duration_s=1.0, command="python -m bench.run --quick", comparisons=[])
    result["machine"].update(git_dirty=False)
    result["scale"] = report.scale(result)

    text = report.markdown(result)

    assert "## Scale: cost from 1x to 10x data" in text
    assert "| booking | bookings/s, 16 clients | 20.0 | 15.0 | 0.75 | 1.33x |" in text
    assert "| courses | place a course p50 (ms) | 210.0 | not measured in quick mode | - | - |" in text
    assert "- booking: booked visits in the database: 1x = 600, 10x = 6,000." in text
    assert "10x: **not measured in quick mode** (a quick run places courses on the small demo clinic only)" in text


def test_cost_plot_is_drawn_from_the_measured_pairs_only(result, tmp_path):
    result["scale"] = report.scale(result)

    assert plots.cost_vs_size(result, tmp_path / "cost.png")
    assert (tmp_path / "cost.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"

    for entry in result["scale"].values():
        entry["rows"] = [{**row, "10x": None, "growth": None, "cost_growth": None} for row in entry["rows"]]
    assert not plots.cost_vs_size(result, tmp_path / "none.png")
