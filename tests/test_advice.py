"""Next steps: each sentence said once, and worded for the subject (no dates advice for science)."""

from __future__ import annotations

import re

import pytest

from marker.advice import _without_repeats, dated_subject, next_steps
from marker.placement import CriterionResult, LevelCheck, Placement
from marker.points import MISSING, PARTIAL, PointResult
from marker.validation import load_validation

#: Advice that only makes sense for history: dates, events, periods, people.
HISTORY_WORDS = re.compile(r"\b(dates?|dated|events?|period|historians?|person)\b", re.I)


def _sentences(steps: list[str]) -> list[str]:
    return [
        " ".join(s.lower().split())
        for step in steps
        for s in re.split(r"(?<=[.!?\u201d])\s+", step)
        if s.strip()
    ]


@pytest.mark.parametrize(
    ("question", "names"),
    [
        # Each of these gave two "Develop: ... — you mention it; explain how it answers the question." steps.
        ("export-of-revolution", ["01-exemplar", "06-exemplar"]),
        ("rapallo-significance", ["30-exemplar"]),
        ("recognition-success", ["01-exemplar", "30-exemplar"]),
    ],
)
def test_advice_next_steps_never_repeat_a_sentence(shipped_marker, question, names):
    answers = [a for a in load_validation(question=question) if a.name in names]
    assert len(answers) == len(names)
    for fb in shipped_marker.mark_many(question, [a.text for a in answers]):
        sentences = _sentences(fb.next_steps)
        assert len(sentences) == len(set(sentences)), fb.next_steps
        assert 2 <= len(fb.next_steps) <= 4
        # The points it mentions without explaining are still named, in one step.
        partial = [p.label.rstrip(".") for p in fb.points if p.status == PARTIAL]
        develop = [s for s in fb.next_steps if s.startswith("Develop")]
        assert len(develop) <= 1
        if develop:
            assert any(label in develop[0] for label in partial)


def test_advice_without_repeats_keeps_what_is_new_in_a_step():
    steps = [
        "To reach level 3, end with a judgement. Rapallo mattered.",
        "Add: Judgement on Rapallo. Rapallo mattered.",
        "Rapallo mattered.",
        "Practise again.",
    ]
    assert _without_repeats(steps) == [steps[0], "Add: Judgement on Rapallo.", "Practise again."]


@pytest.mark.parametrize(
    ("question", "text"),
    [
        ("photosynthesis", "Plants need sunlight."),
        ("photosynthesis", "Plants need water and light to make glucose and oxygen."),
        ("photosynthesis", "chlorophyll glucose oxygen carbon dioxide water light roots leaves"),
        ("bulb-circuit", "It is still lit."),
        ("bulb-circuit", "The bulb is in a complete circuit."),
    ],
)
def test_advice_science_questions_get_no_history_advice(import_marker, question, text):
    fb = import_marker.mark(question, text)
    assert fb.next_steps
    assert not any(HISTORY_WORDS.search(s) for s in fb.next_steps), fb.next_steps


def test_advice_precision_step_is_worded_for_the_subject(import_marker, shipped_marker):
    """The same 'precise evidence' criterion asks a historian for dates and a scientist for terms."""
    ladder = [
        LevelCheck(1, (1, 2), "Some.", True, ()),
        LevelCheck(2, (3, 4), "More.", False, (CriterionResult("precision", 3, 0, "not met", "3 details"),)),
    ]
    placement = Placement(mark=2, level=1, band=(1, 2), ladder=ladder)

    def steps(marker, qid):
        question = marker.bank.question(qid)
        topic = marker.bank.topic_for(question)
        points = [PointResult(p.id, p.label, p.theme, p.weight, MISSING, 0.0) for p in question.points]
        return dated_subject(question, topic), next_steps(question, topic, placement, points, [], [])

    dated, science = steps(import_marker, "photosynthesis")
    assert not dated and "exact terms, names and figures" in science[0]
    assert not any(HISTORY_WORDS.search(s) for s in science)
    dated, history = steps(shipped_marker, "rapallo-significance")
    assert dated and "dates, names and figures" in history[0]
