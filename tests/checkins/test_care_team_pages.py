"""The care team's pages: a clinician lands on their own day; the navigation counts open alerts
and unread replies; the patient search and the patient page (visits linked to the calendar,
clearance and REMS, the chart), each within the reader's sites and audited; the alert page's
tap-to-call, the answers behind the alert, and the calls kept as history; the chart's bands,
response and remission, and its table."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from accounts.models import Role
from audit.models import AuditEntry
from care.models import Clearance, ContraindicationScreening, RemsEnrolment, Treatment
from checkins.chart import GAD7, NARROW, outcome, panel_svg, PHQ9, Point, score_table
from checkins.models import AlertCall, AlertStatus, RiskAlert
from notifications.models import InboundMessage
from scheduling.models import AppointmentStatus as S, StaffRole
from tests.checkins.conftest import checkin, completed_visit, first_page, HOUR, phx, url, VISIT_END
from tests.factories import (
    AllocationFactory,
    AppointmentFactory,
    LocationFactory,
    PatientFactory,
    PhaseFactory,
    StaffMemberFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-password-for-staff"


@pytest.fixture
def alert(client, clinic, clock):
    """An open alert: the 7-day check-in answered with PHQ-9 item 9 above zero."""
    visit = completed_visit(clinic)
    clock.move_to(VISIT_END + 169 * HOUR)
    week = checkin(visit, "7d")
    client.post(url(week), first_page(week, phq_9="2", phq_1="3"))
    client.logout()
    return RiskAlert.objects.get()


@pytest.fixture
def therapist(clinic):
    member = clinic.therapist
    member.user = UserFactory(username="sam", role=Role.CLINICIAN)
    member.save()
    member.user.set_password(PASSWORD)
    member.user.save()
    return member


def visit_with(clinic, member, *, start, patient=None, location="site"):
    appointment = AppointmentFactory(
        patient=patient or clinic.patient,
        service=clinic.integration,
        location=clinic.site if location == "site" else location,
        modality="in_person" if location else "video",
        start=start,
        end=start + dt.timedelta(minutes=50),
        status=S.BOOKED,
    )
    AllocationFactory(
        appointment=appointment,
        staff=member,
        phase=PhaseFactory(service=clinic.integration),
        start=appointment.start,
        end=appointment.end,
    )
    return appointment


def test_a_clinician_lands_on_their_own_day_and_the_desk_on_its_sites(client, clinic, therapist):
    landed = client.post(reverse("web:desk-login"), {"username": "sam", "password": PASSWORD})
    assert landed.status_code == 302 and landed.url == reverse("web:desk-my-day")
    client.logout()
    clinic.desk.user.set_password(PASSWORD)
    clinic.desk.user.save()
    landed = client.post(reverse("web:desk-login"), {"username": "frontdesk", "password": PASSWORD})
    assert landed.url == "/desk/"
    assert client.get(reverse("web:staff-home")).url == reverse("web:desk-day")


def test_my_day_lists_the_visits_i_hold_time_in_and_not_a_colleagues(client, clinic, therapist, clock):
    mine = visit_with(clinic, therapist, start=phx(11, 14))
    video = visit_with(clinic, therapist, start=phx(11, 16), location=None)
    colleague = StaffMemberFactory(display_name="Other Therapist", roles=[StaffRole.THERAPIST], locations=[clinic.site])
    theirs = visit_with(
        clinic, colleague, start=phx(11, 15), patient=PatientFactory(legal_first_name="Bea", legal_last_name="Cruz")
    )
    client.force_login(therapist.user)
    page = client.get(reverse("web:desk-my-day"), {"date": "2025-03-11"}).content.decode()
    assert reverse("web:desk-appointment", args=[mine.pk]) in page
    assert reverse("web:desk-appointment", args=[video.pk]) in page and "Video" in page
    assert reverse("web:desk-appointment", args=[theirs.pk]) not in page and "Bea Cruz" not in page
    assert reverse("web:desk-patient", args=[clinic.patient.pk]) in page
    assert page.index("2:00") < page.index("4:00")
    assert AuditEntry.objects.filter(summary__startswith="own day", patient_id=clinic.patient.pk).exists()


def test_the_navigation_counts_open_alerts_and_unread_replies_within_the_sites(client, clinic, alert):
    InboundMessage.objects.create(
        from_number="+16025550123",
        body="Can I move it?",
        needs_attention=True,
        patient=clinic.patient,
        received_at=alert.created_at,
    )
    client.force_login(clinic.desk.user)
    page = client.get(reverse("web:desk-patients")).content.decode()
    assert '1<span class="visually-hidden"> open</span>' in page
    assert '1<span class="visually-hidden"> unread</span>' in page
    elsewhere = StaffMemberFactory(
        locations=[LocationFactory(name="Tucson")], user=UserFactory(username="tucsondesk", role=Role.FRONT_DESK)
    )
    client.force_login(elsewhere.user)
    page = client.get(reverse("web:desk-patients")).content.decode()
    assert 'visually-hidden"> open' not in page and 'visually-hidden"> unread' not in page


def test_the_patient_search_finds_by_name_phone_and_birth_date_within_the_desks_sites(client, clinic, clock):
    completed_visit(clinic)
    tucson = LocationFactory(name="Tucson")
    other = PatientFactory(legal_first_name="Ana", legal_last_name="Lorenzo")
    AppointmentFactory(patient=other, location=tucson, service=clinic.integration, start=phx(12, 9), end=phx(12, 10))
    client.force_login(clinic.desk.user)
    for query in ("lopez", "(602) 555-0123", clinic.patient.date_of_birth.isoformat()):
        page = client.get(reverse("web:desk-patients"), {"q": query}).content.decode()
        assert reverse("web:desk-patient", args=[clinic.patient.pk]) in page, query
    page = client.get(reverse("web:desk-patients"), {"q": "ana"}).content.decode()
    assert "Lorenzo" not in page
    assert AuditEntry.objects.filter(summary__startswith="patient search", patient_id=clinic.patient.pk).exists()


def test_the_patient_page_links_visits_to_the_calendar_and_shows_clearance_and_rems(client, clinic, therapist, clock):
    upcoming = visit_with(clinic, therapist, start=phx(12, 14))
    screening = ContraindicationScreening.objects.create(
        patient=clinic.patient,
        uncontrolled_hypertension=False,
        psychosis_or_mania=False,
        pregnancy=False,
        aneurysmal_vascular_disease=False,
        intracerebral_hemorrhage=False,
        hypersensitivity=False,
        substance_use=False,
    )
    Clearance.objects.create(
        patient=clinic.patient,
        treatment=Treatment.IV_KETAMINE,
        evaluated_on=dt.date(2025, 3, 1),
        screening=screening,
        cleared_by=clinic.doctor.user,
        expires_on=dt.date(2025, 9, 1),
    )
    RemsEnrolment.objects.create(patient=clinic.patient, enrolled_on=dt.date(2025, 3, 2), rems_patient_id="R-42")
    client.force_login(clinic.desk.user)
    page = client.get(reverse("web:desk-patient", args=[clinic.patient.pk])).content.decode()
    assert f"{reverse('web:desk-day')}?location={clinic.site.pk}&amp;date=2025-03-12" in page
    assert reverse("web:desk-appointment", args=[upcoming.pk]) in page
    assert "Cleared</span>. Until Monday, September 1, 2025." in page and "Not cleared" in page
    assert "Enrolled</span> Sunday, March 2, 2025 (REMS id R-42)" in page
    assert 'href="tel:+1-602-555-0123"' in page
    assert "<svg" not in page  # the desk reads no scores
    assert AuditEntry.objects.filter(
        record_kind="scheduling.patient", patient_id=clinic.patient.pk, summary__startswith="patient page"
    ).exists()
    # ... and the visit page leads back to the patient page.
    visit_page = client.get(reverse("web:desk-appointment", args=[upcoming.pk])).content.decode()
    assert reverse("web:desk-patient", args=[clinic.patient.pk]) in visit_page
    # A therapist's calendar link is their own day.
    client.force_login(therapist.user)
    page = client.get(reverse("web:desk-patient", args=[clinic.patient.pk])).content.decode()
    assert f"{reverse('web:desk-my-day')}?date=2025-03-12" in page


def test_a_patient_outside_the_viewers_sites_is_a_staff_404(client, clinic, therapist, clock):
    tucson = LocationFactory(name="Tucson")
    other = PatientFactory(legal_first_name="Bea", legal_last_name="Cruz")
    AppointmentFactory(patient=other, location=tucson, service=clinic.integration, start=phx(12, 9), end=phx(12, 10))
    for user in (clinic.desk.user, therapist.user):
        client.force_login(user)
        response = client.get(reverse("web:desk-patient", args=[other.pk]))
        assert response.status_code == 404, user
        page = response.content.decode()
        assert "Bea" not in page and "Not found, or not one you can open" in page
        assert "The link may be old" not in page


def test_the_alert_page_offers_tap_to_call_the_answers_and_keeps_every_call(client, clinic, alert):
    client.force_login(clinic.doctor.user)
    page = client.get(reverse("checkins:staff-alert", args=[alert.pk])).content.decode()
    assert '<a class="button primary call" href="tel:+1-602-555-0123">Call (602) 555-0123</a>' in page
    assert "Thoughts that you would be better off dead" in page and "Self-harm item" in page
    assert "More than half the days (2)" in page
    refused = client.post(reverse("checkins:staff-alert", args=[alert.pk]), {"action": "call", "outcome": ""})
    assert "Choose how the call went." in refused.content.decode()
    for outcome_value in ("no_answer", "reached"):
        client.post(
            reverse("checkins:staff-alert", args=[alert.pk]),
            {"action": "call", "outcome": outcome_value, "call_note": "Safety plan reviewed."},
        )
    client.post(reverse("checkins:staff-alert", args=[alert.pk]), {"action": "acknowledge", "note": "Reached her."})
    client.post(reverse("checkins:staff-alert", args=[alert.pk]), {"action": "call", "outcome": "left_message"})
    assert list(AlertCall.objects.filter(alert=alert).values_list("outcome", "called_by")) == [
        ("no_answer", clinic.doctor.user.pk),
        ("reached", clinic.doctor.user.pk),
        ("left_message", clinic.doctor.user.pk),
    ]
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ACKNOWLEDGED
    page = client.get(reverse("checkins:staff-alert", args=[alert.pk])).content.decode()
    assert f"No answer ({clinic.doctor.user.get_full_name()}): Safety plan reviewed." in page
    assert "Reached the patient" in page and "Left a message" in page
    assert AuditEntry.objects.filter(summary="risk alert call recorded: reached").count() == 1


def test_the_desk_sees_the_number_but_neither_answers_nor_call_form(client, clinic, alert):
    client.force_login(clinic.desk.user)
    page = client.get(reverse("checkins:staff-alert", args=[alert.pk])).content.decode()
    assert 'href="tel:+1-602-555-0123"' in page
    assert "Self-harm" not in page and 'name="outcome"' not in page
    assert (
        client.post(
            reverse("checkins:staff-alert", args=[alert.pk]), {"action": "call", "outcome": "reached"}
        ).status_code
        == 403
    )
    assert not AlertCall.objects.exists()


def points(scores, name="PHQ-9"):
    return [Point(at=phx(10 + 7 * n, 9), score=s, label=f"{name} {s} (x)") for n, s in enumerate(scores)]


def test_the_chart_shades_the_bands_and_marks_response_and_remission():
    phq = points([20, 12, 9, 4])
    result = outcome(phq, PHQ9)
    assert (result.baseline, result.response_at, result.remission_at) == (20, 2, 3)
    svg = panel_svg(PHQ9, phq, [phx(10, 8), phx(17, 8)], zone_name="America/Phoenix")
    for band in ("minimal", "mild", "moderate", "moderately severe", "severe"):
        assert f">{band}</text>" in svg
    for tick in (5, 10, 15, 20, 27):
        assert f'text-anchor="end" fill="#222">{tick}</text>' in svg
    assert "Response ≤ 10" in svg and "Remission &lt; 5" in svg
    assert ">Response</text>" in svg and ">Remission</text>" in svg
    assert svg.count("<title>Dosing visit") == 2
    gad = panel_svg(GAD7, points([14, 6], "GAD-7"), [], zone_name="America/Phoenix")
    assert ">severe</text>" in gad and "moderately severe" not in gad and "Remission" not in gad
    assert "Response ≤ 7" in gad
    narrow = panel_svg(PHQ9, phq, [], zone_name="America/Phoenix", size=NARROW)
    assert 'viewBox="0 0 360 260"' in narrow and 'font-size="13"' in narrow


def test_the_chart_table_lists_scores_doses_and_where_response_and_remission_come():
    rows = score_table(points([20, 12, 9, 4]), points([14, 6], "GAD-7"), [phx(9, 9)], "America/Phoenix")
    assert [(r["day"], r["what"], r["phq9"], r["gad7"], r["notes"]) for r in rows] == [
        ("Mar 9", "Dosing visit", "", "", "Dosing visit"),
        ("Mar 10", "Check-in", "20 (x)", "14 (x)", "PHQ-9 baseline, GAD-7 baseline"),
        ("Mar 17", "Check-in", "12 (x)", "6 (x)", "GAD-7 response"),
        ("Mar 24", "Check-in", "9 (x)", "", "PHQ-9 response"),
        ("Mar 31", "Check-in", "4 (x)", "", "PHQ-9 remission"),
    ]
    assert panel_svg(PHQ9, [], [], zone_name="America/Phoenix") == ""
    escaped = panel_svg(PHQ9, [Point(at=phx(10, 9), score=5, label="<b>PHQ-9</b>")], [], zone_name="America/Phoenix")
    assert "<b>" not in escaped and "&lt;b&gt;PHQ-9&lt;/b&gt;" in escaped


def test_a_clinician_elsewhere_finds_no_link_that_ends_in_a_404(client, clinic, alert):
    tucson = LocationFactory(name="Tucson")
    elsewhere = StaffMemberFactory(
        display_name="Dr. Far",
        roles=[StaffRole.PRESCRIBER],
        locations=[tucson],
        user=UserFactory(username="dr.far", role=Role.CLINICIAN),
    )
    client.force_login(elsewhere.user)
    patient_page = reverse("web:desk-patient", args=[clinic.patient.pk])
    listing = client.get(reverse("checkins:staff-alerts")).content.decode()
    assert "Ana Lopez" in listing and patient_page not in listing  # every clinician sees alerts
    page = client.get(reverse("checkins:staff-alert", args=[alert.pk])).content.decode()
    assert 'href="tel:+1-602-555-0123"' in page and patient_page not in page
    found = client.get(reverse("web:desk-patients"), {"q": "lopez"}).content.decode()
    assert patient_page not in found
    assert client.get(patient_page).status_code == 404
    client.force_login(clinic.doctor.user)  # works at Camelback, where Ana's visit was
    assert patient_page in client.get(reverse("checkins:staff-alerts")).content.decode()
    assert patient_page in client.get(reverse("web:desk-patients"), {"q": "lopez"}).content.decode()
