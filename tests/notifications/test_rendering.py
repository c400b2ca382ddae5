"""SMS bodies carry no clinical words and fit one segment, in English and in Spanish."""

from __future__ import annotations

import datetime as dt
import itertools
from pathlib import Path

import pytest

from notifications.models import MessagingPolicy
from notifications.plans import FOLLOW_UP_TEMPLATES, REPLY_TEMPLATES, STAFF_TEMPLATES, STEP_TEMPLATES
from notifications.rendering import build_context, deny_listed_words, render_email, render_sms
from notifications.segments import count_segments, is_gsm7, to_gsm7
from tests.factories import AppointmentFactory, LocationFactory, PatientFactory, ServiceFactory

SMS_TEMPLATES = (*STEP_TEMPLATES, "cancellation", *REPLY_TEMPLATES, *FOLLOW_UP_TEMPLATES, *STAFF_TEMPLATES)
TEMPLATE_DIR = Path(__file__).resolve().parents[2] / "notifications" / "templates" / "notifications"
# Wednesday 24 September, 10:45 in Phoenix: the longest Spanish month, an accented weekday, a
# two-digit hour.
LONG_DAY = dt.datetime(2025, 9, 24, 17, 45, tzinfo=dt.UTC)
LONG_BRAND = "Desert Sunrise Wellness Center"  # the 30 characters the policy allows
# The links of check-in texts (checkins/links.py: a 22-character token) and of on-call alerts.
LONG_LINKS = {"checkin_url": "https://sunrise.clearday.example/c/" + "T" * 22,
              "review_url": "https://sunrise.clearday.example/clinician/risk-alerts/9999999/"}


# --- The segment counter ---------------------------------------------------------------------

@pytest.mark.parametrize(("text", "encoding", "units", "segments"), [
    ("a" * 160, "GSM-7", 160, 1),
    ("a" * 161, "GSM-7", 161, 2),
    ("a" * 306, "GSM-7", 306, 2),
    ("a" * 307, "GSM-7", 307, 3),
    ("€" * 80, "GSM-7", 160, 1),  # extension characters take two septets
    ("a" * 159 + "€", "GSM-7", 161, 2),
    ("a" * 152 + "€" + "a" * 10, "GSM-7", 164, 2),  # an escape pair never straddles parts
    ("ñ¿¡é" * 40, "GSM-7", 160, 1),
    ("á" * 70, "UCS-2", 70, 1),
    ("á" * 71, "UCS-2", 71, 2),
    ("á" * 134, "UCS-2", 134, 2),
    ("á" * 135, "UCS-2", 135, 3),
    ("😀" * 35, "UCS-2", 70, 1),  # surrogate pairs are two code units
    ("a" * 66 + "😀" + "a" * 10, "UCS-2", 78, 2),
    ("", "GSM-7", 0, 0),
])
def test_segments_are_counted_as_carriers_count_them(text, encoding, units, segments):
    counted = count_segments(text)
    assert (counted.encoding, counted.units, counted.segments) == (encoding, units, segments)


def test_spanish_accents_outside_gsm7_are_replaced_by_their_plain_letter_and_the_rest_kept():
    assert to_gsm7("Sí, mañana miércoles, ¿a qué hora? “ok” – Zoë") == 'Si, mañana miércoles, ¿a qué hora? "ok" - Zoe'
    assert is_gsm7(to_gsm7("áíóúÁÍÓÚ"))
    assert to_gsm7("王") == "王"


def test_the_deny_list_finds_clinical_words_whatever_their_case_and_accents():
    assert deny_listed_words("Your KETAMINE infusion; sesión de psicoterapia, depresión") == [
        "depresion", "infusion", "ketamine", "psicoterapia"]
    assert deny_listed_words("Spravato dosing for your IV visit") == ["dosing", "iv", "spravato"]
    assert deny_listed_words("Clearday Clinic: reminder of your visit. Reply STOP to opt out") == []


# --- Every SMS template ----------------------------------------------------------------------

def test_no_sms_template_source_contains_a_clinical_word():
    for path in sorted((TEMPLATE_DIR / "sms").rglob("*.txt")):
        assert deny_listed_words(path.read_text()) == [], path


@pytest.fixture
def long_context(settings, db):
    """Realistic long values: the longest brand, a long public URL, September, a video visit."""
    settings.PUBLIC_BASE_URL = "https://sunrise.clearday.example"  # 32 characters
    policy = MessagingPolicy.current()
    policy.brand_name, policy.phone = LONG_BRAND, "+16025550100"
    service = ServiceFactory(name="IV ketamine infusion", prep_instructions="No food for 6 h before your infusion.",
                             prep_instructions_es="Sin comida 6 h antes de su infusión de ketamina.", is_dosing=True)
    patient = PatientFactory(legal_first_name="Maria-Guadalupe", legal_last_name="Fernández de la Concepción",
                             time_zone="America/Phoenix")
    in_person = AppointmentFactory(patient=patient, service=service, start=LONG_DAY,
                                   location=LocationFactory(name="Ketamine Infusion Center of Scottsdale North",
                                                            time_zone="America/Phoenix"))
    video = AppointmentFactory(patient=patient, service=service, start=LONG_DAY, location=None, modality="video")
    return {"policy": policy, "patient": patient, "appointments": {"in_person": in_person, "video": video}}


@pytest.mark.parametrize(("template", "language", "where", "moved"), [
    (t, lang, where, moved) for t, lang, where, moved in
    itertools.product(SMS_TEMPLATES, ("en", "es"), ("in_person", "video"), (False, True))
    if not (moved and t != "confirmation")
])
def test_every_sms_fits_one_gsm7_segment_in_full_and_names_nothing_clinical(long_context, template, language, where,
                                                                          moved):
    appointment = long_context["appointments"][where]
    context = build_context(patient=long_context["patient"], appointment=appointment, policy=long_context["policy"],
                            language=language, step_prep=True)
    context["moved"] = moved
    context.update(LONG_LINKS)
    text = render_sms(template=template, language=language, context=context)
    counted = count_segments(text)
    assert (counted.encoding, counted.segments) == ("GSM-7", 1), (text, counted)
    assert deny_listed_words(text) == [], text
    assert LONG_BRAND in text
    if template not in ("start",):
        assert "(602) 555-0100" in text or template in ("join_link", *STAFF_TEMPLATES), text
    if template in ("help", "start"):
        assert ("Msg & data rates may apply" if language == "en" else "tarifas de mensajes y datos") in text
    if template == "join_link":
        assert "/j/" in text  # the short link


def test_a_spanish_reminder_reads_in_spanish_with_the_date_in_spanish(long_context):
    context = build_context(patient=long_context["patient"], appointment=long_context["appointments"]["in_person"],
                            policy=long_context["policy"], language="es")
    text = render_sms(template="reminder", language="es", context=context)
    assert text == (f"{LONG_BRAND}: recuerde su cita el mié 24 de septiembre, 10:45. C para confirmar, "
                    "R para cambiar. Tel. (602) 555-0100. STOP para salir")


def test_the_email_carries_the_prep_instructions_and_the_escort_rule_for_a_dosing_visit(long_context):
    for language, escort in (("en", "An adult must take you home"), ("es", "Un adulto debe llevarle a casa")):
        context = build_context(patient=long_context["patient"], appointment=long_context["appointments"]["in_person"],
                                policy=long_context["policy"], language=language, step_prep=True)
        email = render_email(template="reminder", language=language, context=context)
        assert escort in email.body
        assert ("No food for 6 h" if language == "en" else "Sin comida 6 h") in email.body
        assert "Maria-Guadalupe" in email.body
        assert "&amp;" not in email.body


def test_a_policy_brand_with_a_clinical_word_is_refused(db):
    from django.core.exceptions import ValidationError

    policy = MessagingPolicy.current()
    policy.brand_name = "Ketamine Wellness"
    with pytest.raises(ValidationError, match="remove: ketamine"):
        policy.full_clean()


@pytest.mark.parametrize(("template", "language"), itertools.product(FOLLOW_UP_TEMPLATES, ("en", "es")))
def test_a_check_in_text_is_a_neutral_how_are_you_with_its_link(long_context, template, language):
    context = build_context(patient=long_context["patient"], appointment=long_context["appointments"]["in_person"],
                            policy=long_context["policy"], language=language) | LONG_LINKS
    text = render_sms(template=template, language=language, context=context)
    assert LONG_LINKS["checkin_url"] in text
    assert ("how are you doing?" if language == "en" else "como se encuentra?") in text.lower()
    assert "(602) 555-0100" in text  # the full form still fits with the longest brand and URL
