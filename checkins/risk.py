"""Whether a check-in's answers signal risk: PHQ-9 item 9 above 0 (always), and the clinic's own
rules (words or expressions in the patient's words, answers past a threshold). Item 9 alone
misses risk (people disclose it in their own words), so the free text is always read.

The reasons are for clinicians (the alert page); the patient only ever sees the crisis page.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from dataclasses import dataclass

from django.db.models import Q

from checkins import questionnaires as q
from checkins.models import RiskRule

logger = logging.getLogger(__name__)

ITEM9_WORDS = {1: "several days", 2: "more than half the days", 3: "nearly every day"}


@dataclass(frozen=True)
class Reason:
    code: str  # phq9_item9 or rule:<id>
    detail: str

    def as_dict(self) -> dict:
        return {"code": self.code, "detail": self.detail}


def fold(text: str) -> str:
    """Lower case without accents, so "Suicidio", "SUICIDIO" and "suicidio" read alike."""
    return "".join(ch for ch in unicodedata.normalize("NFKD", text.lower()) if not unicodedata.combining(ch))


def keyword_regex(words: str) -> re.Pattern:
    """Words that match at the start of a word ("suicid" finds "suicidal"), spaces or hyphens between."""
    parts = [re.escape(part) for part in fold(words).split()]
    return re.compile(r"\b" + r"[\s\-]+".join(parts))


def rules_for(location_id: int | None) -> list[RiskRule]:
    return list(RiskRule.objects.filter(Q(location__isnull=True) | Q(location_id=location_id), active=True)
                .order_by("pk"))


def _text_matches(rule: RiskRule, folded: str) -> bool:
    try:
        pattern = keyword_regex(rule.pattern) if rule.kind == RiskRule.Kind.KEYWORD else re.compile(rule.pattern)
    except re.error:
        logger.error("Risk rule %s has an invalid expression; it is skipped until fixed", rule.pk)
        return False
    return bool(pattern.search(folded))


def _answer_matches(rule: RiskRule, values: dict[str, int | None]) -> bool:
    value = values.get(rule.answer)
    if value is None or rule.threshold is None:
        return False
    return value >= rule.threshold if rule.comparison == RiskRule.Comparison.AT_LEAST else value <= rule.threshold


def evaluate(*, answers, location_id: int | None, rules: list[RiskRule] | None = None) -> list[Reason]:
    """Every reason these answers (a CheckInAnswers, saved or not) need a clinician now."""
    reasons: list[Reason] = []
    item9 = q.self_harm_answer(answers.phq_items)
    if item9:
        reasons.append(Reason("phq9_item9", f"PHQ-9 item 9 (thoughts of being better off dead or of self-harm): "
                                            f"{ITEM9_WORDS.get(item9, item9)} ({item9})."))
    words = " \n ".join(part for part in (answers.free_text, answers.side_effects_other) if part)
    folded = fold(words)
    values = {"mood": answers.mood, "sleep": answers.sleep, "phq2_score": answers.phq2_score,
              "phq9_score": answers.phq9_score, "gad7_score": answers.gad7_score}
    for rule in rules if rules is not None else rules_for(location_id):
        if rule.kind == RiskRule.Kind.ANSWER:
            if _answer_matches(rule, values):
                value = values[rule.answer]
                reasons.append(Reason(f"rule:{rule.pk}", f"{rule.description} ({rule.get_answer_display()} "
                                                         f"{value}, rule: {rule.get_comparison_display()} "
                                                         f"{rule.threshold})."))
        elif folded and _text_matches(rule, folded):
            reasons.append(Reason(f"rule:{rule.pk}", f"{rule.description} (matched {rule.pattern!r} in the "
                                                     "patient's own words)."))
    return reasons
