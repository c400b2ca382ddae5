"""The interval arithmetic the engine is built on, without a database."""

from scheduling.availability.core import Calendar, Holder, Need, assign, prepare
from scheduling.availability.intervals import below_capacity, covers, starts_fitting, subtract


def test_subtracting_busy_time_leaves_the_gaps():
    assert subtract([(0, 100)], [(10, 20), (15, 30), (90, 120)]) == [(0, 10), (30, 90)]


def test_a_fitting_start_keeps_the_whole_held_range_inside_free_time():
    # Free 0-100; a visit holding [s+10, s+40) fits for s in 0..60 inclusive.
    assert starts_fitting([(0, 100)], 10, 40) == [(-10, 61)]
    assert covers([(0, 100)], 60, 100) and not covers([(0, 100)], 61, 101)


def test_watch_capacity_leaves_the_times_under_the_limit():
    loads = [(0, 50, 1), (20, 70, 1)]
    assert below_capacity(loads, 1, [(0, 100)]) == [(0, 20), (50, 100)]
    assert below_capacity(loads, 2, [(0, 100)]) == [(0, 100)]


def test_the_engine_picks_the_lowest_id_free_chair_without_a_database():
    need = Need(phase_id=1, name="Chair time", start=0, end=60, hold_start=0, hold_end=60, resource_kind="chair")
    chairs = [Holder(id=1, name="Chair 1", open=[(0, 1000)], busy=[(0, 60, 99)]),
              Holder(id=2, name="Chair 2", open=[(0, 1000)])]
    calendar = Calendar(site_open=[(0, 1000)], staff={}, resources={"chair": chairs}, present={})
    prepared = prepare([need], calendar, within=[(0, 1000)], with_resources=True)
    assert assign(prepared, 0, grid_run=None)[0].resource_id == 2
    assert assign(prepared, 60, grid_run=None)[0].resource_id == 1
    assert assign(prepared, 941, grid_run=None) is None
