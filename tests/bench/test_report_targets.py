"""The bench report's targets: each figure from one full run against its target, the booking
figures beside the one-insert ceiling as information."""

import pytest

from bench import report


def ok(figures: dict) -> dict:
    return {"status": "ok", "runs": {"1": {"status": "ok", "figures": figures}}}


@pytest.fixture
def result() -> dict:
    return {
        "scenarios": {
            "availability": ok({"http_p50_ms": 20.0, "engine_p50_ms": 12.0, "response_bytes": 39_000,
                                "full_http_p50_ms": 45.0}),
            "booking": ok({"bookings_per_s": 20.0, "booking_requests_per_s": 90.0, "all_requests_p95_ms": 240.0,
                           "double_bookings": 0, "ceiling_inserts_per_s": 500.0}),
            "reminders": ok({"messages_per_s": 200.0, "noop_tasks_per_s": 600.0, "duplicates": 0, "lost": 0}),
            "waitlist": ok({"cancel_to_offer_p95_s": 12.0, "cancel_to_offer_p50_s": 3.0, "double_bookings": 0,
                            "duplicate_offers": 0}),
        },
        "ceilings": {"pgbench_floor": {"status": "ok", "inserts_per_s": 9000.0}},
        "peers": {"django_appointment": {"status": "ok", "slots_10_staff_28_days_median_ms": 3500.0,
                                         "race_double_bookings": 8}},
    }


def rows(result: dict) -> dict[str, dict]:
    return {row["figure"]: row for row in report.comparisons(result)}


def test_every_target_of_a_good_run_passes(result):
    results = {figure: row["result"] for figure, row in rows(result).items()}

    assert results == {
        "Availability: HTTP p50, lean answer, 28 days at one location (ms)": "pass",
        "Availability: lean answer, 28 days at one location, uncompressed (bytes)": "pass",
        "Availability: HTTP p50 with detail=full, same run (ms)": "pass",
        "Availability: engine p50 vs peer's 10 staff x 28 days (median)": "pass",
        "Booking: booking requests/s (all kinds), 16 clients, contention": "pass",
        "Booking: successful bookings/s, same run": "reported",
        "Booking: booking requests p95, 16 clients (ms)": "pass",
        "Booking: booking requests/s vs the pgbench floor": "reported",
        "Booking: double bookings found afterwards": "pass",
        "Reminders: messages/s to the fake SMS server": "pass",
        "Reminders: duplicate messages": "pass",
        "Reminders: lost messages": "pass",
        "Courses: place a 6-visit course with companions (ms)": "not run",
        "FHIR: Slot search p50 / lean availability p50, 28 days at one location, same run": "not run",
        "Earliest anywhere: HTTP p50, 28 days, every site and video (ms)": "not run",
        "Earliest anywhere run: one-site availability HTTP p50 (ms)": "not run",
        "Waitlist: cancellation commit to first offer at the SMS server, p95, 1,000 waiting (s)": "pass",
        "Waitlist: cancellation commit to first offer, p50 (s)": "reported",
        "Waitlist: double bookings found afterwards": "pass",
        "Waitlist: duplicate offers": "pass",
    }


def test_booking_throughput_is_held_to_a_fraction_of_015_of_the_one_insert_ceiling(result):
    booking = result["scenarios"]["booking"]["runs"]["1"]["figures"]
    booking["booking_requests_per_s"] = 74.0  # 0.148 of 500

    row = rows(result)["Booking: booking requests/s (all kinds), 16 clients, contention"]

    assert (row["target"], row["ratio"], row["result"]) == (">= 0.15 of it", pytest.approx(0.148), "fail")
    assert rows(result)["Booking: successful bookings/s, same run"]["ratio"] == pytest.approx(0.04)


def test_booking_p95_over_250_ms_and_any_double_booking_fail(result):
    booking = result["scenarios"]["booking"]["runs"]["1"]["figures"]
    booking.update(all_requests_p95_ms=251.0, double_bookings=1)

    assert rows(result)["Booking: booking requests p95, 16 clients (ms)"]["result"] == "fail"
    assert rows(result)["Booking: double bookings found afterwards"]["result"] == "fail"


def test_availability_in_process_must_be_a_hundred_times_faster_than_the_peer_in_process(result):
    result["scenarios"]["availability"]["runs"]["1"]["figures"]["engine_p50_ms"] = 40.0  # 87.5x

    row = rows(result)["Availability: engine p50 vs peer's 10 staff x 28 days (median)"]

    assert (row["target"], row["result"]) == (">= 100x faster", "fail")
    assert rows(result)["Availability: HTTP p50, lean answer, 28 days at one location (ms)"]["result"] == "pass"


def test_a_lean_availability_over_40_kb_or_slower_than_25_ms_fails(result):
    result["scenarios"]["availability"]["runs"]["1"]["figures"].update(response_bytes=41_000, http_p50_ms=26.0)

    assert rows(result)["Availability: lean answer, 28 days at one location, uncompressed (bytes)"]["result"] == "fail"
    assert rows(result)["Availability: HTTP p50, lean answer, 28 days at one location (ms)"]["result"] == "fail"


def test_reminders_below_030_of_the_noop_ceiling_fail(result):
    result["scenarios"]["reminders"]["runs"]["1"]["figures"]["messages_per_s"] = 170.0

    assert rows(result)["Reminders: messages/s to the fake SMS server"]["result"] == "fail"


def test_the_one_third_target_is_gone():
    assert all(target.target != pytest.approx(1 / 3) for target in report.TARGETS if target.target is not None)


def test_a_missing_ceiling_is_no_reference_never_a_pass(result):
    del result["scenarios"]["booking"]["runs"]["1"]["figures"]["ceiling_inserts_per_s"]
    result["ceilings"]["http_one_insert"] = {"status": "failed", "error": "gunicorn did not start"}

    row = rows(result)["Booking: booking requests/s (all kinds), 16 clients, contention"]

    assert row["result"] == "no reference (failed: gunicorn did not start)"
