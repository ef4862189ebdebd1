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


def _one_block(text: str) -> str:
    return " ".join(p.strip() for p in text.split("\n\n"))


def test_advice_essay_in_one_block_is_told_to_use_paragraphs_last(shipped_marker):
    """An essay long enough to need paragraphs, written in one block, is told to set itself out in
    paragraphs, as its last step (its first are what it needs for its next level); the same essay in
    paragraphs, a short answer in one block and a points question are not (main at 1f3b3fe: never)."""
    from pathlib import Path

    from marker.advice import PARAGRAPHS_STEP

    pupils = Path(__file__).resolve().parent / "pupils" / "tuning"
    block = {a.name: a for a in load_validation(pupils)}["ai-analytical-nopara"]
    steps = shipped_marker.mark(block.question, block.text).next_steps
    assert steps[-1] == PARAGRAPHS_STEP and 2 <= len(steps) <= 4
    assert steps[0].startswith("Correct the date")  # the wrong Orel date still comes first

    exemplar = next(a for a in load_validation(question="allied-intervention") if a.name == "01-exemplar")
    assert exemplar.text.count("\n\n") >= 3
    assert PARAGRAPHS_STEP not in shipped_marker.mark(exemplar.question, exemplar.text).next_steps
    one_block = shipped_marker.mark(exemplar.question, _one_block(exemplar.text)).next_steps
    assert one_block[-1] == PARAGRAPHS_STEP and len(one_block) <= 4
    short = "The Allies sent troops to Archangel in 1918, but they were few and soon withdrew."
    assert PARAGRAPHS_STEP not in shipped_marker.mark(exemplar.question, short).next_steps
    # A question marked by points (british-recognition) is answered in a block: no such step.
    long_points = " ".join([short] * 12)
    fb = shipped_marker.mark("british-recognition", long_points)
    assert fb.marking_kind == "points" and fb.features.n_words >= 150
    assert PARAGRAPHS_STEP not in fb.next_steps
