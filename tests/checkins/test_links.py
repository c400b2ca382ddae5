"""The check-in link opens one check-in of one patient until it expires. A tampered, unknown or
expired link, or one opened by another signed-in patient, gets one and the same page that names
nobody. Before its due time a link only says when the check-in opens."""

from __future__ import annotations

import datetime as dt

import pytest

from checkins import links, services
from checkins.models import CheckInAnswers
from core.errors import Unprocessable
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
    outcome = services.submit(checkin_id=item.pk, page="first", now=item.expires_at,
                              answers=services.PageAnswers(mood=5, side_effects=[]))
    assert outcome.state == "closed"
    assert not CheckInAnswers.objects.exists()


def test_before_its_due_time_the_link_says_when_it_opens_and_takes_no_answers(client, clinic, clock):
    visit = completed_visit(clinic)  # it is 10:30 on Monday; the 24h check-in is due 10:25 on Tuesday
    item = checkin(visit, "24h")

    page = client.get(url(item))
    posted = client.post(url(item), first_page(item))
    spanish = client.get(url(item, lang="es")).content.decode()
    response = api_client().post(f"/api/v1/checkins/{links.token_for(item)}", {}, format="json")

    assert page.status_code == posted.status_code == 200
    text = page.content.decode()
    assert "This check-in is not open yet. You can answer it from Tue Mar 11, 10:25 AM MST" in text
    assert "How are you doing?" not in text and 'name="mood"' not in posted.content.decode()
    assert "Este cuestionario todavía no está abierto" in spanish
    assert (response.status_code, response.json()["code"]) == (422, "checkin_not_open")
    assert response.json()["opens_at"] == item.due_at.isoformat()
    assert response.json()["detail"] == (
        "This check-in is not open yet: it can be answered from Tue Mar 11, 10:25 AM MST.")
    assert not CheckInAnswers.objects.exists()
    clock.move_to(item.due_at)
    assert "How are you doing?" in client.get(url(item)).content.decode()


def test_the_answering_service_itself_refuses_a_check_in_before_its_due_time(clinic, clock):
    item = checkin(completed_visit(clinic), "24h")

    with pytest.raises(Unprocessable) as err:
        services.submit(checkin_id=item.pk, page="first", now=item.due_at - dt.timedelta(seconds=1),
                        answers=services.PageAnswers(mood=5, side_effects=["none"], wants_integration=False))

    assert err.value.code == "checkin_not_open"
    item.refresh_from_db()
    assert item.status == "pending" and not CheckInAnswers.objects.exists()
