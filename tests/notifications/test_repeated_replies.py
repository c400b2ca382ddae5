"""A patient who texts the same keyword twice about the same visit (C, then C again) is answered
once, and the second text is recorded like the first: it must not fail the webhook (which the
provider would retry for ever) on the outbox's one-live-row-per-step rule."""

from __future__ import annotations

import pytest

from notifications.inbound import receive_sms
from notifications.models import InboundMessage, OutboundMessage
from tests.notifications.conftest import book

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("body", "kind"), [("C", "reply_confirmed"), ("R", "reply_reschedule")])
def test_the_same_keyword_twice_about_one_visit_is_recorded_twice_and_answered_once(clock, patient, body, kind):
    appointment = book(patient=patient)

    for sid in ("SM1", "SM2"):
        receive_sms(provider_id=sid, from_number=str(patient.phone), to_number="+16025550199", body=body)

    assert InboundMessage.objects.filter(appointment=appointment).count() == 2
    assert OutboundMessage.objects.filter(appointment=appointment, kind=kind).count() == 1
