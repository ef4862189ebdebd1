"""Golden tests on the shipped question bank, with the real spaCy pipeline.

They pin what users care about: exemplars land where they were written to land,
keyword salad and templated gaming do not, off-question answers score low, and a wrong
date is flagged. Model answers are marked leave-one-out (the answer being marked is
taken out of the model answers it is compared with), so no answer is compared with itself;
each is marked so once (the ``shipped_left_out`` fixture) and its feedback shared by the tests.
"""

from __future__ import annotations

import pytest

from marker.bank import QuestionBank

BANK = QuestionBank.load()
ESSAYS = sorted(q.id for q in BANK.questions.values() if q.kind == "levels")
CASES = [(qid, a.name) for qid in sorted(BANK.model_answers) for a in BANK.answers_for(qid)]


@pytest.mark.parametrize(("question_id", "name"), CASES)
def test_golden_model_answer_lands_near_its_intended_mark(shipped_left_out, question_id, name):
    answer = next(a for a in BANK.answers_for(question_id) if a.name == name)
    fb = shipped_left_out.mark(question_id, name)
    if fb.marking_kind == "levels":
        assert abs(fb.level - answer.intended_level) <= 1, fb.summary
    else:
        assert abs(fb.mark - answer.intended_mark) <= 1, fb.summary
    assert not [f for f in fb.fact_issues if f.severity == "error"], fb.fact_issues
    assert not fb.advisories


@pytest.mark.parametrize("question_id", ESSAYS)
def test_golden_exemplars_are_ordered_by_level(shipped_left_out, question_id):
    answers = sorted(BANK.answers_for(question_id), key=lambda a: a.intended_mark)
    marks = [shipped_left_out.mark(question_id, a.name).mark for a in answers]
    assert marks == sorted(marks) and marks[0] < marks[-1]


def _salads(question_id: str) -> dict[str, str]:
    q = BANK.questions[question_id]
    topic = BANK.topics[q.topic]
    concept_ids = list(dict.fromkeys(c for p in q.points for c in p.concepts))
    labels = [topic.concept(c).label for c in concept_ids]
    cues = [a for p in q.points for a in p.aliases]
    return {
        "comma list": ", ".join(labels) + ".",
        "list with every cue": ", ".join(labels + cues) + ".",
        "one per line": "\n".join(labels + cues),
        "was important": " ".join(f"{label} was important." for label in labels),
        "template": " ".join(
            f"{label} was significant because of {cue}." for label, cue in zip(labels * 3, cues, strict=False)
        ),
    }


@pytest.mark.parametrize("question_id", ESSAYS)
@pytest.mark.parametrize(
    "kind", ["comma list", "list with every cue", "one per line", "was important", "template"]
)
def test_golden_keyword_salad_held_at_level_two(shipped_marker, question_id, kind):
    fb = shipped_marker.mark(question_id, _salads(question_id)[kind])
    assert fb.level <= 2
    assert {a.code for a in fb.advisories} & {"keyword-salad", "formulaic"}


@pytest.mark.parametrize("question_id", ESSAYS)
@pytest.mark.parametrize(
    "kind", ["comma list", "list with every cue", "one per line", "was important", "template"]
)
def test_golden_keyword_salad_gains_no_level_from_a_bare_verdict(shipped_marker, question_id, kind):
    """A verdict on the question's claim may state a judgement, but it argues nothing: "I agree." after
    keyword salad leaves it where it was, at level two at most (a verdict on its own line adds no mark)."""
    salad = _salads(question_id)[kind]
    base, *agreed = shipped_marker.mark_many(
        question_id, [salad, salad + " I agree.", salad + "\n\nIn conclusion, I agree with the view."]
    )
    for fb in agreed:
        assert (fb.level or 0) <= min(2, base.level or 0)
        assert {a.code for a in fb.advisories} & {"keyword-salad", "formulaic"}
    assert agreed[-1].mark <= base.mark


@pytest.mark.parametrize("question_id", sorted(set(BANK.questions) - set(ESSAYS)))
def test_golden_keyword_salad_on_short_questions_earns_at_most_half(shipped_marker, question_id):
    q = BANK.questions[question_id]
    for text in _salads(question_id).values():
        fb = shipped_marker.mark(question_id, text)
        assert fb.mark <= q.max_mark // 2, text


@pytest.mark.parametrize(
    ("written_for", "marked_as", "at_most"),
    [
        ("allied-intervention", "rapallo-significance", 10),
        ("rapallo-significance", "allied-intervention", 10),
        ("zinoviev-opinion", "allied-intervention", 5),
        ("why-world-revolution", "zinoviev-opinion", 1),
        ("allied-intervention", "comintern-colonial", 1),
    ],
)
def test_golden_answer_to_another_question_scores_low(
    shipped_marker, shipped_left_out, written_for, marked_as, at_most
):
    best = BANK.answers_for(written_for)[0]
    own = shipped_left_out.mark(written_for, best.name).mark
    other = shipped_marker.mark(marked_as, best.text).mark
    assert own > other and other <= at_most


@pytest.mark.parametrize(
    ("question_id", "sentence", "wrong", "correct"),
    [
        (
            "rapallo-significance",
            "The Treaty of Rapallo in 1923 ended Soviet isolation because Germany restored relations.",
            "1923",
            "16 April 1922",
        ),
        (
            "allied-intervention",
            "The Treaty of Brest-Litovsk, signed in 1919, took Russia out of the war.",
            "1919",
            "3 March 1918",
        ),
        (
            "export-of-revolution",
            "The Battle of Warsaw in August 1921 ended hopes of spreading revolution.",
            "August 1921",
            "August 1920",
        ),
        (
            "recognition-success",
            "Britain gave de jure recognition to the USSR in 1926 under Labour.",
            "1926",
            "1 February 1924",
        ),
    ],
)
def test_golden_wrong_date_is_flagged(shipped_marker, question_id, sentence, wrong, correct):
    fb = shipped_marker.mark(question_id, sentence)
    errors = [f for f in fb.fact_issues if f.severity == "error"]
    assert [e.text for e in errors] == [wrong]
    assert correct in errors[0].correct and sentence[errors[0].start : errors[0].end] == wrong


@pytest.mark.parametrize(("question_id", "name"), CASES)
def test_golden_evidence_offsets_slice_the_answer(shipped_marker, question_id, name):
    text = next(a for a in BANK.answers_for(question_id) if a.name == name).text
    fb = shipped_marker.mark(question_id, text)
    for p in fb.points:
        for q in (*p.evidence, *p.cues):
            assert text[q.start : q.end] == q.text
    for f in fb.fact_issues:
        assert text[f.start : f.end] == f.text


def test_golden_redraft_that_adds_a_point_moves_the_mark(shipped_marker):
    draft = next(a for a in BANK.answers_for("rapallo-significance") if a.name == "level2").text
    first = shipped_marker.mark("rapallo-significance", draft)
    added = (
        "\n\nHowever, Rapallo's significance should not be exaggerated. It was not an alliance, and Britain had "
        "already signed the Anglo-Soviet Trade Agreement in March 1921, so the break with isolation had begun before "
        "Rapallo. This shows that recognition came from trade needs as much as from the treaty."
    )
    second = shipped_marker.mark("rapallo-significance", draft + added)
    assert second.mark > first.mark
    gained = {p.id for p in second.points if p.status != "missing"} - {
        p.id for p in first.points if p.status != "missing"
    }
    assert gained
