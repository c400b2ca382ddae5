"""What a patient's text says, in words we act on without a person: the one list of reply
keywords and plain-language phrases, in English and Spanish (docs/replies.md explains the rule).

A text is read whole. It is normalised first: accents folded ("más" is MAS), apostrophes dropped
("don't" is DONT), any other punctuation or symbol a space, upper case, one space between words.
Courtesy around the request is set aside ("Hi, please stop texting me, thanks!" is STOP TEXTING
ME; "¿Pueden cancelar mi cita?" is CANCELAR MI CITA). What is left must then be a keyword or
match one phrase from start to end. Anything else, "stop by later?", "can I cancel?" or a
revocation with more words around it, is not read here: it waits in the front-desk inbox.

The meanings:
- STOP: a carrier opt-out keyword (STOP, STOPALL, UNSUBSCRIBE, END, QUIT, REVOKE, OPTOUT), a
  Spanish one (PARAR, ALTO, DETENER, BAJA...) or a plain request to stop texting ("stop texting
  me", "no more texts", "no más mensajes", "no me escriban"). Since 2025 the FCC expects a
  revocation by any reasonable means to be honoured, so when in doubt between "stop" and the
  inbox, a request phrased to us ("can you stop texting me") counts.
- CANCEL: CANCEL, CANCELAR, or a clear request to cancel the visit ("cancel my appointment",
  "cancelar mi cita"). CANCEL is a carrier opt-out word, so every cancel request also opts out.
  A question about cancelling ("can I cancel?", "how do I cancel") is not a request: inbox.
- START, HELP, CONFIRM, RESCHEDULE: the keywords our texts and the carriers advertise.

`Reading.language` is "es" for words that are only Spanish: the answer to a consent or help
text must be understood, so it is given in the language the patient wrote in.
"""

from __future__ import annotations

import enum
import re
import unicodedata
from dataclasses import dataclass


class Meaning(enum.StrEnum):
    STOP = "stop"
    CANCEL = "cancel"
    START = "start"
    HELP = "help"
    CONFIRM = "confirm"
    RESCHEDULE = "reschedule"
    OTHER = "other"


@dataclass(frozen=True)
class Reading:
    meaning: Meaning
    phrase: str  # the normalised words that matched (a keyword or one of our phrases), else the text
    language: str | None = None  # "es" when the words are only Spanish


# --- Keywords: the whole text is the word (after normalising) ----------------------------------

# The carriers' opt-out words; CANCEL is one of them but also a visit request (below).
CARRIER_STOP = ("STOP", "STOPALL", "STOP ALL", "UNSUBSCRIBE", "END", "QUIT", "REVOKE", "OPTOUT", "OPT OUT")
SPANISH_STOP = (
    "PARAR",
    "PARE",
    "PAREN",
    "ALTO",
    "DETENER",
    "DETENGAN",
    "BASTA",
    "BAJA",
    "DAR DE BAJA",
    "DARME DE BAJA",
    "DARSE DE BAJA",
    "DENME DE BAJA",
    "SALIR",
    "DESUSCRIBIR",
    "DESUSCRIBIRME",
    "NO MAS",
    "YA NO",
    "FIN",
)
CANCEL_WORDS = {"CANCEL": None, "CANCELAR": "es", "CANCELA": "es", "CANCELO": "es"}

KEYWORDS: dict[str, tuple[Meaning, str | None]] = {
    **dict.fromkeys(CARRIER_STOP, (Meaning.STOP, None)),
    **dict.fromkeys(SPANISH_STOP, (Meaning.STOP, "es")),
    **{word: (Meaning.CANCEL, language) for word, language in CANCEL_WORDS.items()},
    **dict.fromkeys(("START", "UNSTOP"), (Meaning.START, None)),
    "HELP": (Meaning.HELP, None),
    "INFO": (Meaning.HELP, None),
    "AYUDA": (Meaning.HELP, "es"),
    # Confirm and reschedule answers keep the patient's language (an English speaker may type SI).
    **dict.fromkeys(("C", "CONFIRM", "SI", "CONFIRMAR"), (Meaning.CONFIRM, None)),
    **dict.fromkeys(("R", "RESCHEDULE", "CAMBIAR"), (Meaning.RESCHEDULE, None)),
}

# --- Courtesy around a request, set aside before matching ------------------------------------

LEADING = (
    "HI",
    "HELLO",
    "HEY",
    "HOLA",
    "BUENAS",
    "BUENOS DIAS",
    "BUENAS TARDES",
    "BUENAS NOCHES",
    "PLEASE",
    "PLS",
    "PLZ",
    "KINDLY",
    "CAN YOU",
    "COULD YOU",
    "WOULD YOU",
    "WILL YOU",
    "CAN U",
    "POR FAVOR",
    "FAVOR DE",
    "PUEDEN",
    "PUEDE",
    "PODRIAN",
    "PODRIA",
)
TRAILING = (
    "PLEASE",
    "PLS",
    "PLZ",
    "THANKS",
    "THANK YOU",
    "THANK U",
    "THX",
    "TY",
    "POR FAVOR",
    "GRACIAS",
    "MUCHAS GRACIAS",
    "NOW",
    "YA",
    "AHORA",
)

# --- Phrases: the whole text (after courtesy) matches one of these --------------------------

_TEXTS = r"(?:TEXTS?|TEXT MESSAGES?|MESSAGES?|MSGS?|TXTS?|SMS|REMINDERS?|NOTIFICATIONS?|ALERTS?)"
_OBJECT = rf"(?: ME)?(?: (?:ANY |ALL |THE |THESE |THIS |THOSE |YOUR )?{_TEXTS})?"
_LIST = rf"(?: (?:YOUR|THE|THIS|THAT))?(?: {_TEXTS}| TEXT| MAILING)? LIST"
_DAY_EN = (
    r"(?: (?:FOR |ON |THIS )?(?:TODAY|TOMORROW|TONIGHT|MONDAY|TUESDAY|WEDNESDAY|THURSDAY|FRIDAY|SATURDAY|SUNDAY))?"
)
_VISIT_EN = (
    r"(?:(?:MY|THE|THIS|THAT|OUR|TOMORROWS|TODAYS) )?(?:NEXT )?"
    r"(?:APPOINTMENTS?|APPTS?|VISITS?|SESSIONS?|BOOKINGS?)" + _DAY_EN
)
_MENSAJES = r"(?:MENSAJES?(?: DE TEXTO)?|TEXTOS?|SMS|RECORDATORIOS?|AVISOS?|NOTIFICACIONES?)"
_SU = r"(?:(?:SUS|LOS|ESTOS|ESOS|MAS) )?"
_DAY_ES = r"(?: (?:PARA |DEL |DE |EL )?(?:HOY|MANANA|LUNES|MARTES|MIERCOLES|JUEVES|VIERNES|SABADO|DOMINGO))?"
_VISIT_ES = r"(?:(?:MI|LA|ESTA|ESA|MIS|LAS) )?(?:PROXIMA )?(?:CITAS?|CONSULTAS?|VISITAS?)" + _DAY_ES

ENGLISH_STOP = (
    r"STOP(?: IT| ALL)",
    rf"(?:STOP|QUIT|NO MORE|NO)(?: ALL)?(?: THE| THESE| YOUR)? {_TEXTS}",
    rf"(?:STOP|QUIT) (?:TEXTING|TXTING|MESSAGING|SENDING|CONTACTING){_OBJECT}(?: (?:ANYMORE|ANY MORE))?",
    r"(?:DONT|DO NOT|NEVER) (?:TEXT|TXT|MESSAGE|CONTACT|SMS) ME(?: (?:AGAIN|ANYMORE|ANY MORE))?",
    rf"(?:DONT|DO NOT) SEND ME(?: (?:ANY|ANY MORE|MORE|THESE|YOUR))? {_TEXTS}(?: (?:ANYMORE|AGAIN))?",
    rf"I (?:DONT|DO NOT) WANT(?: (?:ANY MORE|ANYMORE|MORE|THESE|YOUR|ANY))? {_TEXTS}(?: (?:ANYMORE|ANY MORE))?",
    rf"(?:UNSUBSCRIBE|REMOVE) ME(?: FROM{_LIST})?",
    rf"TAKE ME OFF{_LIST}",
    r"OPT ME OUT",
    rf"(?:I (?:WANT|WOULD LIKE|NEED)|ID LIKE) TO (?:OPT OUT|UNSUBSCRIBE|STOP (?:GETTING|RECEIVING) {_TEXTS})",
)
SPANISH_STOP_PHRASES = (
    rf"(?:NO|YA NO)(?: QUIERO| DESEO)?(?: RECIBIR)?(?: MAS)? {_SU}{_MENSAJES}(?: MAS)?",
    rf"(?:YA )?NO ME (?:ESCRIBAN|ESCRIBA|MANDEN|MANDE|ENVIEN|ENVIE|CONTACTEN|CONTACTE|TEXTEEN)(?: MAS)?"
    rf"(?: {_SU}{_MENSAJES})?(?: MAS)?",
    rf"(?:DEJEN|DEJE|PAREN|PARE) DE (?:ESCRIBIRME|MANDARME|ENVIARME|CONTACTARME|TEXTEARME|MANDAR|ENVIAR|ESCRIBIR)"
    rf"(?: {_SU}{_MENSAJES})?",
    r"(?:(?:QUIERO|DESEO|QUISIERA) )?(?:DARME DE BAJA|DESUSCRIBIRME|SALIR DE (?:LA|SU|ESTA) LISTA)",
    r"(?:DENME|DEME) DE BAJA",
    r"(?:BORRENME|SAQUENME|ELIMINENME|QUITENME|BORREME|SAQUEME)(?: DE (?:LA|SU|ESTA) LISTA)?",
)
ENGLISH_CANCEL = (
    rf"CANCEL(?: IT| {_VISIT_EN})",
    rf"(?:I (?:WANT|NEED|HAVE|WOULD LIKE)|ID LIKE) TO CANCEL(?: IT| {_VISIT_EN})?",
    rf"(?:IM|I AM) (?:CANCELING|CANCELLING)(?: IT| {_VISIT_EN})?",
)
SPANISH_CANCEL = (
    rf"(?:CANCELAR|CANCELE|CANCELEN|CANCELA|CANCELO|ANULAR|ANULEN|ANULE) {_VISIT_ES}",
    r"(?:CANCELARLA|CANCELELA|CANCELENLA|ANULARLA)",
    rf"(?:QUIERO|NECESITO|DESEO|QUISIERA|TENGO QUE|VOY A) (?:CANCELAR|ANULAR)(?: {_VISIT_ES}|LA)?",
)

_PATTERNS: tuple[tuple[re.Pattern, Meaning, str | None], ...] = tuple(
    (re.compile(pattern), meaning, language)
    for patterns, meaning, language in (
        (ENGLISH_STOP, Meaning.STOP, None),
        (SPANISH_STOP_PHRASES, Meaning.STOP, "es"),
        (ENGLISH_CANCEL, Meaning.CANCEL, None),
        (SPANISH_CANCEL, Meaning.CANCEL, "es"),
    )
    for pattern in patterns
)


def normalize(body: str) -> str:
    """Upper-case words without accents, apostrophes or punctuation, one space apart."""
    folded = "".join(ch for ch in unicodedata.normalize("NFKD", body) if not unicodedata.combining(ch))
    folded = re.sub(r"['\u2019\u2018`]", "", folded)
    return " ".join(re.sub(r"[^A-Za-z0-9]+", " ", folded).upper().split())


def _strip_courtesy(words: str) -> str:
    changed = True
    while changed:
        changed = False
        for filler in LEADING:
            if words.startswith(filler + " "):
                words, changed = words[len(filler) + 1 :], True
        for filler in TRAILING:
            if words.endswith(" " + filler):
                words, changed = words[: -len(filler) - 1], True
    return words


def read(body: str) -> Reading:
    """What a text means. Keywords are tried on the whole text first, as the carriers do."""
    words = normalize(body)
    for candidate in (words, _strip_courtesy(words)):
        if candidate in KEYWORDS:
            meaning, language = KEYWORDS[candidate]
            return Reading(meaning, candidate, language)
    candidate = _strip_courtesy(words)
    for pattern, meaning, language in _PATTERNS:
        if pattern.fullmatch(candidate):
            return Reading(meaning, candidate, language)
    return Reading(Meaning.OTHER, words)
