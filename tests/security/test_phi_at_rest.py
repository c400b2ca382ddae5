"""Health information at rest: the patient's check-in answers, the contraindication screening, the
clinicians' notes on them, the texts a patient sends and the desk's interpreter notes are stored as
Fernet tokens. A raw read or a dump of the tables shows none of those words; the application still
scores, alerts, gates and acts on reply keywords; a wrong or missing key fails loudly; rotation
moves every value to a new key; and neither the logs nor the texts carry what the patient wrote."""

from __future__ import annotations

import datetime as dt
import importlib.util
import io
import logging
import shutil
import subprocess
from urllib.parse import urlencode

import pytest
from cryptography.fernet import Fernet, InvalidToken
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext
from rest_framework.test import APIClient
from twilio.request_validator import RequestValidator

from accounts.models import Role
from care import services as care_services
from care.models import Clearance, ContraindicationScreening
from checkins.models import CheckIn, CheckInAnswers, RiskAlert
from config import field_encryption
from notifications.inbound import receive_sms
from notifications.models import InboundMessage
from notifications.rendering import deny_listed_words
from telehealth import services as telehealth_services
from telehealth.models import InterpreterNeed
from tests.checkins.conftest import (  # noqa: F401  (fixtures: a clinic with a clinician on call, a clock)
    _messaging_settings,
    checkin,
    clinic,
    clock,
    completed_visit,
    first_page,
    HOUR,
    ON_CALL_EMAIL,
    ON_CALL_NUMBER,
    texts_to,
    url,
    VISIT_END,
)
from tests.factories import AppointmentFactory, PatientFactory, StaffMemberFactory, UserFactory

FREE_TEXT = "Since Friday I stopped the sertraline and I want to die"
OTHER_EFFECT = "pins and needles in both feet"
PATIENT_WORDS = ("sertraline", "want to die", "pins and needles", "Since Friday")
DETAILS = "Takes lisinopril 20 mg; last drink on 4 June"
CLEARANCE_NOTES = "Pregnancy ruled out by the obstetrician on 2 March"
SCREENING_WORDS = ("lisinopril", "last drink", "obstetrician", "Pregnancy ruled out")
TEXT_FROM_PATIENT = "Can I take my lamotrigine before the infusion? Still dizzy since Tuesday"
INTERPRETER_NOTES = "Deaf since birth; ASL agency booked under Ana Lopez, ref 4471"
MESSAGE_WORDS = ("lamotrigine", "Still dizzy", "Deaf since birth", "Ana Lopez")

ANSWER_COLUMNS = ("mood", "sleep", "side_effects", "side_effects_other", "phq_items", "gad7_items", "phq2_score",
                  "phq9_score", "gad7_score", "free_text")
FINDING_COLUMNS = tuple(name for name, _ in ContraindicationScreening.FINDINGS)
TABLES = ("checkins_checkinanswers", "checkins_riskalert", "care_contraindicationscreening", "care_clearance",
          "notifications_inboundmessage", "telehealth_interpreterneed")


def raw_row(table: str, pk: int, columns: tuple[str, ...]) -> dict[str, object]:
    quote = connection.ops.quote_name
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(quote(c) for c in columns)} FROM {quote(table)} WHERE id = %s", [pk])
        return dict(zip(columns, cursor.fetchone(), strict=True))


def is_fernet_token(value) -> bool:
    return isinstance(value, str) and value.startswith("gAAAAA")


@pytest.fixture
def risky_checkin(client, clinic, clock, django_capture_on_commit_callbacks):
    """The 72-hour check-in answered through the browser with a risk in the patient's own words and
    an "other" side effect; the page to the on-call clinician goes out at commit."""
    visit = completed_visit(clinic)
    clock.move_to(VISIT_END + 73 * HOUR)
    item = checkin(visit, "72h")

    def submit():
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(url(item), first_page(item, mood="2", phq_1="3", phq_2="3", side_effects=["other"],
                                                     side_effects_other=OTHER_EFFECT, free_text=FREE_TEXT))
    return item, submit


def screening_and_clearance() -> tuple[ContraindicationScreening, Clearance]:
    patient = PatientFactory()
    clinician = UserFactory(username=f"clinician-{patient.pk}", role=Role.CLINICIAN)
    StaffMemberFactory(user=clinician, roles=["prescriber"], locations=[])  # only prescribers clear
    answers = {name: name in ("pregnancy", "substance_use") for name in FINDING_COLUMNS}
    screening = care_services.record_screening(patient=patient, answers=answers, source="intake_form",
                                               details=DETAILS, actor=clinician)
    cleared = care_services.clear_patient(patient=patient, treatment="iv_ketamine", actor=clinician,
                                          evaluated_on=dt.date(2025, 2, 1), notes=CLEARANCE_NOTES)
    return screening, cleared


def text_and_interpreter_notes(*, body: str = TEXT_FROM_PATIENT,
                               notes: str = INTERPRETER_NOTES) -> tuple[InboundMessage, InterpreterNeed]:
    """A patient's text that needs a person, and an interpreter flag on their visit, written
    through the services (no webhook or API), for rotation and the migration."""
    appointment = AppointmentFactory()
    now = dt.datetime(2025, 3, 10, 17, 30, tzinfo=dt.UTC)
    text = receive_sms(provider_id=f"SM-at-rest-{appointment.pk}", from_number=str(appointment.patient.phone),
                       to_number="+16025550199", body=body, now=now)
    need = telehealth_services.flag_interpreter(appointment=appointment, language="ASL", notes=notes, actor=None,
                                                now=now)
    return text, need


def answered_checkin(patient=None, *, free_text: str = "Calmer", mood: int = 6) -> CheckInAnswers:
    """A check-in with answers, written through the ORM (no visit flow), for rotation."""
    appointment = AppointmentFactory(patient=patient or PatientFactory())
    now = dt.datetime(2025, 3, 10, 17, 30, tzinfo=dt.UTC)
    item = CheckIn.objects.create(patient=appointment.patient, appointment=appointment, step_key="24h",
                                  due_at=now, expires_at=now + 48 * HOUR, link_nonce="n",
                                  token_hash=f"{appointment.pk:064d}")
    return CheckInAnswers.objects.create(checkin=item, mood=mood, sleep=5, side_effects=["nausea"],
                                         phq_items=[1, 2], phq2_score=3, free_text=free_text)


# --- What a raw read of the tables shows ------------------------------------------------------

@pytest.mark.django_db
def test_a_risky_checkin_is_stored_as_tokens_and_still_scores_and_alerts(risky_checkin):
    item, submit = risky_checkin
    response = submit()

    assert "You are not alone" in response.content.decode()
    answers = CheckInAnswers.objects.get(checkin=item)
    assert (answers.free_text, answers.side_effects_other, answers.side_effects) == (
        FREE_TEXT, OTHER_EFFECT, ["other"])
    assert (answers.mood, answers.phq_items, answers.phq2_score) == (2, [3, 3], 6)
    alert = RiskAlert.objects.get(checkin=item)
    assert [reason["detail"] for reason in alert.reasons] == [
        "Says they want to die (matched 'want to die' in the patient's own words)."]

    stored = raw_row("checkins_checkinanswers", answers.pk, ANSWER_COLUMNS)
    assert all(is_fernet_token(stored[c]) for c in ("mood", "sleep", "side_effects", "side_effects_other",
                                                     "phq_items", "phq2_score", "free_text")), stored
    assert stored["phq9_score"] is None and stored["gad7_score"] is None  # not asked: NULL, not a token
    stored_alert = raw_row("checkins_riskalert", alert.pk, ("reasons", "note"))
    assert is_fernet_token(stored_alert["reasons"])
    dump = repr(stored) + repr(stored_alert)
    for words in (*PATIENT_WORDS, "Says they want", "[3, 3]"):
        assert words not in dump, words


@pytest.mark.django_db
def test_an_acknowledged_alert_keeps_the_clinicians_note_as_a_token(risky_checkin, clinic):
    from checkins import alerts

    item, submit = risky_checkin
    submit()
    alert = alerts.acknowledge(alert_id=RiskAlert.objects.get(checkin=item).pk, user=clinic.doctor.user,
                               note="Called her; she is safe with her sister tonight")
    assert RiskAlert.objects.get(pk=alert.pk).note == "Called her; she is safe with her sister tonight"
    stored = raw_row("checkins_riskalert", alert.pk, ("note",))["note"]
    assert is_fernet_token(stored) and "sister" not in stored


@pytest.mark.django_db
def test_screening_answers_details_and_clearance_notes_are_tokens_of_one_length_per_answer():
    screening, cleared = screening_and_clearance()

    stored = raw_row("care_contraindicationscreening", screening.pk, (*FINDING_COLUMNS, "details"))
    assert all(is_fernet_token(value) for value in stored.values()), stored
    # A yes and a no pad to the same length: the size of a token does not give the answer away.
    assert len({len(stored[name]) for name in FINDING_COLUMNS}) == 1
    stored_clearance = raw_row("care_clearance", cleared.pk, ("notes", "revoke_reason"))
    assert is_fernet_token(stored_clearance["notes"])
    dump = repr(stored) + repr(stored_clearance)
    for words in SCREENING_WORDS:
        assert words not in dump, words

    again = ContraindicationScreening.objects.get(pk=screening.pk)
    assert again.findings() == ["Pregnancy", "Substance use (history or current)"]
    assert (again.details, again.uncontrolled_hypertension, again.pregnancy) == (DETAILS, False, True)
    assert Clearance.objects.get(pk=cleared.pk).notes == CLEARANCE_NOTES


def text_in(body: str, *, sid: str, sender: str):
    """POST to the inbound webhook as Twilio does: form-encoded and signed over the public URL."""
    params = {"MessageSid": sid, "AccountSid": "AC1", "From": sender, "To": "+16025550199", "Body": body}
    signature = RequestValidator("test-twilio-auth-token").compute_signature(
        "https://clinic.example/webhooks/sms/inbound", params)
    return APIClient().post("/webhooks/sms/inbound", data=urlencode(params),
                            content_type="application/x-www-form-urlencoded", HTTP_X_TWILIO_SIGNATURE=signature)


@pytest.mark.django_db
def test_a_patients_texts_are_stored_as_tokens_and_keywords_and_the_desk_inbox_still_read_them(
        clinic, clock, settings):
    settings.TWILIO_AUTH_TOKEN = "test-twilio-auth-token"
    phone = str(clinic.patient.phone)
    assert text_in(TEXT_FROM_PATIENT, sid="SM-words", sender=phone).status_code == 200
    assert text_in("Stop.", sid="SM-stop", sender=phone).status_code == 200

    words, stop = InboundMessage.objects.get(provider_id="SM-words"), InboundMessage.objects.get(provider_id="SM-stop")
    assert (words.body, words.action, words.needs_attention) == (TEXT_FROM_PATIENT, "other", True)
    assert (stop.body, stop.action) == ("Stop.", "stop")
    clinic.patient.refresh_from_db()
    assert clinic.patient.sms_opted_out
    for text in (words, stop):
        stored = raw_row("notifications_inboundmessage", text.pk, ("body",))["body"]
        assert is_fernet_token(stored), stored
        assert not any(w in stored for w in (*MESSAGE_WORDS, "Stop")), stored

    desk = APIClient()
    desk.force_authenticate(clinic.desk.user)
    inbox = desk.get("/api/v1/messages/inbox")
    assert inbox.status_code == 200
    assert [item["body"] for item in inbox.json()["results"]] == [TEXT_FROM_PATIENT]


@pytest.mark.django_db
def test_the_desks_interpreter_notes_are_stored_as_a_token_and_read_back_in_clear(clinic):
    visit = AppointmentFactory(patient=clinic.patient, service=clinic.integration, location=clinic.site)
    desk = APIClient()
    desk.force_authenticate(clinic.desk.user)

    flagged = desk.put(f"/api/v1/telehealth/appointments/{visit.pk}/interpreter",
                       {"language": "ASL", "notes": INTERPRETER_NOTES}, format="json")

    assert flagged.status_code == 200, flagged.json()
    assert flagged.json()["notes"] == INTERPRETER_NOTES
    need = InterpreterNeed.objects.get(appointment=visit)
    assert (need.language, need.notes) == ("ASL", INTERPRETER_NOTES)
    stored = raw_row("telehealth_interpreterneed", need.pk, ("language", "notes"))
    assert stored["language"] == "ASL"  # which language is a scheduling fact, kept in clear
    assert is_fernet_token(stored["notes"]) and not any(w in stored["notes"] for w in MESSAGE_WORDS)
    too_long = desk.put(f"/api/v1/telehealth/appointments/{visit.pk}/interpreter",
                        {"language": "ASL", "notes": "x" * 301}, format="json")
    assert too_long.status_code == 400  # the token is longer, the notes are still capped at 300


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_dump_of_the_postgresql_tables_shows_no_plaintext(risky_checkin):
    _, submit = risky_checkin
    submit()
    screening_and_clearance()
    text_and_interpreter_notes()

    settings_dict = connection.settings_dict
    if shutil.which("pg_dump"):
        dumped = subprocess.run(
            ["pg_dump", "--data-only", *[f"--table={table}" for table in TABLES],
             "--host", settings_dict["HOST"] or "localhost", "--port", str(settings_dict["PORT"] or 5432),
             "--username", settings_dict["USER"], settings_dict["NAME"]],
            env={"PGPASSWORD": settings_dict["PASSWORD"] or "", "PATH": "/usr/bin:/bin"},
            capture_output=True, text=True, check=True).stdout
    else:  # the same stream pg_dump writes for a table's data
        connection.ensure_connection()
        chunks = []
        with connection.connection.cursor() as cursor:
            for table in TABLES:
                with cursor.copy(f"COPY {table} TO STDOUT") as copy:
                    chunks.extend(bytes(chunk).decode() for chunk in copy)
        dumped = "".join(chunks)

    assert "gAAAAA" in dumped  # the rows are in the dump, as tokens
    for words in (*PATIENT_WORDS, *SCREENING_WORDS, *MESSAGE_WORDS, "Says they want"):
        assert words not in dumped, words


# --- Keys ---------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_a_wrong_key_fails_loudly_naming_the_field_instead_of_returning_garbage(settings):
    screening, _ = screening_and_clearance()
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]

    with pytest.raises(field_encryption.UnreadableValue,
                       match=r"Cannot decrypt care\.ContraindicationScreening\.\w+: none of the keys"):
        ContraindicationScreening.objects.get(pk=screening.pk)


@pytest.mark.django_db
def test_a_malformed_key_is_a_configuration_error_that_manage_check_reports(settings):
    settings.FIELD_ENCRYPTION_KEYS = ["not-a-fernet-key"]

    with pytest.raises(ImproperlyConfigured, match="key 1 is not a Fernet key"):
        PatientFactory().screenings.create(answered_at=dt.datetime(2025, 3, 1, tzinfo=dt.UTC), details="x",
                                           **dict.fromkeys(FINDING_COLUMNS, False))
    assert [error.id for error in field_encryption.check_field_encryption_keys()] == ["clearday.E101"]


def test_production_refuses_to_start_without_field_encryption_keys(monkeypatch, settings):
    monkeypatch.setenv("CLEARDAY_PRODUCTION", "true")
    monkeypatch.setenv("SECRET_KEY", "a-production-secret")
    monkeypatch.delenv("FIELD_ENCRYPTION_KEYS", raising=False)
    fresh = importlib.util.find_spec("config.settings")  # a second copy of the module, run afresh
    with pytest.raises(ImproperlyConfigured, match="FIELD_ENCRYPTION_KEYS must be set in production"):
        fresh.loader.exec_module(importlib.util.module_from_spec(fresh))

    settings.PRODUCTION, settings.FIELD_ENCRYPTION_KEYS = True, []
    with pytest.raises(ImproperlyConfigured, match="FIELD_ENCRYPTION_KEYS must be set in production"):
        field_encryption.keyring()


def test_without_keys_development_derives_a_stable_key_from_the_secret_key(settings):
    settings.FIELD_ENCRYPTION_KEYS = []
    token = field_encryption.encrypt("hello")
    assert Fernet(field_encryption.development_key(settings.SECRET_KEY)).decrypt(token.encode()) == b"hello"
    assert field_encryption.development_key(settings.SECRET_KEY) != field_encryption.development_key("other")


@pytest.mark.django_db
def test_encrypted_fields_cannot_be_filtered_by_content_but_can_be_tested_for_null():
    answered_checkin()
    with pytest.raises(FieldError, match=r"checkins\.CheckInAnswers\.free_text is encrypted at rest"):
        list(CheckInAnswers.objects.filter(free_text__icontains="calm"))
    with pytest.raises(FieldError, match="encrypted at rest"):
        list(CheckInAnswers.objects.filter(mood=6))
    assert CheckInAnswers.objects.filter(phq9_score__isnull=True).count() == 1
    text_and_interpreter_notes()
    with pytest.raises(FieldError, match=r"notifications\.InboundMessage\.body is encrypted at rest"):
        list(InboundMessage.objects.filter(body__iexact="stop"))
    with pytest.raises(FieldError, match=r"telehealth\.InterpreterNeed\.notes is encrypted at rest"):
        list(InterpreterNeed.objects.filter(notes__contains="ref"))


# --- Rotation -------------------------------------------------------------------------------------

@pytest.mark.django_db
def test_rotation_moves_every_value_from_key_a_to_key_b_and_then_b_alone_reads_everything(settings):
    key_a, key_b = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [key_a]
    screening, cleared = screening_and_clearance()
    answers = [answered_checkin(free_text=f"Calmer after visit {n}", mood=n) for n in range(3)]
    text, need = text_and_interpreter_notes()

    settings.FIELD_ENCRYPTION_KEYS = [key_b, key_a]
    written_after_deploy = answered_checkin(free_text="Written with the new key", mood=9)
    out = io.StringIO()
    call_command("rotate_field_keys", batch_size=2, stdout=out)
    report = out.getvalue()
    # Three old rows of eight values each (the PHQ-9 and GAD-7 scores are NULL, not tokens); the
    # row written with B is left alone.
    assert "checkins.CheckInAnswers: 4 rows read, 24 values re-encrypted." in report, report
    assert "care.ContraindicationScreening: 1 rows read, 8 values re-encrypted." in report, report
    assert "care.Clearance: 1 rows read, 2 values re-encrypted." in report, report
    assert "notifications.InboundMessage: 1 rows read, 1 values re-encrypted." in report, report
    assert "telehealth.InterpreterNeed: 1 rows read, 1 values re-encrypted." in report, report

    again = io.StringIO()
    call_command("rotate_field_keys", stdout=again)
    counts = [line for line in again.getvalue().splitlines() if "values re-encrypted" in line]
    assert counts and all(line.endswith(", 0 values re-encrypted.") for line in counts), counts

    settings.FIELD_ENCRYPTION_KEYS = [key_b]
    assert [CheckInAnswers.objects.get(pk=a.pk).free_text for a in answers] == [
        "Calmer after visit 0", "Calmer after visit 1", "Calmer after visit 2"]
    assert CheckInAnswers.objects.get(pk=written_after_deploy.pk).mood == 9
    assert ContraindicationScreening.objects.get(pk=screening.pk).findings() == [
        "Pregnancy", "Substance use (history or current)"]
    assert Clearance.objects.get(pk=cleared.pk).notes == CLEARANCE_NOTES
    assert InboundMessage.objects.get(pk=text.pk).body == TEXT_FROM_PATIENT
    assert InterpreterNeed.objects.get(pk=need.pk).notes == INTERPRETER_NOTES
    token = raw_row("checkins_checkinanswers", answers[0].pk, ("free_text",))["free_text"]
    assert Fernet(key_b).decrypt(token.encode()) == b"Calmer after visit 0"
    with pytest.raises(InvalidToken):
        Fernet(key_a).decrypt(token.encode())


@pytest.mark.django_db
def test_rotation_keeps_what_the_application_saved_meanwhile_and_moves_everything_else_in_one_run(
        settings, monkeypatch):
    from config import encrypted_columns

    key_a, key_b = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [key_a]
    raced, other = answered_checkin(free_text="Before"), answered_checkin(free_text="Untouched")
    settings.FIELD_ENCRYPTION_KEYS = [key_b, key_a]
    read_batches = encrypted_columns._batches

    def batches_with_a_save_in_between(connection_, model, fields, batch_size):
        for rows in read_batches(connection_, model, fields, batch_size):
            if model is CheckInAnswers:  # the patient's page saves after the command read the row
                CheckInAnswers.objects.filter(pk=raced.pk).update(free_text="Saved meanwhile")
            yield rows

    monkeypatch.setattr(encrypted_columns, "_batches", batches_with_a_save_in_between)
    first = io.StringIO()
    call_command("rotate_field_keys", stdout=first)
    assert ("checkins.CheckInAnswers: 2 rows read, 15 values re-encrypted, 1 values saved by the application "
            "meanwhile (left as saved, already under the newest key).") in first.getvalue()

    settings.FIELD_ENCRYPTION_KEYS = [key_b]
    assert CheckInAnswers.objects.get(pk=raced.pk).free_text == "Saved meanwhile"
    assert (CheckInAnswers.objects.get(pk=other.pk).free_text, CheckInAnswers.objects.get(pk=raced.pk).mood) == (
        "Untouched", 6)


@pytest.mark.django_db
def test_rotation_stops_with_a_clear_error_when_a_value_no_key_opens(settings):
    key_a, key_b = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [key_a]
    answered_checkin()
    settings.FIELD_ENCRYPTION_KEYS = [key_b]  # A dropped before rotating

    with pytest.raises(CommandError, match=r"Cannot rotate checkins\.CheckInAnswers\.\w+ of row \d+: none of the keys"):
        call_command("rotate_field_keys", stdout=io.StringIO())


# --- Rows written before encryption -------------------------------------------------------------

PLAIN = [("checkins", "0002_default_risk_rules"), ("care", "0001_initial"),
         ("notifications", "0002_messaging_catalog_version"), ("telehealth", "0001_initial")]
OLD_TEXT = "Shaky since the dose, can someone call me?"
OLD_NOTES = "Spanish line 2; her son translates for her anxiety"


@pytest.mark.django_db(transaction=True)
def test_going_back_restores_plain_columns_and_the_migration_encrypts_the_rows_it_finds():
    encrypted = answered_checkin(free_text=FREE_TEXT, mood=3)
    screening, _ = screening_and_clearance()
    text, need = text_and_interpreter_notes()
    appointment = AppointmentFactory()
    executor = MigrationExecutor(connection)
    leaves = executor.loader.graph.leaf_nodes()
    old = executor.loader.project_state(PLAIN).apps
    try:
        executor.migrate(PLAIN)
        # Back: the tokens are written out in clear, in the old column types.
        plain = old.get_model("checkins", "CheckInAnswers").objects.get(pk=encrypted.pk)
        assert (plain.mood, plain.sleep, plain.phq_items, plain.phq9_score, plain.free_text) == (
            3, 5, [1, 2], None, FREE_TEXT)
        plain_screening = old.get_model("care", "ContraindicationScreening").objects.get(pk=screening.pk)
        assert (plain_screening.pregnancy, plain_screening.psychosis_or_mania, plain_screening.details) == (
            True, False, DETAILS)
        assert old.get_model("notifications", "InboundMessage").objects.get(pk=text.pk).body == TEXT_FROM_PATIENT
        assert old.get_model("telehealth", "InterpreterNeed").objects.get(pk=need.pk).notes == INTERPRETER_NOTES
        # Rows written before encryption existed.
        item = old.get_model("checkins", "CheckIn").objects.create(
            patient_id=appointment.patient_id, appointment_id=appointment.pk, step_key="72h",
            due_at=appointment.end, expires_at=appointment.end + 72 * HOUR, link_nonce="n", token_hash="h" * 64)
        old_answers = old.get_model("checkins", "CheckInAnswers").objects.create(
            checkin_id=item.pk, mood=0, sleep=10, side_effects=["other"], side_effects_other=OTHER_EFFECT,
            phq_items=[2, 1], phq2_score=3)
        old.get_model("checkins", "RiskAlert").objects.create(
            patient_id=appointment.patient_id, checkin_id=item.pk, created_at=appointment.end,
            reasons=[{"code": "rule:1", "detail": "Says they want to die"}])
        old_texts = [old.get_model("notifications", "InboundMessage").objects.create(
            provider_id=f"SM-plain-{n}", from_number="+16025550123", body=body, received_at=appointment.end,
            patient_id=appointment.patient_id, action="other", needs_attention=True)
            for n, body in enumerate((OLD_TEXT, ""))]  # a picture with no words has an empty body
        old_need = old.get_model("telehealth", "InterpreterNeed").objects.create(
            appointment_id=appointment.pk, language="Spanish", notes=OLD_NOTES, flagged_at=appointment.end)
    finally:
        executor.loader.build_graph()  # re-read what is applied
        executor.migrate(leaves)

    answers = CheckInAnswers.objects.get(pk=old_answers.pk)
    assert (answers.mood, answers.sleep, answers.side_effects, answers.side_effects_other, answers.phq_items,
            answers.phq2_score, answers.phq9_score, answers.free_text) == (
        0, 10, ["other"], OTHER_EFFECT, [2, 1], 3, None, "")
    assert RiskAlert.objects.get(checkin_id=item.pk).reasons[0]["detail"] == "Says they want to die"
    assert CheckInAnswers.objects.get(pk=encrypted.pk).free_text == FREE_TEXT
    again = ContraindicationScreening.objects.get(pk=screening.pk)
    assert (again.findings(), again.details) == (["Pregnancy", "Substance use (history or current)"], DETAILS)
    for pk in (encrypted.pk, old_answers.pk):
        stored = raw_row("checkins_checkinanswers", pk, ANSWER_COLUMNS)
        assert all(is_fernet_token(stored[c]) for c in ("mood", "sleep", "phq_items", "free_text")), stored
        assert not any(words in repr(stored) for words in PATIENT_WORDS)
    assert all(is_fernet_token(v) for v in raw_row("care_contraindicationscreening", screening.pk,
                                                   (*FINDING_COLUMNS, "details")).values())
    assert [InboundMessage.objects.get(pk=t.pk).body for t in (text, *old_texts)] == [TEXT_FROM_PATIENT, OLD_TEXT, ""]
    assert [InterpreterNeed.objects.get(pk=n.pk).notes for n in (need, old_need)] == [INTERPRETER_NOTES, OLD_NOTES]
    stored = [raw_row("notifications_inboundmessage", t.pk, ("body",))["body"] for t in (text, *old_texts)]
    stored += [raw_row("telehealth_interpreterneed", n.pk, ("notes",))["notes"] for n in (need, old_need)]
    assert all(is_fernet_token(value) for value in stored), stored
    assert not any(words in repr(stored) for words in (*MESSAGE_WORDS, "Shaky", "anxiety"))


# --- Logs and texts ----------------------------------------------------------------------------

@pytest.mark.django_db
def test_no_log_line_or_sql_statement_carries_the_patients_words_through_a_risky_checkin_and_its_page(
        risky_checkin, caplog):
    _, submit = risky_checkin
    caplog.set_level(logging.DEBUG)
    caplog.set_level(logging.DEBUG, logger="django.db.backends")  # every statement, with its parameters
    for logger in logging.root.manager.loggerDict.values():
        if isinstance(logger, logging.Logger) and not logger.propagate:
            logger.addHandler(caplog.handler)
    try:
        with CaptureQueriesContext(connection) as queries:
            response = submit()
    finally:
        for logger in logging.root.manager.loggerDict.values():
            if isinstance(logger, logging.Logger) and caplog.handler in logger.handlers:
                logger.removeHandler(caplog.handler)

    assert "You are not alone" in response.content.decode()
    assert RiskAlert.objects.count() == 1 and len(texts_to(ON_CALL_NUMBER)) == 1  # paged inside the request
    formatter = logging.Formatter("%(levelname)s %(name)s %(message)s")
    lines = [formatter.format(record) for record in caplog.records]
    assert any("django.db.backends" in line for line in lines)  # the statements were logged
    statements = [query["sql"] for query in queries.captured_queries]
    assert any("checkins_checkinanswers" in sql for sql in statements)
    for words in (*PATIENT_WORDS, "Says they want"):
        assert not [line for line in lines if words in line], words
        assert not [sql for sql in statements if words in sql], words


@pytest.mark.django_db
def test_the_page_to_the_clinician_carries_no_clinical_word_and_none_of_the_patients_words(risky_checkin):
    from django.core import mail

    _, submit = risky_checkin
    submit()
    [text] = texts_to(ON_CALL_NUMBER)
    [email] = [m for m in mail.outbox if m.to == [ON_CALL_EMAIL]]
    assert deny_listed_words(text) == [] and deny_listed_words(email.subject) == []
    for words in (*PATIENT_WORDS, "die", "PHQ", "self-harm"):
        assert words not in text and words not in email.subject and words not in email.body, words
