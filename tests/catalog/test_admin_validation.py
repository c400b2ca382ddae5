"""The clinic admin explains what is wrong: a phase needing a room a location lacks, weekly rules
that overlap, an unknown time zone."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from scheduling.models import Location, Service, WorkingHours
from tests.factories import LocationFactory, ResourceFactory, StaffMemberFactory, UserFactory, WorkingHoursFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(UserFactory(username="boss", role="admin", is_staff=True, is_superuser=True))
    return client


def post_with_inlines(client, url: str, data: dict, inline_rows: dict[str, list[dict]]):
    """POST an admin change form: every inline's management form, with rows for the named models."""
    page = client.get(url)
    payload = dict(data)
    for inline in page.context["inline_admin_formsets"]:
        prefix = inline.formset.prefix
        rows = inline_rows.get(inline.formset.model.__name__, [])
        payload.update({f"{prefix}-TOTAL_FORMS": len(rows), f"{prefix}-INITIAL_FORMS": 0,
                        f"{prefix}-MIN_NUM_FORMS": 0, f"{prefix}-MAX_NUM_FORMS": 1000})
        for index, row in enumerate(rows):
            payload.update({f"{prefix}-{index}-{key}": value for key, value in row.items()})
    return client.post(url, payload)


def errors_of(response) -> str:
    assert response.status_code == 200, "the form was accepted"
    texts = [message for errors in response.context["adminform"].form.errors.values() for message in errors]
    for inline in response.context["inline_admin_formsets"]:
        texts += list(inline.formset.non_form_errors())
        texts += [message for form in inline.formset.forms for errors in form.errors.values() for message in errors]
    return " ".join(texts)


SERVICE = {"code": "kap", "name": "Guided session", "category": "kap", "modality": "in_person", "active": "on",
           "min_notice_minutes": 120, "horizon_days": 90, "slot_step_minutes": 15, "buffer_before_minutes": 0,
           "buffer_after_minutes": 0, "cancellation_window_hours": 24, "bookable_online": "on"}


def test_a_phase_needing_a_room_kind_a_location_lacks_is_refused_with_the_location_named(admin_client):
    san_diego = LocationFactory(name="San Diego")
    ResourceFactory(location=san_diego, kind="therapy_room", name="Room 1")
    response = post_with_inlines(
        admin_client, "/admin/scheduling/service/add/", {**SERVICE, "locations": [san_diego.id]},
        {"Phase": [{"order": 1, "name": "Guided session", "duration_minutes": 150, "staff_role": "therapist",
                    "staff_usage": "exclusive", "resource_kind": "monitoring_room"}]})
    assert "San Diego has no monitoring room (needed by Guided session)." in errors_of(response)
    assert not Service.objects.filter(code="kap").exists()


def test_a_service_whose_locations_have_every_room_it_needs_is_saved(admin_client):
    san_diego = LocationFactory(name="San Diego")
    ResourceFactory(location=san_diego, kind="monitoring_room", name="Room 1")
    response = post_with_inlines(
        admin_client, "/admin/scheduling/service/add/", {**SERVICE, "locations": [san_diego.id]},
        {"Phase": [{"order": 1, "name": "Guided session", "duration_minutes": 150, "staff_role": "therapist",
                    "staff_usage": "exclusive", "resource_kind": "monitoring_room"}]})
    assert response.status_code == 302
    assert Service.objects.get(code="kap").phases.get().resource_kind == "monitoring_room"


def test_an_unknown_time_zone_is_refused_with_a_suggestion(admin_client):
    response = post_with_inlines(admin_client, "/admin/scheduling/location/add/",
                                 {"name": "Phoenix", "time_zone": "America/Phenix", "active": "on"}, {})
    assert "'America/Phenix' is not a known IANA time zone. Did you mean America/Phoenix?" in errors_of(response)
    assert not Location.objects.exists()


def test_overlapping_weekly_rules_for_one_owner_are_refused_naming_the_other_rule():
    nurse = StaffMemberFactory(display_name="Nurse Kim")
    WorkingHoursFactory(staff=nurse, weekday=0, start_time=dt.time(8), end_time=dt.time(12))
    clash = WorkingHours(staff=nurse, weekday=0, start_time=dt.time(11), end_time=dt.time(15))
    with pytest.raises(ValidationError) as err:
        clash.full_clean()
    assert "Overlaps another rule for Nurse Kim: Monday 08:00-12:00." in str(err.value)
    WorkingHours(staff=nurse, weekday=0, start_time=dt.time(12), end_time=dt.time(15)).full_clean()
    WorkingHours(staff=nurse, weekday=1, start_time=dt.time(11), end_time=dt.time(15)).full_clean()


def test_rules_in_effect_on_different_dates_do_not_overlap():
    nurse = StaffMemberFactory()
    WorkingHoursFactory(staff=nurse, weekday=0, effective_to=dt.date(2025, 6, 30))
    WorkingHours(staff=nurse, weekday=0, start_time=dt.time(9), end_time=dt.time(17),
                 effective_from=dt.date(2025, 7, 1)).full_clean()


def test_two_overlapping_rules_added_together_on_the_staff_page_are_refused(admin_client):
    nurse = StaffMemberFactory(display_name="Nurse Kim")
    url = f"/admin/scheduling/staffmember/{nurse.id}/change/"
    data = {"user": nurse.user_id, "display_name": "Nurse Kim", "roles": ["nurse"], "languages": ["en"],
            "licensed_states": ["AZ"], "time_zone": "America/Phoenix", "watch_capacity": 3, "active": "on"}
    rows = [{"weekday": 0, "start_time": "08:00", "end_time": "12:00"},
            {"weekday": 0, "start_time": "11:00", "end_time": "15:00"}]
    response = post_with_inlines(admin_client, url, data, {"WorkingHours": rows})
    assert "Two rules overlap: Monday 08:00-12:00 and Monday 11:00-15:00." in errors_of(response)


def test_staff_hours_can_only_name_a_location_the_staff_member_works_at():
    nurse = StaffMemberFactory(display_name="Nurse Kim")
    tucson = LocationFactory(name="Tucson")
    with pytest.raises(ValidationError) as err:
        WorkingHours(staff=nurse, weekday=0, start_time=dt.time(9), end_time=dt.time(17),
                     location_for_staff=tucson).full_clean()
    assert "Nurse Kim does not work at Tucson" in str(err.value)


@pytest.mark.parametrize("model", ["location", "resource", "staffmember", "service", "workinghours", "hoursoverride",
                                   "closure", "patient", "appointment"])
def test_every_clinic_model_has_a_working_admin_list_and_form(admin_client, model):
    nurse = StaffMemberFactory()
    WorkingHoursFactory(staff=nurse)
    assert admin_client.get(f"/admin/scheduling/{model}/").status_code == 200
    if model != "appointment":  # appointments change only through the booking services
        assert admin_client.get(f"/admin/scheduling/{model}/add/").status_code == 200
