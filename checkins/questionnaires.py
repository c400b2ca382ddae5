"""The standardized questionnaires (PHQ-9, its first two items as the PHQ-2, GAD-7), in English and
in the publishers' Spanish for the USA, and their scoring.

The PHQ and GAD-7 were developed by Drs. Spitzer, Williams, Kroenke and colleagues with an
educational grant from Pfizer; no permission is required to reproduce, translate or display
them. Wording is kept as published: a changed item is no longer the validated instrument.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

# Every item is answered on the same four-point frequency scale.
ITEM_MIN, ITEM_MAX = 0, 3
# A PHQ-2 score at or above this continues to the rest of the PHQ-9 (Kroenke et al. 2003).
PHQ2_POSITIVE = 3
# PHQ-9 item 9 asks about thoughts of death or self-harm; any answer above 0 is a risk flag.
PHQ9_SELF_HARM_ITEM = 9

OPTIONS = {
    "en": ("Not at all", "Several days", "More than half the days", "Nearly every day"),
    "es": ("Ningún día", "Varios días", "Más de la mitad de los días", "Casi todos los días"),
}

PHQ9_STEM = {
    "en": "Over the last 2 weeks, how often have you been bothered by any of the following problems?",
    "es": "Durante las últimas 2 semanas, ¿qué tan seguido ha tenido molestias debido a los siguientes problemas?",
}
PHQ9_ITEMS = {
    "en": (
        "Little interest or pleasure in doing things",
        "Feeling down, depressed, or hopeless",
        "Trouble falling or staying asleep, or sleeping too much",
        "Feeling tired or having little energy",
        "Poor appetite or overeating",
        "Feeling bad about yourself — or that you are a failure or have let yourself or your family down",
        "Trouble concentrating on things, such as reading the newspaper or watching television",
        "Moving or speaking so slowly that other people could have noticed? Or the opposite — being so fidgety "
        "or restless that you have been moving around a lot more than usual",
        "Thoughts that you would be better off dead or of hurting yourself in some way",
    ),
    "es": (
        "Poco interés o placer en hacer cosas",
        "Se ha sentido decaído(a), deprimido(a) o sin esperanzas",
        "Ha tenido dificultad para quedarse o permanecer dormido(a), o ha dormido demasiado",
        "Se ha sentido cansado(a) o con poca energía",
        "Sin apetito o ha comido en exceso",
        "Se ha sentido mal con usted mismo(a) – o que es un fracaso o que ha quedado mal con usted mismo(a) "
        "o con su familia",
        "Ha tenido dificultad para concentrarse en ciertas actividades, tales como leer el periódico o ver "
        "la televisión",
        "¿Se ha movido o hablado tan lento que otras personas podrían haberlo notado? o lo contrario – muy "
        "inquieto(a) o agitado(a) que ha estado moviéndose mucho más de lo normal",
        "Pensamientos de que estaría mejor muerto(a) o de lastimarse de alguna manera",
    ),
}

GAD7_STEM = {
    "en": "Over the last 2 weeks, how often have you been bothered by the following problems?",
    "es": "Durante las últimas 2 semanas, ¿con qué frecuencia le han molestado los siguientes problemas?",
}
GAD7_ITEMS = {
    "en": (
        "Feeling nervous, anxious, or on edge",
        "Not being able to stop or control worrying",
        "Worrying too much about different things",
        "Trouble relaxing",
        "Being so restless that it is hard to sit still",
        "Becoming easily annoyed or irritable",
        "Feeling afraid, as if something awful might happen",
    ),
    "es": (
        "Se ha sentido nervioso(a), ansioso(a) o con los nervios de punta",
        "No ha sido capaz de parar o controlar su preocupación",
        "Se ha preocupado demasiado por motivos diferentes",
        "Ha tenido dificultad para relajarse",
        "Se ha sentido tan inquieto(a) que no ha podido quedarse quieto(a)",
        "Se ha molestado o irritado fácilmente",
        "Ha tenido miedo de que algo terrible fuera a pasar",
    ),
}


@dataclass(frozen=True)
class Band:
    lowest: int
    label: str


# Severity bands: a score belongs to the last band whose lower bound it reaches.
PHQ9_BANDS = (Band(0, "minimal"), Band(5, "mild"), Band(10, "moderate"), Band(15, "moderately severe"),
              Band(20, "severe"))
GAD7_BANDS = (Band(0, "minimal"), Band(5, "mild"), Band(10, "moderate"), Band(15, "severe"))
PHQ9_MAX, GAD7_MAX, PHQ2_MAX = 27, 21, 6


class IncompleteAnswers(ValueError):
    """A questionnaire cannot be scored: an item is missing or out of range."""


def _total(answers: Sequence[int], *, items: int, name: str) -> int:
    if len(answers) != items:
        raise IncompleteAnswers(f"The {name} has {items} items; {len(answers)} were answered.")
    for number, value in enumerate(answers, start=1):
        if not isinstance(value, int) or isinstance(value, bool) or not ITEM_MIN <= value <= ITEM_MAX:
            raise IncompleteAnswers(f"{name} item {number} must be 0-3, not {value!r}.")
    return sum(answers)


def phq2_score(answers: Sequence[int]) -> int:
    """0-6: the first two PHQ-9 items (interest, mood)."""
    return _total(answers, items=2, name="PHQ-2")


def phq9_score(answers: Sequence[int]) -> int:
    """0-27."""
    return _total(answers, items=9, name="PHQ-9")


def gad7_score(answers: Sequence[int]) -> int:
    """0-21."""
    return _total(answers, items=7, name="GAD-7")


def _band(score: int, bands: tuple[Band, ...], maximum: int) -> str:
    if not 0 <= score <= maximum:
        raise ValueError(f"A score of {score} is outside 0-{maximum}.")
    return [band.label for band in bands if score >= band.lowest][-1]


def phq9_band(score: int) -> str:
    return _band(score, PHQ9_BANDS, PHQ9_MAX)


def gad7_band(score: int) -> str:
    return _band(score, GAD7_BANDS, GAD7_MAX)


def phq2_continues(score: int) -> bool:
    """Whether a PHQ-2 score opens the rest of the PHQ-9."""
    return score >= PHQ2_POSITIVE


def self_harm_answer(phq_items: Sequence[int]) -> int | None:
    """The answer to PHQ-9 item 9, or None when it was not asked."""
    return phq_items[PHQ9_SELF_HARM_ITEM - 1] if len(phq_items) >= PHQ9_SELF_HARM_ITEM else None
