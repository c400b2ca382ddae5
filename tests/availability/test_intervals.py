"""The interval arithmetic the engine is built on, without a database."""

from scheduling.availability.core import assign, assign_at, build_runs, Calendar, Holder, Need, prepare
from scheduling.availability.intervals import below_capacity, covers, peak_load, starts_fitting, subtract


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


def test_a_capacity_of_none_leaves_no_time_with_or_without_load():
    assert below_capacity([(0, 50, 1)], -1, [(0, 100)]) == []
    assert below_capacity([], -1, [(0, 100)]) == []
    assert below_capacity([], 0, [(0, 100)]) == [(0, 100)]


def test_the_peak_load_counts_only_what_overlaps_and_ends_before_the_next_starts():
    loads = [(0, 50, 1, 7), (20, 70, 1, 8), (50, 90, 2, 9)]
    assert peak_load(loads, 0, 20) == 1
    assert peak_load(loads, 0, 21) == 2
    assert peak_load(loads, 50, 70) == 3  # the first ends at 50 as the third starts
    assert peak_load(loads, 70, 90) == 2
    assert peak_load(loads, 90, 100) == 0


def test_the_engine_picks_the_lowest_id_free_chair_without_a_database():
    need = Need(phase_id=1, name="Chair time", start=0, end=60, hold_start=0, hold_end=60, resource_kind="chair")
    chairs = [Holder(id=1, name="Chair 1", open=[(0, 1000)], busy=[(0, 60, 99)]),
              Holder(id=2, name="Chair 2", open=[(0, 1000)])]
    calendar = Calendar(site_open=[(0, 1000)], staff={}, resources={"chair": chairs}, present={})
    prepared = prepare([need], calendar, within=[(0, 1000)], with_resources=True)
    assert assign(prepared, 0, grid_run=None)[0].resource_id == 2
    assert assign(prepared, 60, grid_run=None)[0].resource_id == 1
    assert assign(prepared, 941, grid_run=None) is None


def test_checking_one_start_answers_what_working_out_every_start_answers():
    set_up = Need(phase_id=1, name="Set-up", start=0, end=60, hold_start=0, hold_end=60, staff_role="nurse",
                  resource_kind="chair")
    infusion = Need(phase_id=2, name="Infusion", start=60, end=180, hold_start=60, hold_end=180,
                    staff_role="nurse", staff_usage="shared", resource_kind="chair")
    needs = [set_up, infusion]
    nurses = [Holder(id=5, name="Nurse A", open=[(0, 500)], busy=[(100, 160, 1)], capacity=1,
                     shared=[(200, 300, 1, 2)]),
              Holder(id=6, name="Nurse B", open=[(0, 400)], capacity=2, shared=[(0, 400, 1, 3)])]
    chairs = [Holder(id=1, name="Chair 1", open=[(0, 500)], busy=[(250, 400, 4)]),
              Holder(id=2, name="Chair 2", open=[(0, 300)])]
    calendar = Calendar(site_open=[(0, 480)], staff={"nurse": nurses}, resources={"chair": chairs}, present={})
    prepared = prepare(needs, calendar, within=[(0, 500)], with_resources=True)
    runs = build_runs(needs, with_resources=True)
    answers = {start: assign_at(needs, runs, calendar, start) for start in range(0, 500, 10)}
    assert answers == {start: assign(prepared, start) for start in range(0, 500, 10)}
    assert [a.staff_id for a in answers[0]] == [5, None, 5, None]
    # At 100 Nurse A is hands-on elsewhere and Chair 1 is taken from 250: Nurse B and Chair 2.
    assert [(a.staff_id, a.resource_id) for a in answers[100]] == [(6, None), (None, 2), (6, None), (None, 2)]
    assert answers[300] is None  # the site closes before the visit would end


def test_a_lost_start_names_the_holders_that_decide_the_code_first():
    import datetime as dt
    from zoneinfo import ZoneInfo

    from scheduling.availability.explain import explain
    from scheduling.availability.loader import Context

    start = int(dt.datetime(2025, 3, 10, 16, 0, tzinfo=dt.UTC).timestamp())  # 09:00 in Phoenix
    hour = 3600
    need = Need(phase_id=1, name="Chair time", start=0, end=hour, hold_start=0, hold_end=hour,
                resource_kind="infusion_chair")
    day = [(start - 2 * hour, start + 8 * hour)]

    def chair(n, **rest):
        return Holder(id=n, name=f"Chair {n}", open=rest.pop("open", day), **rest)

    chairs = [chair(1, busy=[(start - hour, start + hour // 2, 11)]), chair(2, busy=[(start, start + hour, 12)]),
              chair(3, open=[(start - 2 * hour, start)]), chair(4, busy=[(start + 600, start + 1200, 14)]),
              chair(5, busy=[(start, start + hour, 15)]), chair(6, open=[(start + 2 * hour, start + 4 * hour)])]
    calendar = Calendar(site_open=day, staff={}, resources={"infusion_chair": chairs}, present={})
    ctx = Context(service=None, location=None, video=False, site_zone=ZoneInfo("America/Phoenix"), needs=[need],
                  calendar=calendar)
    problem = explain(ctx, start, name_resources=True)
    assert problem.code == "taken"  # four of the six are taken, two are outside their hours: taken first
    assert problem.detail == ("No infusion chair is free Mon 10 Mar 2025 09:00-10:00 MST: Chair 1 is taken "
                              "Mon 10 Mar 2025 08:00-09:30 MST; Chair 2 is taken Mon 10 Mar 2025 09:00-10:00 MST; "
                              "Chair 4 is taken Mon 10 Mar 2025 09:10-09:20 MST; Chair 5 is taken "
                              "Mon 10 Mar 2025 09:00-10:00 MST; and 2 more.")
    assert explain(ctx, start).detail == "No infusion chair is free Mon 10 Mar 2025 09:00-10:00 MST."
