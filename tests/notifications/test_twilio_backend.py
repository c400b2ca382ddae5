"""The Twilio backend, built on the official SDK, against the local fake Twilio server."""

from __future__ import annotations

import datetime as dt

import pytest
import requests

from devtools.fake_twilio import DEFAULT_ACCOUNT_SID, FakeTwilio
from notifications.channels import twilio as twilio_channel
from notifications.channels.sms import SmsError
from notifications.channels.twilio import TwilioSmsBackend
from tests.notifications.conftest import free_port

TOKEN = "fake-token-for-tests"


@pytest.fixture
def fake(settings, monkeypatch):
    monkeypatch.setattr(twilio_channel, "REQUEST_TIMEOUT", 1.0)
    monkeypatch.setattr(twilio_channel, "_clients", {})
    with FakeTwilio(auth_token=TOKEN, callbacks=False) as server:
        settings.TWILIO_ACCOUNT_SID, settings.TWILIO_AUTH_TOKEN = DEFAULT_ACCOUNT_SID, TOKEN
        settings.TWILIO_FROM_NUMBER, settings.TWILIO_API_BASE_URL = "+16025550199", server.url
        yield server


def test_a_text_goes_through_the_sdk_to_the_fake_server(fake):
    result = TwilioSmsBackend().send(to="+16025550123", body="Clearday Clinic: hello",
                                     status_callback="https://clinic.example/webhooks/sms/status?m=1")
    assert result.provider_id.startswith("SM") and result.status == "queued"
    [message] = fake.sent_to("+16025550123")
    assert (message["sid"], message["from"], message["body"]) == (result.provider_id, "+16025550199",
                                                                  "Clearday Clinic: hello")
    assert message["status_callback"] == "https://clinic.example/webhooks/sms/status?m=1"


def test_wrong_credentials_are_a_permanent_error(fake, settings):
    settings.TWILIO_AUTH_TOKEN = "wrong"
    with pytest.raises(SmsError) as error:
        TwilioSmsBackend().send(to="+16025550123", body="hi")
    assert (error.value.temporary, error.value.provider_code) == (False, "20003")
    assert fake.stats()["received"] == 0


def test_a_server_error_is_temporary_and_certain(fake):
    fake.fail_next(1, status=500)
    with pytest.raises(SmsError) as error:
        TwilioSmsBackend().send(to="+16025550123", body="hi")
    assert (error.value.temporary, error.value.uncertain) == (True, False)


@pytest.mark.parametrize(("to", "code"), [("555-0123", "21211")])
def test_an_invalid_number_is_a_permanent_error_with_twilios_code(fake, to, code):
    with pytest.raises(SmsError) as error:
        TwilioSmsBackend().send(to=to, body="hi")
    assert (error.value.temporary, error.value.provider_code) == (False, code)


def test_an_unsubscribed_recipient_is_refused_with_21610(fake):
    fake.opted_out.add("+16025550123")
    with pytest.raises(SmsError) as error:
        TwilioSmsBackend().send(to="+16025550123", body="hi")
    assert error.value.provider_code == twilio_channel.UNSUBSCRIBED_CODE


def test_no_answer_is_uncertain_and_the_lookup_finds_a_message_twilio_accepted(fake):
    fake.fail_next(1, hang=2.0, record=True)
    since = dt.datetime.now(dt.UTC) - dt.timedelta(seconds=5)
    with pytest.raises(SmsError) as error:
        TwilioSmsBackend().send(to="+16025550123", body="Clearday Clinic: reminder")
    assert (error.value.temporary, error.value.uncertain) == (True, True)
    found = TwilioSmsBackend().find_sent(to="+16025550123", body="Clearday Clinic: reminder", since=since)
    assert found is not None and found.provider_id == fake.sent_to("+16025550123")[0]["sid"]
    assert TwilioSmsBackend().find_sent(to="+16025550123", body="Clearday Clinic: reminder", since=since,
                                        exclude_ids=frozenset({found.provider_id})) is None


def test_no_answer_for_a_message_twilio_dropped_is_not_found_by_the_lookup(fake):
    fake.fail_next(1, hang=2.0, record=False)
    with pytest.raises(SmsError) as error:
        TwilioSmsBackend().send(to="+16025550123", body="lost")
    assert error.value.uncertain
    assert TwilioSmsBackend().find_sent(to="+16025550123", body="lost",
                                        since=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1)) is None


def test_an_unreachable_server_is_temporary_and_certain(fake, settings):
    settings.TWILIO_API_BASE_URL = f"http://127.0.0.1:{free_port()}"
    with pytest.raises(SmsError) as error:
        TwilioSmsBackend().send(to="+16025550123", body="hi")
    assert (error.value.temporary, error.value.uncertain) == (True, False)


def test_a_missing_configuration_says_what_to_set(settings):
    settings.TWILIO_ACCOUNT_SID = ""
    with pytest.raises(SmsError, match="set TWILIO_ACCOUNT_SID, TWILIO_AUTH_TOKEN and TWILIO_FROM_NUMBER"):
        TwilioSmsBackend()


def test_the_fake_server_counts_duplicates_and_can_be_reset_over_http(fake):
    backend = TwilioSmsBackend()
    for body in ("one", "two", "one"):
        backend.send(to="+16025550123", body=body)
    stats = requests.get(f"{fake.url}/_fake/stats", timeout=5).json()
    assert (stats["received"], stats["distinct"], stats["duplicates"]) == (3, 2, 1)
    assert stats["first_at"] <= stats["last_at"]
    requests.post(f"{fake.url}/_fake/reset", json={}, timeout=5)
    assert fake.stats()["received"] == 0
