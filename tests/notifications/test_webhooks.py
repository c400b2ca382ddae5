"""Twilio's webhooks: only correctly signed requests count; replies act on the visit and consent."""

from __future__ import annotations

import datetime as dt
import re
from urllib.parse import urlencode

import pytest
from django.test import Client
from twilio.request_validator import RequestValidator

from notifications.models import ConsentEvent, InboundMessage, MessageStatus as M, OutboundMessage
from scheduling.models import AppointmentEvent
from tests.factories import PatientFactory
from tests.notifications.conftest import AUTH_TOKEN, book, NOW, rows, run_dispatcher, texts_to

pytestmark = pytest.mark.django_db
PUBLIC = "https://clinic.example"
INBOUND, STATUS = "/webhooks/sms/inbound", "/webhooks/sms/status"
_sids = iter(range(10**6))


def post(path: str, params: dict, *, signature: str | None = "sign", signed_url: str | None = None,
         token: str = AUTH_TOKEN, **extra):
    """POST as Twilio does: form-encoded, signed over the public URL (unless told otherwise)."""
    headers = dict(extra)
    if signature == "sign":
        signature = RequestValidator(token).compute_signature(signed_url or PUBLIC + path, params)
    if signature is not None:
        headers["HTTP_X_TWILIO_SIGNATURE"] = signature
    return Client().post(path, data=urlencode(params), content_type="application/x-www-form-urlencoded", **headers)


def text_in(sender: str, body: str, **kwargs):
    params = {"MessageSid": f"SM{next(_sids):032d}", "AccountSid": "AC1", "From": sender, "To": "+16025550199",
              "Body": body}
    return post(INBOUND, params, **kwargs)


# --- Signatures ------------------------------------------------------------------------------

def test_a_correctly_signed_text_is_accepted_with_empty_twiml(clock, patient):
    response = text_in(str(patient.phone), "Hello?")
    assert response.status_code == 200
    assert response["Content-Type"] == "text/xml"
    assert response.content.decode().endswith("<Response></Response>")
    assert InboundMessage.objects.count() == 1


@pytest.mark.parametrize("how", ["missing", "wrong token", "tampered", "signed for another url"])
def test_an_unsigned_or_wrongly_signed_request_is_refused_and_changes_nothing(clock, patient, how):
    kwargs = {"missing": {"signature": None}, "wrong token": {"token": "not-the-token"},
              "tampered": {"signature": RequestValidator(AUTH_TOKEN).compute_signature(PUBLIC + INBOUND, {"Body": "x"})},
              "signed for another url": {"signed_url": "https://evil.example" + INBOUND}}[how]
    response = text_in(str(patient.phone), "STOP", **kwargs)
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert InboundMessage.objects.count() == 0
    patient.refresh_from_db()
    assert not patient.sms_opted_out
    status = post(STATUS, {"MessageSid": "SMx", "MessageStatus": "delivered"}, **kwargs)
    assert status.status_code == 403


def test_behind_a_proxy_the_signature_is_checked_against_the_public_url_not_the_internal_one(clock, patient,
                                                                                            settings):
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "web"]
    # The proxy terminates TLS and forwards http://web:8000/...; Twilio signed https://clinic.example/...
    response = text_in(str(patient.phone), "Hi", HTTP_HOST="web:8000")
    assert response.status_code == 200
    internal = text_in(str(patient.phone), "Hi", HTTP_HOST="web:8000", signed_url="http://web:8000" + INBOUND)
    assert internal.status_code == 403


def test_a_retried_webhook_is_recorded_once(clock, patient):
    params = {"MessageSid": "SMretry", "From": str(patient.phone), "To": "+16025550199", "Body": "HELP"}
    assert post(INBOUND, params).status_code == 200
    assert post(INBOUND, params).status_code == 200
    assert InboundMessage.objects.count() == 1
    assert OutboundMessage.objects.filter(kind="reply_help").count() == 1


# --- Keywords --------------------------------------------------------------------------------

@pytest.mark.parametrize("word", ["C", "confirm", "Sí", "si."])
def test_a_confirmation_reply_is_recorded_on_the_next_visit_and_acknowledged(clock, patient, word):
    appointment = book(patient=patient)
    text_in(str(patient.phone), word)
    event = AppointmentEvent.objects.get(appointment=appointment)
    assert (event.action, event.actor_kind) == ("confirmed_by_patient", "sms")
    inbound = InboundMessage.objects.get()
    assert (inbound.action, inbound.appointment, inbound.needs_attention) == ("confirm", appointment, False)
    run_dispatcher()
    assert texts_to(str(patient.phone))[-1].startswith("Clearday Clinic: thank you, your visit on Fri Mar 7, 10:00 AM")


def test_a_reschedule_reply_asks_the_desk_to_call_and_sends_a_link(clock, patient):
    appointment = book(patient=patient)
    text_in(str(patient.phone), "R")
    inbound = InboundMessage.objects.get()
    assert (inbound.action, inbound.needs_attention) == ("reschedule", True)
    assert inbound.attention_reason == "Asked to reschedule: please call the patient."
    assert AppointmentEvent.objects.get(appointment=appointment).action == "reschedule_requested"
    run_dispatcher()
    assert re.search(r"https://clinic\.example/\S+", texts_to(str(patient.phone))[-1])


@pytest.mark.parametrize("word", ["STOP", "stopall", "Unsubscribe", "end", "QUIT", "revoke", "OPTOUT", "opt out",
                                  "Opt-Out"])
def test_every_revocation_word_opts_out_with_one_confirmation(clock, patient, word):
    book(patient=patient)
    text_in(str(patient.phone), word)
    text_in(str(patient.phone), word)
    patient.refresh_from_db()
    assert patient.sms_opted_out
    events = ConsentEvent.objects.filter(patient=patient)
    assert [(e.action, e.source) for e in events] == [("revoked", "sms_keyword")]
    run_dispatcher()
    sent = texts_to(str(patient.phone))
    assert len(sent) == 1 and "no more texts" in sent[0]


def test_cancel_also_asks_the_desk_because_the_patient_may_mean_the_visit(clock, patient):
    appointment = book(patient=patient)
    text_in(str(patient.phone), "Cancel")
    inbound = InboundMessage.objects.get()
    assert (inbound.needs_attention, inbound.appointment) == (True, appointment)
    assert "may want to cancel the visit" in inbound.attention_reason


def test_start_resubscribes_and_the_history_keeps_both_changes(clock, patient):
    text_in(str(patient.phone), "STOP")
    text_in(str(patient.phone), "unstop")
    patient.refresh_from_db()
    assert not patient.sms_opted_out
    assert list(ConsentEvent.objects.filter(patient=patient).values_list("action", flat=True)) == [
        "revoked", "resubscribed"]
    run_dispatcher()
    assert "visit texts again" in texts_to(str(patient.phone))[-1]


@pytest.mark.parametrize(("word", "expected"), [
    ("HELP", "Msg & data rates may apply. Call (602) 555-0100."),
    ("ayuda", "Pueden aplicar tarifas de mensajes y datos. Tel. (602) 555-0100."),
])
def test_help_answers_with_the_clinic_name_its_number_and_the_rates_notice(clock, patient, word, expected):
    text_in(str(patient.phone), word)
    run_dispatcher()
    reply = texts_to(str(patient.phone))[-1]
    assert reply.startswith("Clearday Clinic: ")
    assert expected in reply


def test_help_is_answered_even_after_stop_and_from_an_unknown_number(clock, patient):
    text_in(str(patient.phone), "STOP")
    text_in(str(patient.phone), "HELP")
    text_in("+15005550006", "HELP")
    run_dispatcher()
    assert "Msg & data rates" in texts_to(str(patient.phone))[-1]
    assert "Msg & data rates" in texts_to("+15005550006")[-1]


def test_anything_else_waits_in_the_front_desk_inbox(clock, patient):
    appointment = book(patient=patient)
    text_in(str(patient.phone), "Can I bring my sister?")
    inbound = InboundMessage.objects.get()
    assert (inbound.action, inbound.needs_attention, inbound.appointment) == ("other", True, appointment)
    run_dispatcher()
    assert len(texts_to(str(patient.phone))) == 0


def test_a_shared_number_opts_out_every_patient_who_uses_it(clock, patient):
    sibling = PatientFactory(phone=str(patient.phone))
    text_in(str(patient.phone), "STOP")
    assert {p.sms_opted_out for p in (patient, sibling) if not p.refresh_from_db()} == {True}


# --- Delivery receipts -----------------------------------------------------------------------

def sent_message(clock, patient) -> OutboundMessage:
    appointment = book(patient=patient)
    clock.move_to(NOW + dt.timedelta(minutes=5))
    run_dispatcher()
    return rows(appointment, kind="confirmation").get()


def receipt(message, status: str, **extra):
    params = {"MessageSid": message.provider_id, "MessageStatus": status, **extra}
    path = f"{STATUS}?m={message.pk}"
    return post(path, params)


def test_receipts_move_a_message_forward_and_never_back(clock, patient):
    message = sent_message(clock, patient)
    assert receipt(message, "sent").status_code == 204
    assert receipt(message, "delivered").status_code == 204
    message.refresh_from_db()
    assert (message.status, message.provider_status) == (M.DELIVERED, "delivered")
    delivered_at = message.delivered_at
    receipt(message, "sent")
    receipt(message, "delivered")
    message.refresh_from_db()
    assert (message.status, message.provider_status, message.delivered_at) == (M.DELIVERED, "delivered", delivered_at)


def test_a_late_sent_receipt_after_delivered_changes_nothing(clock, patient):
    message = sent_message(clock, patient)
    receipt(message, "delivered")
    receipt(message, "queued")
    receipt(message, "sent")
    message.refresh_from_db()
    assert message.provider_status == "delivered"


def test_an_undelivered_receipt_fails_the_message_for_the_front_desk(clock, patient):
    message = sent_message(clock, patient)
    receipt(message, "undelivered", ErrorCode="30003")
    message.refresh_from_db()
    assert (message.status, message.provider_error_code) == (M.FAILED, "30003")
    assert message.last_error == "The carrier reports the text undelivered (error 30003)."


def test_a_receipt_settles_a_message_whose_worker_died_before_recording_the_send(clock, patient):
    message = sent_message(clock, patient)
    OutboundMessage.objects.filter(pk=message.pk).update(status=M.SENDING, provider_id="", provider_status="")
    post(f"{STATUS}?m={message.pk}", {"MessageSid": "SMfromtheprovider", "MessageStatus": "sent"})
    message.refresh_from_db()
    assert (message.status, message.provider_id) == (M.SENT, "SMfromtheprovider")


def test_a_receipt_for_an_unknown_message_is_accepted_and_ignored(clock, patient):
    assert post(STATUS, {"MessageSid": "SMunknown", "MessageStatus": "delivered"}).status_code == 204
