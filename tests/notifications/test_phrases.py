"""The reply phrases as a table: what each text means, and which ones are left to a person."""

from __future__ import annotations

from pathlib import Path

import pytest

from notifications.phrases import Meaning, normalize, read

STOP, CANCEL, START, HELP = Meaning.STOP, Meaning.CANCEL, Meaning.START, Meaning.HELP
CONFIRM, RESCHEDULE, OTHER = Meaning.CONFIRM, Meaning.RESCHEDULE, Meaning.OTHER

TABLE = [
    # text, meaning, the language the answer must be in (None: the patient's)
    # The carriers' opt-out keywords, whatever the case, spacing and punctuation.
    ("STOP", STOP, None),
    ("stop", STOP, None),
    ("  Stop. ", STOP, None),
    ("STOP!!!", STOP, None),
    ("stopall", STOP, None),
    ("Stop all", STOP, None),
    ("Unsubscribe", STOP, None),
    ("end", STOP, None),
    ("QUIT", STOP, None),
    ("revoke", STOP, None),
    ("OPTOUT", STOP, None),
    ("opt out", STOP, None),
    ("Opt-Out", STOP, None),
    ("STOP 🛑", STOP, None),
    # Spanish opt-out words.
    ("PARAR", STOP, "es"),
    ("Pare", STOP, "es"),
    ("alto", STOP, "es"),
    ("Detener", STOP, "es"),
    ("BAJA", STOP, "es"),
    ("dar de baja", STOP, "es"),
    ("Basta ya", STOP, "es"),
    ("salir", STOP, "es"),
    ("No más", STOP, "es"),
    # Plain-language revocations in English.
    ("Stop texting me", STOP, None),
    ("please stop", STOP, None),
    ("Please stop texting me, thank you!", STOP, None),
    ("No more texts", STOP, None),
    ("no more text messages please", STOP, None),
    ("Stop sending me texts", STOP, None),
    ("stop the messages", STOP, None),
    ("Don't text me anymore", STOP, None),
    ("do not contact me", STOP, None),
    ("Can you stop texting me?", STOP, None),
    ("Hi, stop messaging me", STOP, None),
    ("I don't want these texts", STOP, None),
    ("unsubscribe me", STOP, None),
    ("Remove me from your list", STOP, None),
    ("take me off your text list", STOP, None),
    ("opt me out", STOP, None),
    ("I want to opt out", STOP, None),
    ("Stop now", STOP, None),
    ("No reminders", STOP, None),
    # ... and in Spanish.
    ("No más mensajes", STOP, "es"),
    ("no mas mensajes de texto", STOP, "es"),
    ("No me escriban", STOP, "es"),
    ("No me escriban más, gracias", STOP, "es"),
    ("Ya no quiero recibir mensajes", STOP, "es"),
    ("No quiero más mensajes", STOP, "es"),
    ("Dejen de enviarme mensajes", STOP, "es"),
    ("dejen de escribirme por favor", STOP, "es"),
    ("Quiero darme de baja", STOP, "es"),
    ("Denme de baja", STOP, "es"),
    ("Sáquenme de la lista", STOP, "es"),
    ("Ya no me manden mensajes", STOP, "es"),
    # Cancel: the carrier's word, and clear requests to cancel the visit.
    ("CANCEL", CANCEL, None),
    ("cancel.", CANCEL, None),
    ("CANCELAR", CANCEL, "es"),
    ("Cancela", CANCEL, "es"),
    ("Cancel my appointment", CANCEL, None),
    ("Please cancel my appt", CANCEL, None),
    ("cancel my appointment tomorrow", CANCEL, None),
    ("I need to cancel", CANCEL, None),
    ("I'd like to cancel my visit", CANCEL, None),
    ("Can you cancel my appointment?", CANCEL, None),
    ("I'm cancelling", CANCEL, None),
    ("cancel it please", CANCEL, None),
    ("cancelar mi cita", CANCEL, "es"),
    ("Cancelar mi cita de mañana", CANCEL, "es"),
    ("¿Pueden cancelar mi cita?", CANCEL, "es"),
    ("Quiero cancelar mi cita", CANCEL, "es"),
    ("Necesito cancelar", CANCEL, "es"),
    ("quiero cancelarla", CANCEL, "es"),
    ("Cancelen la cita por favor", CANCEL, "es"),
    # The other keywords.
    ("START", START, None),
    ("unstop", START, None),
    ("HELP", HELP, None),
    ("info", HELP, None),
    ("Ayuda", HELP, "es"),
    ("C", CONFIRM, None),
    ("confirm", CONFIRM, None),
    ("Sí.", CONFIRM, None),
    ("confirmar", CONFIRM, None),
    ("C thanks", CONFIRM, None),
    ("R", RESCHEDULE, None),
    ("cambiar", RESCHEDULE, None),
    # Ambiguous or something else: a person reads it.
    ("stop by later?", OTHER, None),
    ("Can I stop by later?", OTHER, None),
    ("can I cancel?", OTHER, None),
    ("How do I cancel", OTHER, None),
    ("¿Puedo cancelar?", OTHER, None),
    ("Don't cancel", OTHER, None),
    ("cancel and rebook", OTHER, None),
    ("I can't make it, cancel and call me", OTHER, None),
    ("Should I stop eating before?", OTHER, None),
    ("Don't stop the reminders", OTHER, None),
    ("take me", OTHER, None),
    ("No", OTHER, None),
    ("Thanks", OTHER, None),
    ("please", OTHER, None),
    ("Hi", OTHER, None),
    ("", OTHER, None),
    ("Can I bring my sister?", OTHER, None),
    ("Stop texting my mom", OTHER, None),
    ("no sé", OTHER, None),
    ("YES", OTHER, None),
]


@pytest.mark.parametrize(("text", "meaning", "language"), TABLE)
def test_each_text_means_what_the_table_says(text, meaning, language):
    reading = read(text)
    assert (reading.meaning, reading.language) == (meaning, language), reading


def test_normalising_folds_case_accents_apostrophes_punctuation_and_spaces():
    assert normalize("  ¡No  MÁS mensajes!! ") == "NO MAS MENSAJES"
    assert normalize("Don’t text me…") == "DONT TEXT ME"
    assert normalize("opt-out\n") == "OPT OUT"


def test_what_is_recorded_is_the_matched_phrase_never_the_courtesy_around_it():
    assert read("Hi! Please stop texting me, thank you").phrase == "STOP TEXTING ME"
    assert read("Cancel").phrase == "CANCEL"


def _documented_examples() -> list[tuple[str, str]]:
    text = (Path(__file__).resolve().parents[2] / "docs" / "replies.md").read_text()
    table = text.split("<!-- examples: checked by tests/notifications/test_phrases.py -->")[1]
    table = table.split("<!-- end of examples -->")[0]
    rows = [line.strip("| ").split(" | ") for line in table.strip().splitlines()[2:]]
    return [(text.strip(), meaning.strip()) for text, meaning in rows]


@pytest.mark.parametrize(("text", "meaning"), _documented_examples())
def test_the_documented_examples_mean_what_the_documentation_says(text, meaning):
    assert read(text).meaning == meaning
