"""Issue 11's two examiner objections, on the real pipeline and the shipped questions.

1. Each distinct sentence counts once everywhere: an answer that says its sentences again
   within its paragraphs (word for word or nearly) climbs no mark, level or judgement.
2. A filler sentence is never the judgement.
3. Background before the question's period is noted only when the argument relies on it.
"""

from __future__ import annotations

import re

import pytest

from marker.evidence import core_words, is_repeat
from marker.factcheck import OUTSIDE_PERIOD
from marker.validation import FILLER, load_validation

QUESTIONS = ("allied-intervention", "export-of-revolution", "rapallo-significance", "recognition-success")
#: Openers that make a near-duplicate of a sentence ("Again, the Allies...").
OPENERS = ("Again, ", "Clearly, ", "This shows that ", "So ", "In other words, ", "Overall, ")


def _sentences(paragraph: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+", paragraph.strip()) if s]


def _lower_first(s: str) -> str:
    return s[0].lower() + s[1:] if s[:2] != s[:2].upper() else s


def said_again(text: str, near: bool) -> str:
    """Each paragraph says its sentences two or three times over, inside the paragraph:
    word for word, or (``near``) each time behind an opener such as "Again,"."""
    out, n = [], 0
    for p, paragraph in enumerate(text.split("\n\n")):
        times = 2 + p % 2
        new = []
        for s in _sentences(paragraph):
            new.append(s)
            for _ in range(times - 1):
                new.append(OPENERS[n % len(OPENERS)] + _lower_first(s) if near else s)
                n += 1
        out.append(" ".join(new))
    return "\n\n".join(out)


def _middling(question: str, k: int = 3) -> list:
    return [a for a in load_validation(question=question) if a.intended_level in (2, 3)][:k]


def test_evidence_near_duplicate_is_a_repeat():
    said = [core_words("the allies sent troops to archangel in the north")]
    assert is_repeat(core_words("again the allies sent troops to archangel in the north"), 10, said)
    assert is_repeat(core_words("this shows that the allies sent troops to archangel in the north"), 13, said)
    assert is_repeat("the allies sent many troops to archangel in the north", 10, said)
    assert not is_repeat("the allies withdrew their troops from siberia in the end", 10, said)
    assert not is_repeat("again this mattered", 3, ["this mattered"])  # short sentences recur honestly


@pytest.mark.parametrize("question", QUESTIONS)
@pytest.mark.parametrize("near", [False, True], ids=["word-for-word", "near-duplicates"])
def test_golden_repeated_sentences_do_not_climb(shipped_marker, question, near):
    answers = _middling(question)
    assert answers
    texts = [a.text for a in answers]
    marks = shipped_marker.mark_many(question, texts + [said_again(t, near) for t in texts])
    for a, fb, again in zip(answers, marks[: len(texts)], marks[len(texts) :], strict=True):
        assert again.mark <= fb.mark, a.name
        assert (again.level or 0) <= (fb.level or 0), a.name
        assert again.features.analysis_share <= fb.features.analysis_share + 0.05, a.name
        assert again.features.n_analytic <= fb.features.n_analytic, a.name


def _weak_without_judgement(marker) -> tuple[str, str]:
    for a in load_validation():
        if a.kind == "weak" and a.intended_level == 1:
            fb = marker.mark(a.question, a.text)
            if fb.features.judgement == "none" and fb.features.n_sentences >= 3:
                return a.question, a.text
    raise AssertionError("no weak answer without a judgement in the validation set")


def test_golden_weak_answer_said_again_gains_no_judgement(shipped_marker):
    question, text = _weak_without_judgement(shipped_marker)
    paragraphs = text.split("\n\n")
    # Its sentences said again as a "conclusion": in the last paragraph and as a paragraph of their own.
    restated = " ".join(f"In conclusion, {_lower_first(s)}" for s in _sentences(paragraphs[-1]))
    versions = [said_again(text, near=True), text + " " + restated, text + "\n\n" + restated]
    for fb in shipped_marker.mark_many(question, versions):
        assert fb.features.judgement == "none"


def test_golden_filler_conclusion_is_never_the_judgement(shipped_marker):
    question, text = _weak_without_judgement(shipped_marker)
    base = shipped_marker.mark(question, text)
    # FILLER ends with "Overall this shows that there were many reasons...": a conclusion's opening.
    for padded in (text + " " + FILLER, text + "\n\n" + FILLER):
        fb = shipped_marker.mark(question, padded)
        assert fb.features.judgement == "none"
        assert fb.mark <= base.mark
        filler = {(s.start, s.end) for s in fb.sentences if s.filler}
        for check in fb.ladder:
            for c in check.criteria:
                if c.name == "judgement":
                    assert not {(q.start, q.end) for q in c.evidence} & filler


def test_golden_verdict_sentence_before_its_reasons_still_judges(shipped_marker):
    # "In conclusion, the view is valid." names nothing, but opens a conclusion that argues it.
    (answer,) = [a for a in load_validation(question="export-of-revolution") if a.name == "05-exemplar"]
    fb = shipped_marker.mark(answer.question, answer.text)
    assert fb.features.judgement != "none" and fb.structure.conclusion


# --------------------------------------------------------------------------- verdicts on the question's claim

#: The verdict of validation essay export-of-revolution/05-exemplar, which opens its last paragraph.
VERDICT = "In conclusion, the view is valid."
#: Verdicts as pupils write them: each names the question's claim or agrees with it, and nothing else.
VERDICTS = (
    VERDICT,
    "So I agree with the statement.",
    "Overall the view is mostly right.",
    "This interpretation is only partly convincing.",
    "I disagree to a large extent.",
    "To conclude, the view holds only in part.",
)


def _verdict_exemplar():
    (answer,) = [a for a in load_validation(question="export-of-revolution") if a.name == "05-exemplar"]
    assert VERDICT in answer.text
    return answer


def _said(fb, text: str, sentence: str) -> set[int]:
    """Indices of the feedback's sentences that are ``sentence``."""
    return {i for i, s in enumerate(fb.sentences) if text[s.start : s.end].strip() == sentence}


def test_golden_verdict_on_the_view_is_the_judgement_that_answers_the_question(shipped_marker):
    """export-of-revolution/05-exemplar ends on "In conclusion, the view is valid." and its reasons: the
    verdict is filler (it names nothing of the history) yet it is the judgement, and it answers the
    question's demand, so the developed conclusion after it is a substantiated judgement (level 5)."""
    answer = _verdict_exemplar()
    fb = shipped_marker.mark(answer.question, answer.text)
    (verdict,) = _said(fb, answer.text, VERDICT)
    assert fb.sentences[verdict].filler and verdict in fb.structure.conclusion
    assert fb.features.answers_demand and fb.features.judgement == "substantiated"
    (top,) = [c for c in fb.ladder[-1].criteria if c.name == "judgement"]
    assert top.status == "met" and VERDICT in {answer.text[q.start : q.end] for q in top.evidence}
    assert fb.level == 5


@pytest.mark.parametrize("verdict", VERDICTS)
@pytest.mark.parametrize("where", ["opening", "last sentence", "own line"])
def test_golden_verdict_phrasings_state_the_judgement(shipped_marker, verdict, where):
    """The exemplar's verdict said as pupils say it, where they put it: opening the last paragraph,
    closing it, or on a line of its own after it. Each is the judgement and answers the question."""
    text = _verdict_exemplar().text
    if where == "opening":
        text = text.replace(VERDICT, verdict)
    else:
        text = text.replace(VERDICT + " ", "") + ("\n\n" if where == "own line" else " ") + verdict
    fb = shipped_marker.mark("export-of-revolution", text)
    (i,) = _said(fb, text, verdict)
    assert i in fb.structure.conclusion
    assert fb.features.answers_demand and fb.features.judgement == "substantiated"


#: Stock sentences that say nothing about the question: never a verdict, never the judgement.
STOCK = (
    "Overall there were many reasons why this happened.",
    "Overall this shows that there were many reasons and all of them mattered in different ways.",
    "In conclusion, there were many different factors.",
)


@pytest.mark.parametrize("stock", STOCK)
@pytest.mark.parametrize("where", ["last sentence", "own line"])
def test_golden_stock_filler_is_never_the_judgement(shipped_marker, stock, where):
    question, text = _weak_without_judgement(shipped_marker)
    base = shipped_marker.mark(question, text)
    padded = text + ("\n\n" if where == "own line" else " ") + stock
    fb = shipped_marker.mark(question, padded)
    assert fb.features.judgement == "none" and not _said(fb, padded, stock) & set(fb.structure.conclusion)
    assert fb.mark <= base.mark


# --------------------------------------------------------------------------- background


def _exemplar(question: str):
    for a in load_validation(question=question):
        if a.kind == "exemplar":
            return a
    raise AssertionError(question)


BACKGROUND = "After the First World War, Germany bitterly resented the Treaty of Versailles."
BUILT_ON_THE_WAR = (
    "The First World War began in 1914 and Russia suffered terrible defeats at Tannenberg. "
    "In 1915 the Russian army retreated from Poland. "
    "By 1916 there were food shortages in the cities and the Tsar had taken command of the army, "
    "so that his government was blamed for every defeat."
)


@pytest.mark.parametrize("question", ["rapallo-significance", "recognition-success"])
def test_golden_background_sentence_gets_no_period_note(shipped_marker, question):
    answer = _exemplar(question)
    first, rest = answer.text.split("\n\n", 1)
    text = f"{BACKGROUND} {first}\n\n{rest}"
    fb = shipped_marker.mark(question, text)
    notes = [f for f in fb.fact_issues if f.kind == OUTSIDE_PERIOD and f.start < len(BACKGROUND)]
    assert not notes
    assert "out-of-period" not in {a.code for a in fb.advisories}


@pytest.mark.parametrize("question", ["rapallo-significance", "recognition-success"])
def test_golden_paragraph_built_on_the_war_is_noted(shipped_marker, question):
    answer = _exemplar(question)
    first, rest = answer.text.split("\n\n", 1)
    text = f"{first}\n\n{BUILT_ON_THE_WAR}\n\n{rest}"
    fb = shipped_marker.mark(question, text)
    start, end = len(first) + 2, len(first) + 2 + len(BUILT_ON_THE_WAR)
    notes = [f for f in fb.fact_issues if f.kind == OUTSIDE_PERIOD and start <= f.start < end]
    assert len(notes) >= 2 and all(f.severity == "note" for f in notes)
    assert "out-of-period" in {a.code for a in fb.advisories}


BUILT_ON_LATER_YEARS = (
    "In 1933 the United States at last recognised the Soviet Union. "
    "In 1934 the Soviet Union joined the League of Nations, and in 1935 it signed a pact with France."
)


@pytest.mark.parametrize(
    "name",
    [
        "recognition-success/01-exemplar",  # "would not grant it until 1933"
        "recognition-success/13-exemplar",
        "recognition-success/22-exemplar",  # "which refused recognition until 1933"
        "rapallo-significance/18-exemplar",
        "rapallo-significance/30-exemplar",  # "This cooperation lasted until 1933"
    ],
)
def test_golden_later_event_in_passing_gets_no_period_note(shipped_marker, name):
    """A passing sentence on what came after the period ("the USA did not recognise the USSR until
    1933") is evidence of how things stood within it, as examiners read it: no note (each of these
    exemplars had one before stop 33)."""
    question, _, stem = name.partition("/")
    answer = next(a for a in load_validation(question=question) if a.name == stem)
    fb = shipped_marker.mark(question, answer.text)
    assert not [f for f in fb.fact_issues if f.kind == OUTSIDE_PERIOD]


def test_golden_paragraph_built_on_later_years_is_noted(shipped_marker):
    answer = _exemplar("recognition-success")
    text = f"{answer.text}\n\n{BUILT_ON_LATER_YEARS}"
    fb = shipped_marker.mark("recognition-success", text)
    start = len(answer.text) + 2
    notes = [f for f in fb.fact_issues if f.kind == OUTSIDE_PERIOD and f.start >= start]
    assert len(notes) >= 2 and all(f.severity == "note" for f in notes)
