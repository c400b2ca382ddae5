"""One visit at a time per patient: whatever the place or modality, a patient's visits never
overlap, and a live hold counts as a visit. Bookings, holds and moves are refused with a 409
`patient_busy` that names the other visit's day, time and zone; two requests racing for the
same patient at different sites cannot both win."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from scheduling.models import Appointment, AppointmentStatus as S, Modality
from scheduling.services.booking import book_appointment
from scheduling.services.holds import hold_slot
from tests.factories import (
    iv_infusion_service,
    LocationFactory,
    ResourceFactory,
    StaffMemberFactory,
    video_therapy_service,
    weekly_hours,
)

from .conftest import at, client_for, desk_user, iso, NOW, patient_user
from .test_concurrency import in_parallel


def two_sites_and_video() -> SimpleNamespace:
    """Phoenix and Tucson each with a chair and a nurse; a therapist seeing patients by video."""
    phoenix = LocationFactory(name="Phoenix", time_zone="America/Phoenix", state="AZ")
    tucson = LocationFactory(name="Tucson", time_zone="America/Phoenix", state="AZ")
    for site in (phoenix, tucson):
        weekly_hours(location=site, start=dt.time(7), end=dt.time(19))
        ResourceFactory(location=site, name=f"{site.name} chair")
        nurse = StaffMemberFactory(display_name=f"{site.name} nurse", locations=[site])
        weekly_hours(staff=nurse, start=dt.time(7), end=dt.time(19))
    therapist = StaffMemberFactory(display_name="Theo", roles=["therapist"], licensed_states=["AZ"])
    weekly_hours(staff=therapist, start=dt.time(7), end=dt.time(19))
    iv = iv_infusion_service(locations=[phoenix, tucson], code="iv", is_dosing=False)
    video = video_therapy_service(code="talk", duration=60)
    return SimpleNamespace(phoenix=phoenix, tucson=tucson, iv=iv, video=video)


def body(service, start, location=None, **extra) -> dict:
    where = {"location": location.pk} if location is not None else {"modality": Modality.VIDEO}
    return {"service": service.pk, "start": iso(start), **where, **extra}


@pytest.mark.django_db
class TestRefusals:
    @pytest.fixture
    def sites(self, frozen):
        return two_sites_and_video()

    @pytest.fixture
    def ana(self, sites):
        return patient_user("ana")

    def test_a_second_booking_at_another_site_at_the_same_hour_is_a_409_naming_the_first(self, sites, ana):
        client = client_for(ana.user)
        first = client.post("/api/v1/appointments", body(sites.iv, at(9), sites.phoenix), format="json")
        assert first.status_code == 201, first.json()

        second = client.post("/api/v1/appointments", body(sites.iv, at(9, 30), sites.tucson), format="json")

        assert second.status_code == 409
        problem = second.json()
        assert problem["code"] == "patient_busy"
        assert problem["appointment"] == first.json()["id"]
        assert "Mon 10 Mar 2025 09:00 MST" in problem["detail"]
        assert "Phoenix" in problem["detail"]
        assert Appointment.objects.filter(patient=ana).count() == 1

    def test_a_video_visit_overlapping_an_in_person_one_is_refused_too(self, sites, ana):
        client = client_for(ana.user)
        assert client.post("/api/v1/appointments", body(sites.iv, at(9), sites.phoenix),
                           format="json").status_code == 201

        video = client.post("/api/v1/appointments", body(sites.video, at(10)), format="json")

        assert video.status_code == 409
        assert video.json()["code"] == "patient_busy"

    def test_back_to_back_visits_are_fine(self, sites, ana):
        client = client_for(ana.user)
        talk = client.post("/api/v1/appointments", body(sites.video, at(8)), format="json").json()
        assert talk["end"] == iso(at(9))

        after = client.post("/api/v1/appointments", body(sites.iv, at(9), sites.phoenix), format="json")

        assert after.status_code == 201, after.json()

    def test_another_patient_may_book_the_same_hour(self, sites, ana):
        ben = patient_user("ben")
        assert client_for(ana.user).post("/api/v1/appointments", body(sites.iv, at(9), sites.phoenix),
                                         format="json").status_code == 201
        assert client_for(ben.user).post("/api/v1/appointments", body(sites.iv, at(9), sites.tucson),
                                         format="json").status_code == 201

    def test_a_live_hold_counts_as_a_visit_and_a_hold_is_refused_over_a_visit(self, sites, ana):
        client = client_for(ana.user)
        hold = client.post("/api/v1/holds", body(sites.iv, at(9), sites.phoenix), format="json")
        assert hold.status_code == 201, hold.json()

        booking = client.post("/api/v1/appointments", body(sites.iv, at(9), sites.tucson), format="json")
        second_hold = client.post("/api/v1/holds", body(sites.video, at(9, 45)), format="json")

        assert (booking.status_code, booking.json()["code"]) == (409, "patient_busy")
        assert booking.json()["held"] is True
        assert (second_hold.status_code, second_hold.json()["code"]) == (409, "patient_busy")
        # The hold itself still books.
        converted = client.post("/api/v1/appointments", {"hold": hold.json()["id"]}, format="json")
        assert converted.status_code == 201, converted.json()

    def test_a_lapsed_hold_does_not_count(self, sites, ana, frozen):
        client = client_for(ana.user)
        assert client.post("/api/v1/holds", body(sites.iv, at(9), sites.phoenix), format="json").status_code == 201
        frozen.move_to(NOW + dt.timedelta(minutes=30))

        booking = client.post("/api/v1/appointments", body(sites.iv, at(9), sites.tucson), format="json")

        assert booking.status_code == 201, booking.json()

    def test_a_cancelled_visit_frees_the_patient(self, sites, ana):
        client = client_for(ana.user)
        first = client.post("/api/v1/appointments", body(sites.iv, at(9), sites.phoenix), format="json").json()
        assert client.post(f"/api/v1/appointments/{first['id']}/cancel", {}, format="json").status_code == 200

        again = client.post("/api/v1/appointments", body(sites.iv, at(9), sites.tucson), format="json")

        assert again.status_code == 201, again.json()

    def test_moving_into_another_visit_is_refused_and_moving_within_ones_own_time_is_not(self, sites, ana):
        client = client_for(ana.user)
        infusion = client.post("/api/v1/appointments", body(sites.iv, at(9), sites.phoenix), format="json").json()
        talk = client.post("/api/v1/appointments", body(sites.video, at(13)), format="json").json()

        into = client.post(f"/api/v1/appointments/{talk['id']}/reschedule", body(sites.video, at(9, 15)),
                           format="json")
        assert (into.status_code, into.json()["code"]) == (409, "patient_busy")
        assert into.json()["appointment"] == infusion["id"]
        assert Appointment.objects.get(pk=talk["id"]).status == S.BOOKED

        # Moving a visit by fifteen minutes overlaps only itself.
        nudge = client.post(f"/api/v1/appointments/{infusion['id']}/reschedule",
                            body(sites.iv, at(9, 15), sites.tucson), format="json")
        assert nudge.status_code == 200, nudge.json()

    def test_the_desk_is_refused_too_and_the_detail_names_the_patient(self, sites, ana):
        desk = desk_user("desk", sites.phoenix, sites.tucson)
        client = client_for(desk)
        assert client.post("/api/v1/appointments", body(sites.iv, at(9), sites.phoenix, patient=ana.pk),
                           format="json").status_code == 201

        second = client.post("/api/v1/appointments",
                             body(sites.iv, at(9), sites.tucson, patient=ana.pk, override_reason="urgent"),
                             format="json")

        assert (second.status_code, second.json()["code"]) == (409, "patient_busy")
        assert second.json()["detail"].startswith(f"{ana.display_name} already has a visit then")


@pytest.mark.django_db(transaction=True)
def test_a_booking_at_each_site_and_a_video_hold_racing_for_one_patient_leave_one_visit(frozen):
    sites = two_sites_and_video()
    ana = patient_user("ana")

    def book(location, start):
        return lambda: book_appointment(patient=ana, service=sites.iv, location=location, start=start, actor=ana.user)

    for hour in (8, 11, 14):
        start = at(hour)
        hold = lambda start=start: hold_slot(patient=ana, service=sites.video, location=None,  # noqa: E731
                                             start=start + dt.timedelta(minutes=30), actor=ana.user)
        results = in_parallel([book(sites.phoenix, start), book(sites.tucson, start), hold])

        won = [r for r in results if isinstance(r, Appointment)]
        lost = [r for r in results if not isinstance(r, Appointment)]
        assert len(won) == 1, results
        assert [getattr(r, "code", r) for r in lost] == ["patient_busy", "patient_busy"]
        assert Appointment.objects.filter(patient=ana, start__gte=start - dt.timedelta(hours=1),
                                          start__lt=start + dt.timedelta(hours=2)).count() == 1
