"""The check-in form: every question answered in range with clear messages, in English or
Spanish; a positive PHQ-2 continues to the rest of the PHQ-9 on the server; answers are stored
with their scores once, and "book integration therapy?" opens booking with the therapist."""

from __future__ import annotations

import pytest

from checkins.models import CheckInAnswers, CheckInStatus
from scheduling.models import AppointmentStatus as S
from tests.checkins.conftest import checkin, completed_visit, first_page, HOUR, url, VISIT_END
from tests.factories import AppointmentFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def visit(clinic, clock):
    appointment = completed_visit(clinic, staff=[clinic.nurse])
    clock.move_to(VISIT_END + 25 * HOUR)
    return appointment


@pytest.fixture
def day3(clock):
    """When the 72-hour check-in is open (the 24-hour one has closed)."""
    clock.move_to(VISIT_END + 73 * HOUR)


def test_the_24h_form_asks_mood_lingering_effects_free_text_and_integration_therapy(client, visit):
    page = client.get(url(checkin(visit, "24h"))).content.decode()
    for text in ("How has your mood been since your visit?", "0 = very low", "10 = very good",
                 "Any lingering effects from your visit?", "Nausea or vomiting", "Dizziness",
                 "Feeling detached or unreal, and it has not gone away", "Something else",
                 "Anything else you want your care team to know?",
                 "Would you like to book an integration therapy session?"):
        assert text in page, text
    assert "How well have you been sleeping?" not in page
    assert "Little interest or pleasure" not in page
    assert '<legend>How has your mood been since your visit?</legend>' in page
    assert 'for="id_mood_0"' in page
    assert "<script" not in page and "https://" not in page.split("<main")[0]  # no scripts, nothing from a CDN


def test_missing_and_out_of_range_answers_are_refused_with_a_message_for_each(client, visit, day3):
    item = checkin(visit, "72h")
    data = first_page(item, mood="11", phq_2="4")
    del data["sleep"]
    data["side_effects"] = ["none", "nausea"]
    response = client.post(url(item), data)
    assert response.status_code == 400
    page = response.content.decode()
    for message in ("Please check the answers marked below.", "Choose a number from 0 to 10 for your mood.",
                    "Choose a number from 0 to 10 for your sleep.",
                    "Answer question 2: choose one of the four options.",
                    "“No lingering effects” cannot be chosen together with an effect."):
        assert message in page, message
    assert not CheckInAnswers.objects.exists()


def test_something_else_needs_words(client, visit):
    item = checkin(visit, "24h")
    response = client.post(url(item), first_page(item, side_effects=["other"]))
    assert "Tell us what the other effect is." in response.content.decode()


def test_a_low_phq2_finishes_the_check_in_with_its_score(client, visit, day3):
    item = checkin(visit, "72h")
    response = client.post(url(item), first_page(item, phq_1="1", phq_2="1", side_effects=["nausea", "dizziness"]))
    assert response.status_code == 200
    assert "Your answers were sent to your care team." in response.content.decode()
    answers = CheckInAnswers.objects.get(checkin=item)
    assert (answers.mood, answers.sleep, answers.side_effects) == (7, 6, ["nausea", "dizziness"])
    assert (answers.phq_items, answers.phq2_score, answers.phq9_score) == ([1, 1], 2, None)
    item.refresh_from_db()
    assert item.status == CheckInStatus.ANSWERED


def test_a_phq2_of_three_or_more_continues_with_the_rest_of_the_phq9(client, visit, day3):
    item = checkin(visit, "72h")
    response = client.post(url(item), first_page(item, phq_1="2", phq_2="1"))
    assert response.status_code == 302
    item.refresh_from_db()
    assert item.status == CheckInStatus.IN_PROGRESS
    page = client.get(response["Location"]).content.decode()
    assert "A few more questions" in page
    assert "Trouble falling or staying asleep, or sleeping too much" in page  # item 3
    assert "Thoughts that you would be better off dead" in page  # item 9
    assert "Little interest or pleasure" not in page  # items 1-2 are not asked again
    assert "How has your mood been" not in page
    rest = {f"phq_{n}": "1" for n in range(3, 10)} | {"phq_9": "0"}
    assert client.post(url(item), rest).status_code == 200
    answers = CheckInAnswers.objects.get(checkin=item)
    assert answers.phq_items == [2, 1, 1, 1, 1, 1, 1, 1, 0]
    assert (answers.phq2_score, answers.phq9_score) == (3, 9)
    assert answers.free_text == "Feeling lighter today."  # the first page is kept


def test_the_7_day_check_in_scores_the_phq9_and_the_gad7(client, visit, clock):
    clock.move_to(VISIT_END + 169 * HOUR)
    item = checkin(visit, "7d")
    page = client.get(url(item)).content.decode()
    assert "Feeling nervous, anxious, or on edge" in page
    items = {f"phq_{n}": str(v) for n, v in enumerate([2, 2, 1, 1, 1, 1, 1, 1, 0], start=1)}
    items |= {f"gad_{n}": str(v) for n, v in enumerate([3, 2, 2, 1, 1, 1, 0], start=1)}
    assert client.post(url(item), first_page(item, **items)).status_code == 200
    answers = CheckInAnswers.objects.get(checkin=item)
    assert (answers.phq9_score, answers.gad7_score, answers.phq2_score) == (10, 10, 4)


def test_an_answered_check_in_cannot_be_submitted_again(client, visit):
    item = checkin(visit, "24h")
    client.post(url(item), first_page(item, mood="3"))
    again = client.post(url(item), first_page(item, mood="9"))
    assert again.status_code == 200
    assert "This check-in has already been answered. Thank you." in again.content.decode()
    assert CheckInAnswers.objects.get(checkin=item).mood == 3
    assert "already been answered" in client.get(url(item)).content.decode()


def test_the_spanish_form_and_its_messages(client, clinic, visit, day3):
    clinic.patient.language = "es"
    clinic.patient.save()
    item = checkin(visit, "72h")
    item.language = "es"
    item.save()
    page = client.get(url(item)).content.decode()
    assert '<html lang="es">' in page
    for text in ("¿Cómo se encuentra?", "¿Cómo ha estado su ánimo desde su cita?", "0 = muy bajo", "Mareos",
                 "Durante las últimas 2 semanas, ¿qué tan seguido ha tenido molestias debido a los siguientes "
                 "problemas?", "Poco interés o placer en hacer cosas", "Ningún día", "Casi todos los días",
                 "¿Le gustaría reservar una sesión de terapia de integración?", "Enviar mis respuestas"):
        assert text in page, text
    data = first_page(item)
    del data["mood"]
    response = client.post(url(item), data)
    assert "Elija un número del 0 al 10 para su ánimo." in response.content.decode()
    assert "Revise las respuestas marcadas abajo." in response.content.decode()


def test_the_language_can_be_switched_on_the_page(client, visit):
    item = checkin(visit, "24h")
    english = client.get(url(item)).content.decode()
    assert 'href="?lang=es"' in english
    assert "¿Cómo ha estado su ánimo" in client.get(url(item, lang="es")).content.decode()


def test_wanting_integration_therapy_opens_booking_with_the_therapist_preselected(client, clinic, clock):
    AppointmentFactory(patient=clinic.patient, service=clinic.integration, location=None, modality="video",
                       start=VISIT_END - 72 * HOUR, end=VISIT_END - 71 * HOUR, status=S.COMPLETED)
    from tests.factories import AllocationFactory, PhaseFactory
    prep = clinic.patient.appointments.get(service=clinic.integration)
    AllocationFactory(appointment=prep, staff=clinic.therapist, phase=PhaseFactory(service=clinic.integration))
    visit = completed_visit(clinic)
    clock.move_to(VISIT_END + 25 * HOUR)
    item = checkin(visit, "24h")
    page = client.post(url(item), first_page(item, wants_integration="yes")).content.decode()
    assert f'href="/book/?service=integration&amp;staff={clinic.therapist.pk}"' in page
    assert "Book an integration session" in page
    assert CheckInAnswers.objects.get(checkin=item).wants_integration is True


def test_with_an_integration_visit_already_booked_the_question_is_not_asked(client, clinic, visit):
    AppointmentFactory(patient=clinic.patient, service=clinic.integration, location=None, modality="video",
                       start=VISIT_END + 100 * HOUR, end=VISIT_END + 101 * HOUR, status=S.BOOKED)
    page = client.get(url(checkin(visit, "24h"))).content.decode()
    assert "Would you like to book an integration therapy session?" not in page
    assert "You have an integration session booked on Fri Mar 14, 2:25 PM." in page
