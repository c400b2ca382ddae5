"""Questionnaire scores and bands: PHQ-9 0-27 (5/10/15/20), GAD-7 0-21 (5/10/15), PHQ-2 0-6
with the continuation at 3, on known answer sets and at every band boundary."""

from __future__ import annotations

import pytest
from hypothesis import given, strategies as st

from checkins import questionnaires as q


@pytest.mark.parametrize(("answers", "score", "band"), [
    ([0] * 9, 0, "minimal"),
    ([1, 1, 1, 1, 0, 0, 0, 0, 0], 4, "minimal"),
    ([1, 1, 1, 1, 1, 0, 0, 0, 0], 5, "mild"),
    ([2, 2, 2, 2, 1, 0, 0, 0, 0], 9, "mild"),
    ([2, 2, 2, 2, 2, 0, 0, 0, 0], 10, "moderate"),
    ([3, 3, 2, 2, 2, 2, 0, 0, 0], 14, "moderate"),
    ([3, 3, 3, 2, 2, 2, 0, 0, 0], 15, "moderately severe"),
    ([3, 3, 3, 3, 3, 2, 2, 0, 0], 19, "moderately severe"),
    ([3, 3, 3, 3, 3, 3, 2, 0, 0], 20, "severe"),
    ([3] * 9, 27, "severe"),
    ([2, 3, 1, 2, 0, 1, 2, 1, 0], 12, "moderate"),  # a worked example: 2+3+1+2+0+1+2+1+0
])
def test_phq9_totals_and_bands_at_every_boundary(answers, score, band):
    assert q.phq9_score(answers) == score
    assert q.phq9_band(score) == band


@pytest.mark.parametrize(("answers", "score", "band"), [
    ([0] * 7, 0, "minimal"),
    ([1, 1, 1, 1, 0, 0, 0], 4, "minimal"),
    ([1, 1, 1, 1, 1, 0, 0], 5, "mild"),
    ([2, 2, 2, 2, 1, 0, 0], 9, "mild"),
    ([2, 2, 2, 2, 2, 0, 0], 10, "moderate"),
    ([3, 3, 3, 3, 2, 0, 0], 14, "moderate"),
    ([3, 3, 3, 3, 3, 0, 0], 15, "severe"),
    ([3] * 7, 21, "severe"),
])
def test_gad7_totals_and_bands_at_every_boundary(answers, score, band):
    assert q.gad7_score(answers) == score
    assert q.gad7_band(score) == band


@pytest.mark.parametrize(("answers", "score", "continues"), [
    ([0, 0], 0, False), ([1, 1], 2, False), ([2, 1], 3, True), ([1, 2], 3, True), ([3, 3], 6, True),
])
def test_phq2_is_the_first_two_items_and_three_or_more_opens_the_rest_of_the_phq9(answers, score, continues):
    assert q.phq2_score(answers) == score
    assert q.phq2_continues(score) is continues


@pytest.mark.parametrize(("scorer", "answers", "message"), [
    (q.phq9_score, [0] * 8, "The PHQ-9 has 9 items; 8 were answered."),
    (q.phq9_score, [0] * 8 + [4], "PHQ-9 item 9 must be 0-3, not 4."),
    (q.gad7_score, [0] * 6 + [-1], "GAD-7 item 7 must be 0-3, not -1."),
    (q.phq2_score, [True, 0], "PHQ-2 item 1 must be 0-3, not True."),
])
def test_an_incomplete_or_out_of_range_answer_set_is_not_scored(scorer, answers, message):
    with pytest.raises(q.IncompleteAnswers, match=message.replace("?", r"\?")):
        scorer(answers)


def test_a_score_outside_the_scale_has_no_band():
    with pytest.raises(ValueError, match="outside 0-27"):
        q.phq9_band(28)
    with pytest.raises(ValueError, match="outside 0-21"):
        q.gad7_band(22)


def test_item_nine_is_read_only_when_the_whole_phq9_was_asked():
    assert q.self_harm_answer([0, 0, 0, 0, 0, 0, 0, 0, 2]) == 2
    assert q.self_harm_answer([3, 3]) is None


@given(st.lists(st.integers(min_value=0, max_value=3), min_size=9, max_size=9))
def test_any_phq9_answer_set_scores_its_sum_and_the_band_follows_the_score(answers):
    score = q.phq9_score(answers)
    assert score == sum(answers)
    expected = ("minimal", "mild", "moderate", "moderately severe", "severe")[min(score // 5, 4)]
    assert q.phq9_band(score) == expected


def test_both_languages_have_every_item_and_the_four_options():
    for language in ("en", "es"):
        assert len(q.PHQ9_ITEMS[language]) == 9
        assert len(q.GAD7_ITEMS[language]) == 7
        assert len(q.OPTIONS[language]) == 4
    assert q.PHQ9_ITEMS["es"][8] == "Pensamientos de que estaría mejor muerto(a) o de lastimarse de alguna manera"
