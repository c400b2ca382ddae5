"""Two first requests for a visit's link at the same moment (the reminder worker and the
patient's "My appointments") get the same room and the same link."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from telehealth.models import JoinPass, VideoRoom
from telehealth.passes import issue_pass, token_for
from tests.telehealth.conftest import book_video, la


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_first_requests_for_a_link_agree_on_one_room_and_one_link(clinic):
    visit = book_video(service=clinic.follow_up, patient=clinic.ana, start=la(9), staff=clinic.lee)
    barrier = threading.Barrier(4)
    tokens, errors = [], []

    def first_link():
        try:
            barrier.wait(timeout=10)
            tokens.append(token_for(issue_pass(appointment=visit)))
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=first_link) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    assert len(set(tokens)) == 1 and len(tokens) == 4
    assert VideoRoom.objects.filter(appointment=visit).count() == 1
    assert JoinPass.objects.filter(appointment=visit).count() == 1
