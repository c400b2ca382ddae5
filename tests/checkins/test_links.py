"""The check-in link opens one check-in of one patient until it expires. A tampered, unknown or
expired link, or one opened by another signed-in patient, gets one and the same page that names
nobody."""

from __future__ import annotations

import pytest

from checkins import links
from checkins.models import CheckInAnswers
from tests.checkins.conftest import api_client, checkin, completed_visit, first_page, HOUR, url, VISIT_END
from tests.factories import PatientFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def item(clinic, clock):
    visit = completed_visit(clinic)
    clock.move_to(VISIT_END + 25 * HOUR)
    return checkin(visit, "24h")


def refused_page(response) -> str:
    assert response.status_code == 404
    assert response["Referrer-Policy"] == "same-origin"
    return response.content.decode()


def test_the_link_opens_the_patients_own_form(client, item):
    response = client.get(url(item))
    assert response.status_code == 200
    assert "How are you doing?" in response.content.decode()
    assert len(links.token_for(item)) == 22
    assert item.token_hash == links.hash_token(links.token_for(item))


def test_a_tampered_an_unknown_and_an_expired_link_get_the_same_page_naming_nobody(client, item, clock):
    token = links.token_for(item)
    tampered = token[:-1] + ("A" if token[-1] != "A" else "B")
    pages = [refused_page(client.get(f"/c/{tampered}")), refused_page(client.get("/c/not-a-token")),
             refused_page(client.get(f"/c/{'x' * 22}"))]
    clock.move_to(item.expires_at)
    pages.append(refused_page(client.get(url(item))))
    assert len(set(pages)) == 1
    page = pages[0]
    assert "This check-in link is not valid or has expired." in page
    for revealing in ("Ana", "Lopez", "Camelback", "IV infusion", "Mar 10", "Mon"):
        assert revealing not in page


def test_an_expired_link_cannot_be_answered(client, item, clock):
    clock.move_to(item.expires_at)
    assert client.post(url(item), first_page(item)).status_code == 404
    assert not CheckInAnswers.objects.exists()
    response = api_client().post(f"/api/v1/checkins/{links.token_for(item)}", {"mood": 5}, format="json")
    assert (response.status_code, response.json()["code"]) == (404, "checkin_link_invalid")


def test_a_patient_can_answer_only_their_own_check_in(client, item):
    other = PatientFactory(user=UserFactory(username="bea"))
    client.force_login(other.user)
    assert refused_page(client.get(url(item)))
    assert client.post(url(item), first_page(item)).status_code == 404
    assert not CheckInAnswers.objects.exists()
    response = api_client(other.user).get(f"/api/v1/checkins/{links.token_for(item)}")
    assert response.status_code == 404
    client.force_login(item.patient.user)
    assert client.post(url(item), first_page(item)).status_code == 200
    assert CheckInAnswers.objects.get().checkin == item


def test_one_check_ins_link_never_opens_another(client, clinic, item):
    second = checkin(item.appointment, "72h")
    assert links.token_for(second) != links.token_for(item)
    assert links.resolve(links.token_for(item)) == item
    assert links.resolve(links.token_for(second)) == second


def test_the_link_cannot_be_made_from_the_database_alone(item, settings):
    token = links.token_for(item)
    settings.SECRET_KEY = "another-secret-" + "y" * 40
    assert links.token_for(item) != token


def test_answers_sent_after_the_link_closed_are_not_stored(item):
    from checkins import services

    outcome = services.submit(checkin_id=item.pk, page="first", now=item.expires_at,
                              answers=services.PageAnswers(mood=5, side_effects=[]))
    assert outcome.state == "closed"
    assert not CheckInAnswers.objects.exists()
