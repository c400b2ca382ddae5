"""The clinician's page: a patient's check-ins with scores, and PHQ-9/GAD-7 plotted across the
course against the dosing dates as a server-rendered SVG."""

from __future__ import annotations

import re

import pytest

from checkins.chart import Point, scores_svg
from tests.checkins.conftest import checkin, completed_visit, first_page, HOUR, phx, url, VISIT_END, VISIT_START

pytestmark = pytest.mark.django_db
DAY = 24 * HOUR


@pytest.fixture
def course(client, clinic, clock):
    """Three infusions a week apart; each 7-day check-in answered, the PHQ-9 falling 18 -> 12 -> 6."""
    for week, (phq, gad) in enumerate(((18, 14), (12, 9), (6, 4))):
        clock.move_to(VISIT_END + week * 7 * DAY + HOUR)
        visit = completed_visit(clinic, start=VISIT_START + week * 7 * DAY, end=VISIT_END + week * 7 * DAY)
        clock.move_to(VISIT_END + week * 7 * DAY + 169 * HOUR)
        item = checkin(visit, "7d")
        phq_items = [3] * (phq // 3) + [phq % 3] + [0] * 9
        gad_items = [3] * (gad // 3) + [gad % 3] + [0] * 7
        answers = {f"phq_{n}": str(v) for n, v in enumerate(phq_items[:8], start=1)} | {"phq_9": "0"}
        answers |= {f"gad_{n}": str(v) for n, v in enumerate(gad_items[:7], start=1)}
        assert client.post(url(item), first_page(item, **answers)).status_code == 200
    client.logout()
    return clinic


def test_the_page_plots_phq9_and_gad7_against_the_dosing_dates(client, course):
    client.force_login(course.doctor.user)
    page = client.get(f"/clinician/patients/{course.patient.pk}/checkins/").content.decode()
    svg = page[page.index("<svg"):page.index("</svg>") + 6]
    assert 'role="img"' in svg
    assert "PHQ-9 from 18 to 6 over 3 check-ins; GAD-7 from 14 to 4 over 3 check-ins; 3 dosing visits." in svg
    assert len(re.findall(r"<circle [^>]*><title>PHQ-9", svg)) == 3
    assert len(re.findall(r"<rect [^>]*><title>GAD-7", svg)) == 3
    assert svg.count("<title>Dosing visit") == 3
    assert "<title>PHQ-9 18 (moderately severe) on Mar 17</title>" in svg
    assert "<title>Dosing visit 2 on Mar 17</title>" in svg
    assert "Dosing visits: Mon Mar 10, 09:00 MST; Mon Mar 17, 09:00 MST; Mon Mar 24, 09:00 MST." in page


def test_the_desk_sees_states_but_no_scores_and_no_plot(client, course):
    client.force_login(course.desk.user)
    page = client.get(f"/clinician/patients/{course.patient.pk}/checkins/").content.decode()
    assert "<svg" not in page and "PHQ-9" not in page
    assert "answered" in page and "missed" in page


def test_staff_pages_send_visitors_to_sign_in_and_refuse_patients(client, course):
    response = client.get("/clinician/risk-alerts/")
    assert response.status_code == 302 and "next=/clinician/risk-alerts/" in response["Location"]
    client.force_login(course.patient.user)
    assert client.get(f"/clinician/patients/{course.patient.pk}/checkins/").status_code == 403


def test_the_plot_escapes_its_labels_and_is_empty_without_scores():
    assert scores_svg(phq9=[], gad7=[], doses=[phx(10, 9)], zone_name="America/Phoenix") == ""
    svg = scores_svg(phq9=[Point(at=phx(10, 9), score=5, label="<b>PHQ-9</b>")], gad7=[], doses=[],
                     zone_name="America/Phoenix")
    assert "<b>" not in svg and "&lt;b&gt;PHQ-9&lt;/b&gt;" in svg
