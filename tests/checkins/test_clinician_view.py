"""The clinician's page: a patient's check-ins with scores, and PHQ-9/GAD-7 plotted across the
course against the dosing dates as server-rendered SVG panels, with the same numbers as a table."""

from __future__ import annotations

import re

import pytest

from checkins.chart import panel_svg, PHQ9, Point
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
    panels = re.findall(r"<svg .*?</svg>", page, flags=re.S)
    assert len(panels) == 4  # PHQ-9 and GAD-7, each for a wide screen and for a phone
    phq9 = panels[0]
    assert 'role="img"' in phq9 and 'class="scores-chart chart-wide"' in phq9
    assert ("PHQ-9 from 18 (moderately severe) to 6 (mild) over 3 check-ins; 3 dosing visits. "
            "Response (50% drop from 18) at check-in 3.") in phq9
    assert len(re.findall(r"<circle [^>]*><title>PHQ-9", phq9)) == 3
    assert phq9.count("<title>Dosing visit") == 3
    assert "<title>PHQ-9 18 (moderately severe) on Mar 17</title>" in phq9
    assert "<title>Dosing visit 2 on Mar 17</title>" in phq9
    assert "GAD-7 from 14 (moderate) to 4 (minimal) over 3 check-ins" in panels[2]
    assert "<caption>PHQ-9 and GAD-7 scores and dosing visits, oldest first</caption>" in page
    assert "Dosing visits: Mar 10; Mar 17; Mar 24." in page


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
    assert panel_svg(PHQ9, [], [phx(10, 9)], zone_name="America/Phoenix") == ""
    svg = panel_svg(PHQ9, [Point(at=phx(10, 9), score=5, label="<b>PHQ-9</b>")], [], zone_name="America/Phoenix")
    assert "<b>" not in svg and "&lt;b&gt;PHQ-9&lt;/b&gt;" in svg
