"""Permissions in links: the floor board links only to visits the viewer may open, and a staff
member who reaches a record they may not open reads staff words, never the patient's 404."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.models import Role
from scheduling.services.booking import book_appointment
from scheduling.services.transitions import check_in
from tests.factories import clearance, LocationFactory, StaffMemberFactory, UserFactory

from .conftest import at, patient_with_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def infusion(clinic, frozen):
    ana = patient_with_user(
        username="ana", phone="+16025550101", legal_first_name="Ana", legal_last_name="Lopez", state="AZ"
    )
    clearance(ana)
    visit = book_appointment(
        patient=ana,
        service=clinic.iv,
        location=clinic.phoenix,
        start=at(8, 30),
        actor=clinic.desk,
        override_reason="Walk-in",
    )
    check_in(appointment=visit, actor=clinic.desk, override_reason="Escort waiting outside")
    frozen.move_to(at(8, 45))  # in the chair
    return visit


def test_the_floor_board_links_a_visit_only_for_a_viewer_who_may_open_it(client, clinic, infusion):
    link = f'href="{reverse("web:desk-appointment", args=[infusion.pk])}"'
    therapist = clinic.therapist.user  # works at Phoenix, but not on this infusion

    client.force_login(therapist)
    theirs = client.get(reverse("web:desk-floor"), {"location": clinic.phoenix.pk}).content.decode()
    client.force_login(clinic.nurse.user)
    nurses = client.get(reverse("web:desk-floor"), {"location": clinic.phoenix.pk}).content.decode()

    assert "AL" in theirs and link not in theirs
    assert link in nurses
    client.force_login(therapist)
    assert client.get(reverse("web:desk-appointment", args=[infusion.pk])).status_code == 404


def test_staff_read_staff_words_on_a_404_and_patients_their_own(client, clinic, infusion):
    tucson = LocationFactory(name="Tucson", time_zone="America/Phoenix", state="AZ")
    other = UserFactory(username="desk.tucson", role=Role.FRONT_DESK)
    StaffMemberFactory(user=other, display_name="Tucson Desk", roles=["front_desk"], locations=[tucson])

    client.force_login(other)
    staff = client.get(reverse("web:desk-appointment", args=[infusion.pk]))
    client.force_login(infusion.patient.user)
    patient = client.get("/no-such-page/")

    assert staff.status_code == 404
    assert "Not found, or not one you can open" in staff.content.decode()
    assert "My appointments" not in staff.content.decode() and 'href="/desk/"' in staff.content.decode()
    assert "988" not in staff.content.decode()
    assert "My appointments" in patient.content.decode() and "988" in patient.content.decode()
