"""Join links are unguessable, per person and per visit. An expired, foreign, tampered or made-up
link is refused with exactly the same response, so a refusal reveals nothing."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import override_settings

from scheduling.models import Allocation
from telehealth import passes
from telehealth.models import JoinPass
from tests.telehealth.conftest import book_video, clinician_token, la, patient_token


@pytest.fixture
def visit(clinic):
    return book_video(service=clinic.follow_up, patient=clinic.ana, start=la(9), staff=clinic.lee)


def refusal(client, token: str, at: dt.datetime) -> tuple:
    with time_machine.travel(at, tick=False):
        page = client.get(f"/visit/{token}")
        status = client.get(f"/visit/{token}/status")
        join = client.post(f"/visit/{token}/join")
    return (page.status_code, page.content, status.status_code, status.content, join.status_code, join.content)


def flip(character: str) -> str:
    return "B" if character == "A" else "A"


def test_an_expired_foreign_tampered_or_unknown_link_gets_the_same_refusal(client, clinic, visit, settings):
    token = patient_token(visit)
    later_visit = book_video(service=clinic.follow_up, patient=clinic.ana, start=la(9, day=dt.date(2025, 1, 9)),
                             staff=clinic.lee)
    expired_at = visit.end + dt.timedelta(hours=settings.TELEHEALTH_LINK_EXPIRES_HOURS)
    # Sam is not on this visit: a pass made for him is someone else's key.
    foreign = passes.token_for(JoinPass.objects.create(appointment=visit, participant="clinician", staff=clinic.sam,
                                                       lookup="S" * 16))
    with override_settings(SECRET_KEY="another-deployment-key-" + "y" * 30):
        other_deployment = patient_token(later_visit)
    cases = {
        "expired": (token, expired_at),
        "foreign": (foreign, la(9)),
        "tampered lookup": (flip(token[0]) + token[1:], la(9)),
        "tampered signature": (token[:-1] + flip(token[-1]), la(9)),
        "signed elsewhere": (other_deployment, la(9)),
        "made up": ("x" * passes.TOKEN_LENGTH, la(9)),
        "malformed": ("not-a-token", la(9)),
    }
    answers = {name: refusal(client, *case) for name, case in cases.items()}
    reference = answers.pop("made up")
    assert reference[0] == 404 and reference[2] == 404 and reference[4] == 404
    for name, answer in answers.items():
        assert answer == reference, name


def test_the_refusal_names_no_clinic_patient_or_visit(client, clinic, visit):
    with time_machine.travel(la(9), tick=False):
        html = client.get("/visit/" + "x" * passes.TOKEN_LENGTH).content.decode()
    assert "This link is not valid" in html and 'href="tel:988"' in html and 'href="/crisis?lang=en"' in html
    for secret in ("Ana", "Ruiz", "Lee", "Follow-up", "Telehealth", "9:00", "10:00"):
        assert secret not in html


def test_a_link_still_works_just_before_it_expires_and_says_the_visit_ended(client, visit, settings):
    expires = visit.end + dt.timedelta(hours=settings.TELEHEALTH_LINK_EXPIRES_HOURS)
    with time_machine.travel(expires - dt.timedelta(seconds=1), tick=False):
        response = client.get(f"/visit/{patient_token(visit)}")
    assert response.status_code == 200 and response.context["state"] == "after"


def test_a_clinician_taken_off_the_visit_loses_their_link(client, clinic, visit):
    token = clinician_token(visit, clinic.lee)
    with time_machine.travel(la(9), tick=False):
        assert client.get(f"/visit/{token}").status_code == 200
        Allocation.objects.filter(appointment=visit).delete()
        assert client.get(f"/visit/{token}").status_code == 404


def test_each_person_and_each_visit_has_its_own_link(clinic, visit):
    other = book_video(service=clinic.follow_up, patient=clinic.ana, start=la(11), staff=clinic.lee)
    tokens = {patient_token(visit), clinician_token(visit, clinic.lee), patient_token(other),
              clinician_token(other, clinic.lee)}
    assert len(tokens) == 4
    assert patient_token(visit) == patient_token(visit)  # the same person keeps the same link


def test_links_survive_a_key_rotation_that_keeps_the_old_key_as_a_fallback(client, visit, settings):
    token = patient_token(visit)
    settings.SECRET_KEY_FALLBACKS = [settings.SECRET_KEY]
    settings.SECRET_KEY = "the-new-key-" + "z" * 40
    with time_machine.travel(la(8), tick=False):
        assert client.get(f"/visit/{token}").status_code == 200


def test_the_database_alone_cannot_produce_a_working_link(visit):
    join_pass = passes.issue_pass(appointment=visit)
    token = passes.token_for(join_pass)
    stored = {field.attname: getattr(join_pass, field.attname) for field in JoinPass._meta.concrete_fields}
    assert token not in [str(value) for value in stored.values()]
    assert token[passes.LOOKUP_LENGTH:] not in "".join(str(value) for value in stored.values())


def test_a_cancelled_visit_says_so_to_the_patient_and_a_moved_one_points_to_the_new_link(client, clinic):
    cancelled = book_video(service=clinic.follow_up, patient=clinic.ana, start=la(9), staff=clinic.lee)
    moved = book_video(service=clinic.follow_up, patient=clinic.ana, start=la(11), staff=clinic.lee)
    cancelled.status, moved.status = "cancelled", "rescheduled"
    cancelled.save(), moved.save()
    with time_machine.travel(la(9), tick=False):
        assert client.get(f"/visit/{patient_token(cancelled)}").context["state"] == "cancelled"
        assert client.get(f"/visit/{patient_token(moved)}").context["state"] == "moved"
