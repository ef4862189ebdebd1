"""Issue 11, item 4: the same words are marked the same however the pupil paragraphed them.

Real pupils often write one unparagraphed block, or break a paragraph every sentence or two.
An essay's conclusion is its last paragraph; an unparagraphed essay's was only its last two
sentences, so a written-out conclusion ("In conclusion, ..." and three sentences weighing the
evidence) lost its substantiation, and a level, when the paragraph breaks were taken out or the
conclusion was cut in two (on main at 79edacd, 24 of the 120 validation essays moved a level with
their breaks removed, 26 with a break every two sentences). A conclusion opened as a whole late in
the answer now runs from that sentence to the end (:func:`marker.structure.closing`).
"""

from __future__ import annotations

import re

import pytest

from marker.evidence import gather
from marker.structure import closing
from marker.validation import load_validation


def _sentences(text: str) -> list[str]:
    return re.split(r"(?<=[.!?])\s+", " ".join(text.split()))


def _one_block(text: str) -> str:
    return " ".join(_sentences(text))


def _conclusion_cut(text: str) -> str:
    """The essay as written, its last paragraph cut after its first two sentences."""
    *body, last = text.split("\n\n")
    sents = _sentences(last)
    return "\n\n".join([*body, " ".join(sents[:2]), " ".join(sents[2:])])


VALIDATION = {f"{a.question}/{a.name}": a for a in load_validation()}
#: Each lost a level on main at 79edacd in one block and with its conclusion cut after two sentences:
#: L5 -> L4 (judgement "stated") or L5 -> L3 (no judgement found at all).
MOVED_ON_MAIN = [
    "allied-intervention/01-exemplar",
    "allied-intervention/30-exemplar",
    "export-of-revolution/06-exemplar",
    "recognition-success/01-exemplar",
    "recognition-success/20-factual-slip",
]


@pytest.mark.parametrize("key", MOVED_ON_MAIN)
def test_paragraphing_essay_keeps_its_level_unparagraphed_or_with_its_conclusion_cut(shipped_marker, key):
    a = VALIDATION[key]
    plain = shipped_marker.mark(a.question, a.text)
    assert plain.level == a.intended_level == 5, plain.summary
    assert plain.features.judgement == "substantiated"
    for rewrite in (_one_block, _conclusion_cut):
        fb = shipped_marker.mark(a.question, rewrite(a.text))
        assert (fb.level, fb.features.judgement) == (5, "substantiated"), (rewrite.__name__, fb.summary)


def _evidence(marker, question_id: str, text: str):
    return gather(marker.nlp(text), marker.index(marker.bank.question(question_id)))


BODY = (
    "The Allies sent troops to Murmansk and Archangel in 1918. The British also sent supplies to "
    "Denikin in the south. The Japanese landed at Vladivostok and stayed in the Far East. The "
    "Czech Legion seized the Trans-Siberian Railway in May 1918. The Whites were divided and far "
    "apart. The Bolsheviks held Moscow, Petrograd and the railways."
)
VERDICT = (
    "In conclusion, the intervention prolonged the war but did not decide it. It gave the Whites "
    "supplies in 1919, yet it was too small to matter. The Red Army's control of the centre was "
    "far more important."
)


def _closing_words(marker, text: str, essay: bool = True) -> list[str]:
    evidence = _evidence(marker, "allied-intervention", text)
    return [s.text.split()[0] for s in closing(evidence, 2, essay=essay)]


def test_paragraphing_closing_runs_from_a_late_conclusion_opener_to_the_end(shipped_marker):
    assert _closing_words(shipped_marker, f"{BODY} {VERDICT}") == ["In", "It", "The"]
    cut = f"{BODY}\n\n{VERDICT.replace(' The Red', chr(10) * 2 + 'The Red')}"
    assert _closing_words(shipped_marker, cut) == ["In", "It", "The"]


def test_paragraphing_closing_is_not_stretched_by_a_body_word_or_an_early_opener(shipped_marker):
    # "Therefore" opens body sentences too: not a whole conclusion, so the last two sentences stay.
    body_word = f"{BODY} {VERDICT.replace('In conclusion, the', 'Therefore the')}"
    assert _closing_words(shipped_marker, body_word) == ["It", "The"]
    # "Overall" in the first half of the answer opens no conclusion.
    early = (
        f"Overall, the intervention mattered little. {BODY} The Reds won in the end. They held the centre."
    )
    assert _closing_words(shipped_marker, early) == ["The", "They"]
    # Short answers keep their last two sentences (their fitted calibrators read them so).
    assert _closing_words(shipped_marker, f"{BODY} {VERDICT}", essay=False) == ["It", "The"]


@pytest.mark.parametrize(
    "opener",
    [
        "Balancing these points, the",
        "Looking at all this, the",
        "Weighing up both sides, the",
        "Considering all of this, the",
    ],
)
def test_paragraphing_closing_runs_from_a_clause_that_weighs_the_whole_argument(shipped_marker, opener):
    """A conclusion opened without a marker phrase ("Balancing these points, ...") was found only as
    a last paragraph: in one block, or cut in two, it is found from that sentence to the end too."""
    verdict = VERDICT.replace("In conclusion, the", opener)
    assert _closing_words(shipped_marker, f"{BODY} {verdict}")[0] == opener.split()[0]
    cut = f"{BODY}\n\n{verdict.replace(' The Red', chr(10) * 2 + 'The Red')}"
    assert _closing_words(shipped_marker, cut)[0] == opener.split()[0]
    # A clause about one thing ("Looking at the treaty,") weighs nothing: the last two sentences stay.
    one_thing = VERDICT.replace("In conclusion, the", "Looking at the Whites, the")
    assert _closing_words(shipped_marker, f"{BODY} {one_thing}") == ["It", "The"]


def test_paragraphing_closing_runs_from_a_late_verdict_on_the_question(shipped_marker):
    """Stop 35: a verdict on the question's claim late in the answer ("So I agree with the statement
    only a little.") opens the conclusion as "In conclusion" does, when a paragraph break falls after
    its reasons; on main at f52cc06 the conclusion was the last paragraph alone."""
    verdict = VERDICT.replace(
        "In conclusion, the intervention", "So I agree with the statement only a little: it"
    )
    cut = f"{BODY}\n\n{verdict.replace(' The Red', chr(10) * 2 + 'The Red')}"
    assert _closing_words(shipped_marker, cut) == ["So", "It", "The"]
    # Early in the answer a verdict states the thesis, and the conclusion stays the last paragraph.
    early = f"So I agree with the statement only a little. {BODY}\n\nThe Red Army was far more important."
    assert _closing_words(shipped_marker, early) == ["The"]


def test_paragraphing_summing_up_conclusion_keeps_its_level_in_one_block(shipped_marker):
    """rapallo-significance/09-factual-slip ends on "Balancing these points, Rapallo was significant
    ...": on main, in one block or with its conclusion cut, no judgement was found (level 4 -> 3)."""
    a = VALIDATION["rapallo-significance/09-factual-slip"]
    plain = shipped_marker.mark(a.question, a.text)
    for rewrite in (_one_block, _conclusion_cut):
        fb = shipped_marker.mark(a.question, rewrite(a.text))
        assert (fb.level, fb.features.judgement) == (plain.level, plain.features.judgement), rewrite.__name__


def test_paragraphing_essay_in_one_block_is_not_told_its_conclusion_contradicts_its_introduction(
    shipped_marker,
):
    """An answer in one paragraph has no introduction: read as one, the whole answer (conclusion
    included) was its thesis, and this exemplar, with no advisory as written, was told in one block
    that "the conclusion leans the opposite way to the introduction" (main at 79edacd)."""
    a = VALIDATION["allied-intervention/01-exemplar"]
    as_written = {x.code for x in shipped_marker.mark(a.question, a.text).advisories}
    block = shipped_marker.mark(a.question, _one_block(a.text))
    assert "inconsistent" not in as_written
    assert {x.code for x in block.advisories} == as_written and not block.structure.thesis
