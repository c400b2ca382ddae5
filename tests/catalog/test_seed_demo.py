"""`manage.py seed_demo` loads the demo clinic of the issue, consistently, and only once."""

from collections import defaultdict
from io import StringIO

import pytest
from django.contrib.auth import authenticate
from django.core.management import call_command

from audit.models import Action, AuditEntry
from audit.services import record
from scheduling.models import (
    Allocation,
    Appointment,
    Closure,
    HoursOverride,
    Location,
    Patient,
    Resource,
    Service,
    StaffMember,
)

pytestmark = pytest.mark.django_db


def seed(*args) -> str:
    out = StringIO()
    call_command("seed_demo", *args, stdout=out)
    return out.getvalue()


def counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in
            (Location, Resource, StaffMember, Service, Patient, Appointment, Allocation, Closure, HoursOverride)}


def assert_no_double_booking():
    exclusive = defaultdict(list)
    shared = defaultdict(list)
    for a in Allocation.objects.select_related("staff"):
        if a.exclusive:
            exclusive[(a.staff_id, a.resource_id)].append((a.start, a.end))
        else:
            shared[a.staff].append((a.start, a.end))
    for rows in exclusive.values():
        rows.sort()
        assert all(earlier[1] <= later[0] for earlier, later in zip(rows, rows[1:], strict=False))
    for nurse, rows in shared.items():
        for start, _ in rows:
            assert sum(1 for s, e in rows if s <= start < e) <= nurse.watch_capacity


def test_the_demo_clinic_has_the_sites_rooms_staff_and_services_of_the_issue():
    output = seed()
    sites = {loc.name: loc for loc in Location.objects.all()}
    assert sites["Phoenix"].time_zone == "America/Phoenix"
    assert sites["San Diego"].time_zone == "America/Los_Angeles"
    assert sites["Telehealth"].is_virtual
    kinds = defaultdict(int)
    for kind in Resource.objects.values_list("kind", flat=True):
        kinds[kind] += 1
    assert dict(kinds) == {"infusion_chair": 6, "monitoring_room": 2, "therapy_room": 2}
    roles = defaultdict(int)
    for member in StaffMember.objects.all():
        for role in member.roles:
            roles[role] += 1
    assert dict(roles) == {"prescriber": 2, "nurse": 3, "therapist": 3, "front_desk": 2}
    desk = StaffMember.objects.get(user__username="frontdesk")
    assert desk.locations.count() == Location.objects.count()
    phoenix_desk = StaffMember.objects.get(user__username="desk.phoenix")
    assert [site.name for site in phoenix_desk.locations.all()] == ["Phoenix"]
    assert any("es" in m.languages for m in StaffMember.objects.all())
    assert {s for m in StaffMember.objects.all() for s in m.licensed_states} == {"AZ", "CA"}
    assert set(Service.objects.values_list("code", flat=True)) == {
        "evaluation", "iv-infusion", "spravato", "kap-dosing", "preparation", "integration", "booster-infusion",
        "med-management"}
    iv = Service.objects.get(code="iv-infusion")
    assert [(p.name, p.duration_minutes, p.staff_role, p.staff_usage, p.resource_kind) for p in iv.phases.order_by("order")] == [
        ("Set-up", 15, "nurse", "exclusive", "infusion_chair"), ("Infusion", 40, "nurse", "shared", "infusion_chair"),
        ("Recovery", 30, "", "exclusive", "infusion_chair")]
    spravato = Service.objects.get(code="spravato").phases.order_by("order")
    assert spravato[0].present_role == "prescriber" and spravato[1].duration_minutes == 120
    assert Closure.objects.exists() and HoursOverride.objects.filter(kind="unavailable").exists()
    assert Appointment.objects.count() > 200 and Allocation.objects.count() > Appointment.objects.count()
    assert_no_double_booking()
    for username, role in [("admin", "admin"), ("frontdesk", "front_desk"), ("desk.phoenix", "front_desk"),
                           ("dr.rivera", "clinician"), ("nurse.kim", "clinician")]:
        user = authenticate(username=username, password="clearday-demo")
        assert user is not None and user.role == role
    assert authenticate(username="admin", password="clearday-demo").is_superuser
    assert "dr.rivera" in output


@pytest.mark.django_db(transaction=True)  # --reset empties every table, which PostgreSQL refuses mid-transaction
def test_running_it_twice_changes_nothing_and_reset_loads_it_again():
    seed()
    before = counts()
    assert "already loaded; nothing changed" in seed()
    assert counts() == before
    Location.objects.create(name="Scratch site", time_zone="America/Phoenix")
    record(action=Action.CHANGE, kind="scheduling.location", record_id=1, summary="scratch site added")
    seed("--reset")  # as the owner, which the suite's role is: the audit log is emptied too
    assert not Location.objects.filter(name="Scratch site").exists()
    assert not AuditEntry.objects.filter(summary="scratch site added").exists()
    assert counts() == before


def test_the_large_clinic_has_three_sites_about_thirty_staff_and_a_consistent_history():
    output = seed("--size", "large", "--appointments", "600")
    assert Location.objects.filter(is_virtual=False).count() == 3
    assert 22 <= Resource.objects.count() <= 30
    assert 28 <= StaffMember.objects.count() <= 33  # clinicians and two desks (one for Phoenix only)
    assert Appointment.objects.count() == 600
    assert_no_double_booking()
    assert "600 visits" in output


def test_it_refuses_to_load_demo_logins_in_production(settings):
    from django.core.management.base import CommandError

    settings.PRODUCTION = True
    with pytest.raises(CommandError, match="CLEARDAY_PRODUCTION"):
        seed()
    assert Location.objects.count() == 0
