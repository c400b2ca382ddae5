"""Wall-clock rules read in a named zone: gaps, folds and grids."""

import datetime as dt

from scheduling import timeutils

LA = timeutils.zone("America/Los_Angeles")


def utc(*args) -> dt.datetime:
    return dt.datetime(*args, tzinfo=dt.UTC)


def test_a_wall_clock_time_in_the_spring_gap_means_the_moment_the_clock_lands():
    assert timeutils.wall_to_utc(dt.date(2025, 3, 9), dt.time(2, 30), LA) == utc(2025, 3, 9, 10, 0)
    assert timeutils.wall_to_utc(dt.date(2025, 3, 9), dt.time(3, 0), LA) == utc(2025, 3, 9, 10, 0)
    assert timeutils.wall_to_utc(dt.date(2025, 3, 9), dt.time(1, 59), LA) == utc(2025, 3, 9, 9, 59)


def test_a_repeated_wall_clock_time_means_its_first_occurrence():
    assert timeutils.wall_to_utc(dt.date(2025, 11, 2), dt.time(1, 30), LA) == utc(2025, 11, 2, 8, 30)


def test_change_days_last_23_and_25_hours():
    lo, hi = timeutils.day_bounds(dt.date(2025, 3, 9), LA)
    assert hi - lo == dt.timedelta(hours=23)
    lo, hi = timeutils.day_bounds(dt.date(2025, 11, 2), LA)
    assert hi - lo == dt.timedelta(hours=25)


def test_the_grid_of_a_fall_back_day_has_one_start_per_real_hour():
    day = dt.date(2025, 11, 2)
    lo, hi = timeutils.day_bounds(day, LA)
    starts = timeutils.grid(lo, hi, LA, 60)
    assert len(starts) == 25 and len(set(starts)) == 25
    assert [s.astimezone(LA).strftime("%H") for s in starts[:4]] == ["00", "01", "01", "02"]


def test_a_naive_datetime_is_refused():
    try:
        timeutils.require_aware(dt.datetime(2025, 3, 10, 9), name="start")
    except ValueError as exc:
        assert "start must include a UTC offset" in str(exc)
    else:
        raise AssertionError("a naive datetime was accepted")


def test_clock_ranges_read_on_the_local_wall_clock():
    assert timeutils.clock_range(utc(2025, 3, 10, 17, 15), utc(2025, 3, 10, 18, 45), LA) == "10:15-11:45"
