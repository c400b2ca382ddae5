"""On small random calendars (DST days included) the engine answers exactly what a minute-by-minute
brute force answers, every slot it offers can be planned, and no slot overlaps what is already held
or falls outside anyone's hours."""

import datetime as dt

import pytest
from django.db import transaction
from hypothesis import event, given, HealthCheck, settings, strategies as st

from accounts.models import Role, User
from scheduling import catalog, timeutils
from scheduling.availability import core, find_slots, loader, plan_slot, SlotUnavailable
from scheduling.availability.hours import from_epoch, to_epoch
from scheduling.models import (
    Allocation,
    Appointment,
    Closure,
    HoursOverride,
    Location,
    Patient,
    Phase,
    Resource,
    Service,
    StaffMember,
    WorkingHours,
)

from . import oracle

pytestmark = pytest.mark.django_db

ZONES = ["America/Los_Angeles", "America/Phoenix", "America/New_York"]
DAYS = [dt.date(2025, 3, 9), dt.date(2025, 11, 2), dt.date(2025, 6, 11)]
CLOCKS = [dt.time(0), dt.time(1), dt.time(1, 30), dt.time(2), dt.time(2, 30), dt.time(3), dt.time(6), dt.time(8),
          dt.time(9), dt.time(12), dt.time(17), dt.time(22), dt.time(23, 30)]
TEMPLATES = {
    # (staff_role, usage, resource_kind, present_role) per phase
    "iv": [("nurse", "exclusive", "infusion_chair", ""), ("nurse", "shared", "infusion_chair", ""),
           ("", "exclusive", "infusion_chair", "")],
    "hands_on": [("nurse", "exclusive", "", "")],
    "chair_then_watch": [("", "exclusive", "infusion_chair", ""), ("nurse", "shared", "infusion_chair", "")],
    "spravato": [("nurse", "exclusive", "infusion_chair", "prescriber"), ("nurse", "shared", "infusion_chair", "")],
    "present": [("prescriber", "present", "infusion_chair", "")],
    # one nurse's run held exclusively, then shared, then exclusively again: two exclusive stretches
    # that must not be read as one
    "hands_on_twice": [("nurse", "exclusive", "", ""), ("nurse", "shared", "", ""), ("nurse", "exclusive", "", "")],
}


@st.composite
def clock_range(draw):
    start, end = sorted(draw(st.lists(st.sampled_from(CLOCKS), min_size=2, max_size=2, unique=True)))
    return start, end


@st.composite
def owner_hours(draw, day, *, min_rules=0, max_rules=3):
    rules = []
    if draw(st.integers(0, 5)):
        # Mostly open across the whole window (clocks crossing the DST change included), so that
        # most examples offer slots and the busy and capacity rules decide.
        wide = draw(st.sampled_from([(dt.time(0), dt.time(23, 30)), (dt.time(0), dt.time(23, 30)),
                                     (dt.time(1, 30), dt.time(22)), (dt.time(0), dt.time(2, 30))]))
        rules += [((day + dt.timedelta(days=d)).weekday(), *wide, None, None) for d in (-1, 0, 1)]
    for _ in range(draw(st.integers(min_rules if not rules else 0, max_rules))):
        weekday_day = day + dt.timedelta(days=draw(st.integers(-1, 1)))
        start, end = draw(clock_range())
        since = draw(st.sampled_from([None, None, None, day, day + dt.timedelta(days=1)]))
        until = draw(st.sampled_from([None, None, None, day]))
        rules.append((weekday_day.weekday(), start, end, since, until))
    extra = [(day + dt.timedelta(days=draw(st.integers(-1, 1))), *draw(clock_range()))
             for _ in range(draw(st.integers(0, 1)))]
    off = []
    for _ in range(draw(st.integers(0, 1))):
        when = day + dt.timedelta(days=draw(st.integers(-1, 1)))
        off.append((when, None, None) if draw(st.booleans()) else (when, *draw(clock_range())))
    return oracle.Owner(rules, extra, off)


@st.composite
def calendars(draw):
    day = draw(st.sampled_from(DAYS))
    template = draw(st.sampled_from(sorted(TEMPLATES)))
    return {
        "zone": draw(st.sampled_from(ZONES)),
        "day": day,
        "window_offset_h": draw(st.integers(0, 12)),
        "window_h": draw(st.integers(6, 30)),
        "now_before_h": draw(st.integers(-4, 20)),
        "location": draw(owner_hours(day, min_rules=1, max_rules=4)),
        "closed": draw(st.sampled_from([None, None, None, None, day, day + dt.timedelta(days=1)])),
        "chairs": draw(st.lists(st.one_of(st.none(), owner_hours(day, min_rules=1)), min_size=1, max_size=2)),
        "nurses": draw(st.lists(st.tuples(owner_hours(day, min_rules=1), st.integers(0, 2),
                                          st.sampled_from(["any", "here", "any", "elsewhere"])), min_size=1, max_size=2)),
        "prescriber": draw(st.one_of(owner_hours(day, min_rules=1), owner_hours(day, min_rules=1), st.none())),
        "template": template,
        "durations": draw(st.lists(st.sampled_from([5, 10, 15, 20, 30, 45]), min_size=3, max_size=3)),
        "step": draw(st.sampled_from([15, 20, 30, 45])),
        "buffers": draw(st.tuples(st.sampled_from([0, 5, 10]), st.sampled_from([0, 5, 10]))),
        "notice": draw(st.sampled_from([0, 90])),
        "horizon": draw(st.sampled_from([3, 1])),
        "held": draw(st.lists(st.tuples(st.integers(0, 3), st.integers(-120, 30 * 60), st.sampled_from([5, 30, 90]),
                                        st.booleans(), st.sampled_from(["booked", "live", "expired", "moving"])),
                              max_size=6)),
    }


def _hours_rows(owner: oracle.Owner, **who):
    rules = [WorkingHours(weekday=w, start_time=s, end_time=e, effective_from=f, effective_to=t, **who)
             for w, s, e, f, t in owner.rules]
    extra = [HoursOverride(date=d, kind="available", start_time=s, end_time=e, **who) for d, s, e in owner.extra]
    off = [HoursOverride(date=d, kind="unavailable", start_time=s, end_time=e, **who) for d, s, e in owner.off]
    return rules, extra + off


def build(spec):
    """Write the random calendar to the database; return what the engine and the oracle need."""
    zone = spec["zone"]
    here = Location.objects.create(name="Here", time_zone=zone)
    elsewhere = Location.objects.create(name="Elsewhere", time_zone=zone)
    rules, overrides = _hours_rows(spec["location"], location=here)
    if spec["closed"]:
        Closure.objects.create(location=here, start_date=spec["closed"], end_date=spec["closed"])
    chairs = []
    for index, own in enumerate(spec["chairs"]):
        chair = Resource.objects.create(location=here, name=f"Chair {index + 1}", kind="infusion_chair")
        chairs.append((chair, own))
        if own is not None:
            r, o = _hours_rows(own, resource=chair)
            rules += r
            overrides += o
    people = [(hours, capacity, where, ["nurse"]) for hours, capacity, where in spec["nurses"]]
    if spec["prescriber"] is not None:
        people.append((spec["prescriber"], 1, "any", ["prescriber"]))
    staff = []
    for index, (hours, capacity, where, roles) in enumerate(people):
        user = User.objects.create(username=f"s{index}", role=Role.CLINICIAN)
        member = StaffMember.objects.create(user=user, display_name=f"Staff {index}", roles=roles,
                                            watch_capacity=capacity, time_zone=zone)
        member.locations.set([here])
        staff.append((member, hours, where))
        r, o = _hours_rows(hours, staff=member)
        for rule in r:
            rule.location_for_staff = {"any": None, "here": here, "elsewhere": elsewhere}[where]
        rules += r
        overrides += o
    WorkingHours.objects.bulk_create(rules)
    HoursOverride.objects.bulk_create(overrides)

    service = Service.objects.create(code="svc", name="Visit", category="iv_ketamine", slot_step_minutes=spec["step"],
                                     buffer_before_minutes=spec["buffers"][0], buffer_after_minutes=spec["buffers"][1],
                                     min_notice_minutes=spec["notice"], horizon_days=spec["horizon"])
    service.locations.set([here])
    phases = [Phase.objects.create(service=service, order=i + 1, name=f"P{i + 1}", duration_minutes=minutes,
                                   staff_role=role, staff_usage=usage, resource_kind=kind, present_role=present)
              for i, ((role, usage, kind, present), minutes)
              in enumerate(zip(TEMPLATES[spec["template"]], spec["durations"], strict=False))]

    window_start = dt.datetime.combine(spec["day"], dt.time(0), tzinfo=dt.UTC) + dt.timedelta(hours=spec["window_offset_h"])
    window_end = window_start + dt.timedelta(hours=spec["window_h"])
    now = window_start - dt.timedelta(hours=spec["now_before_h"], seconds=17)
    patient = Patient.objects.create(legal_first_name="P", legal_last_name="Q", date_of_birth=dt.date(1980, 1, 1))
    nurse_members = [m for m, _, _ in staff if m.has_role("nurse")]
    holders = [("resource", c) for c, _ in chairs] + [("staff", m) for m in nurse_members]
    kept, excluded = [], []
    for which, offset, minutes, exclusive, state in spec["held"]:
        kind, holder = holders[which % len(holders)]
        start = window_start + dt.timedelta(minutes=offset)
        end = start + dt.timedelta(minutes=minutes)
        exclusive = exclusive or kind == "resource"
        if exclusive and any(k == kind and h.id == holder.id and x and s < end and e > start
                             for k, h, s, e, x, _ in kept):
            continue  # PostgreSQL would refuse an overlapping exclusive row
        expires = {"live": now + dt.timedelta(minutes=5), "expired": now - dt.timedelta(minutes=1)}.get(state)
        appointment = Appointment.objects.create(
            patient=patient, service=service, location=here, modality="in_person", start=start, end=end,
            status="held" if expires else "booked", hold_expires_at=expires)
        Allocation.objects.create(appointment=appointment, phase=phases[0], start=start, end=end, exclusive=exclusive,
                                  share=0 if exclusive else 1, hold_expires_at=expires,
                                  **{kind: holder})
        kept.append((kind, holder, start, end, exclusive, state))
        if state == "moving":
            excluded.append(appointment.id)

    def minute(instant):
        return int(instant.timestamp()) // 60

    lo, hi = minute(window_start) - 24 * 60, minute(window_end) + 24 * 60
    closed = {spec["closed"]} if spec["closed"] else set()
    site = oracle.open_minutes(spec["location"], zone=zone, closed=closed, lo=lo, hi=hi)
    resources = {c.id: ("infusion_chair", site if own is None
                        else oracle.open_minutes(own, zone=zone, closed=closed, lo=lo, hi=hi)) for c, own in chairs}
    world_staff = {}
    for member, hours, where in staff:
        usable = oracle.Owner(hours.rules if where != "elsewhere" else [], hours.extra, hours.off)
        world_staff[member.id] = (member.roles, oracle.open_minutes(usable, zone=zone, closed=closed, lo=lo, hi=hi),
                                  member.watch_capacity)
    resource_busy, staff_busy, staff_load = {}, {}, {}
    for kind, holder, start, end, exclusive, state in kept:
        if state in ("expired", "moving"):
            continue
        minutes = range(minute(start), minute(end))
        if kind == "resource":
            resource_busy.setdefault(holder.id, set()).update(minutes)
        elif exclusive:
            staff_busy.setdefault(holder.id, set()).update(minutes)
        else:
            load = staff_load.setdefault(holder.id, {})
            for m in minutes:
                load[m] = load.get(m, 0) + 1
    world = oracle.World(
        zone=zone, site_open=site, resources=resources, staff=world_staff, resource_busy=resource_busy,
        staff_busy=staff_busy, staff_load=staff_load,
        phases=[(p.id, p.duration_minutes, p.staff_role, p.staff_usage, p.resource_kind, p.present_role) for p in phases],
        step=spec["step"], buffer_before=spec["buffers"][0], buffer_after=spec["buffers"][1])
    earliest = -(-(int(now.timestamp()) + spec["notice"] * 60) // 60)
    latest = (int(now.timestamp()) + spec["horizon"] * 86400) // 60
    expected = oracle.slots(world, lo=minute(window_start), hi=minute(window_end), earliest=earliest, latest=latest)
    return {"service": service, "location": here, "start": window_start, "end": window_end, "now": now,
            "excluded": excluded, "expected": expected, "world": world}


def as_minutes(slot):
    def m(x):
        return int(x.timestamp()) // 60
    return (m(slot.start), [(a.phase_id, m(a.start), m(a.end), a.staff_id, a.resource_id, a.exclusive, a.share)
                            for a in slot.assignments])


@settings(max_examples=100, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(spec=calendars())
def test_the_engine_answers_exactly_what_a_minute_by_minute_brute_force_answers(spec):
    with transaction.atomic():
        case = build(spec)
        result = find_slots(service=case["service"], location=case["location"], start=case["start"], end=case["end"],
                            now=case["now"], exclude_appointment_ids=case["excluded"])
        assert [as_minutes(s) for s in result.slots] == case["expected"]
        assert result.earliest == (result.slots[0] if result.slots else None)
        event("slots offered" if result.slots else "no slot offered")

        world = case["world"]
        for slot in result.slots[:: max(1, len(result.slots) // 3)][:3]:
            planned = plan_slot(service=case["service"], location=case["location"], start=slot.start, now=case["now"],
                                exclude_appointment_ids=case["excluded"])
            assert planned == slot
        # The set-up's own copies of the service and place (what the API passes) answer the same.
        setup = catalog.current()
        own = {"service": setup.services[case["service"].pk], "location": setup.locations[case["location"].pk]}
        again = find_slots(**own, start=case["start"], end=case["end"], now=case["now"],
                           exclude_appointment_ids=case["excluded"])
        assert again.slots == result.slots
        # Checking one start (what booking does) agrees with working out every start, at every
        # start of the grid.
        ctx = loader.load(service=case["service"], location=case["location"], window_start=case["start"],
                          window_end=case["end"], now=case["now"], exclude_appointment_ids=case["excluded"])
        if ctx.needs:
            lo, hi = to_epoch(case["start"]), to_epoch(case["end"])
            prepared = core.prepare(ctx.needs, ctx.calendar, within=[(lo, hi)], with_resources=True)
            for second in timeutils.grid_seconds(case["start"], case["end"],
                                                 timeutils.zone(case["location"].time_zone), spec["step"]):
                assert core.assign_at(ctx.needs, prepared.runs, ctx.calendar, second) == core.assign(prepared, second)
        # And every start on the grid that the brute force refuses, checking one start refuses too.
        offered = {start for start, _ in case["expected"]}
        grid = timeutils.grid_seconds(case["start"], case["end"], timeutils.zone(case["location"].time_zone),
                                      spec["step"])
        refused = [second for second in grid if second // 60 not in offered]
        for second in refused[:: max(1, len(refused) // 4)][:4]:
            with pytest.raises(SlotUnavailable):
                plan_slot(service=case["service"], location=case["location"], start=from_epoch(second),
                          now=case["now"], exclude_appointment_ids=case["excluded"])
        for slot in result.slots:
            for a in slot.assignments:
                minutes = range(int(a.start.timestamp()) // 60, int(a.end.timestamp()) // 60)
                if a.resource_id:
                    assert not world.resource_busy.get(a.resource_id, set()) & set(minutes)
                    assert set(minutes) <= world.resources[a.resource_id][1]
                else:
                    if a.exclusive:
                        assert not world.staff_busy.get(a.staff_id, set()) & set(minutes)
                    assert set(minutes) <= world.staff[a.staff_id][1]
                assert set(minutes) <= world.site_open
        transaction.set_rollback(True)
