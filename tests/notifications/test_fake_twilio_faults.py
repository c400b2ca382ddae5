"""The fake Twilio's fault modes, which the fault drills (bench/drills/) rely on: a window of
server errors, numbers refused as invalid, and the count of faults it served."""

from __future__ import annotations

import pytest
import requests

from devtools.fake_twilio import DEFAULT_ACCOUNT_SID, FakeTwilio
from notifications.channels import twilio as twilio_channel
from notifications.channels.sms import SmsError
from notifications.channels.twilio import TwilioSmsBackend

TOKEN = "fake-token-for-tests"


class Clock:
    """The fake's clock for fault windows, moved by hand."""

    def __init__(self):
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def fake(settings, monkeypatch, clock):
    monkeypatch.setattr(twilio_channel, "_clients", {})
    with FakeTwilio(auth_token=TOKEN, callbacks=False, clock=clock) as server:
        settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = DEFAULT_ACCOUNT_SID, TOKEN
        settings.TWILIO_FROM_NUMBER, settings.TWILIO_API_BASE_URL = "+16025550199", server.url
        yield server


def _send(to: str = "+16025550123", body: str = "Clearday Clinic: hello"):
    return TwilioSmsBackend().send(to=to, body=body)


def test_every_text_fails_with_a_server_error_during_a_fault_window_and_goes_through_after(fake, clock):
    fake.fail_for(20, status=500)

    for _ in range(3):
        with pytest.raises(SmsError) as error:
            _send()
        assert (error.value.temporary, error.value.uncertain) == (True, False)
    clock.now += 20
    result = _send()

    assert result.provider_id.startswith("SM")
    stats = fake.stats()
    assert (stats["received"], stats["faults"]) == (1, 3)


def test_a_refused_number_is_a_permanent_21211_error(fake):
    fake.refuse(["+16025550123"])

    with pytest.raises(SmsError) as error:
        _send()
    _send(to="+16025550124")

    assert (error.value.temporary, error.value.provider_code) == (False, "21211")
    assert [m["to"] for m in fake.messages] == ["+16025550124"]


def test_the_control_endpoint_opens_a_fault_window_and_refuses_numbers(fake, clock):
    requests.post(f"{fake.url}/_fake/fail", json={"seconds": 5, "status": 503}, timeout=5).raise_for_status()
    requests.post(f"{fake.url}/_fake/refuse", json={"numbers": ["+16025550999"]}, timeout=5).raise_for_status()

    with pytest.raises(SmsError, match="503"):
        _send()
    clock.now += 5
    _send()
    with pytest.raises(SmsError) as refused:
        _send(to="+16025550999")

    assert refused.value.provider_code == "21211"
    assert requests.get(f"{fake.url}/_fake/stats", timeout=5).json()["faults"] == 1
