"""End-to-end with the real spaCy pipeline on the small fixture bank."""

from __future__ import annotations

import json

import pytest

from marker.errors import MAX_ANSWER_CHARS, AnswerTooLongError, UnknownQuestionError
from marker.rubric import parse_question

from .conftest import MINI_RUBRICS

TOP = (
    "The Treaty of Rapallo, signed on 16 April 1922, was highly significant because it broke the isolation of "
    "Soviet Russia. Germany became the first major power to restore relations, which meant the USSR was no longer "
    "a pariah.\n\nMoreover, the secret clauses allowed German troops to train and test weapons on Soviet soil.\n\n"
    "However, it was not an alliance, so its impact was limited.\n\nOverall, Rapallo was significant because it "
    "ended isolation in 1922."
)


def test_engine_marks_deterministically(mini_marker):
    a, b = mini_marker.mark("mini-essay", TOP), mini_marker.mark("mini-essay", TOP)
    assert a.to_dict() == b.to_dict()


def test_engine_feedback_json_has_the_contract_fields(mini_marker):
    data = json.loads(mini_marker.mark("mini-essay", TOP).to_json())
    for key in (
        "question_id",
        "mark",
        "max_mark",
        "level",
        "points",
        "fact_issues",
        "advisories",
        "next_steps",
    ):
        assert key in data
    assert data["question_id"] == "mini-essay" and data["max_mark"] == 25
    point = data["points"][0]
    assert set(point) >= {"id", "label", "status", "evidence"} and point["status"] in {
        "credited",
        "partial",
        "missing",
    }
    assert 2 <= len(data["next_steps"]) <= 4


def test_engine_evidence_offsets_slice_the_answer(mini_marker):
    fb = mini_marker.mark("mini-essay", TOP)
    quotes = [q for p in fb.points for q in (*p.evidence, *p.cues)]
    assert quotes
    for q in quotes:
        assert TOP[q.start : q.end] == q.text


def test_engine_credits_points_with_their_words(mini_marker):
    fb = mini_marker.mark("mini-essay", TOP)
    status = {p.id: p.status for p in fb.points}
    assert status == {"broke-isolation": "credited", "military": "credited", "limits": "credited"}


@pytest.mark.parametrize("text", ["", "   \n\t  "])
def test_engine_empty_answer_scores_zero_and_says_why(mini_marker, text):
    fb = mini_marker.mark("mini-essay", text)
    assert fb.mark == 0 and fb.advisories[0].code == "empty" and len(fb.next_steps) == 2


def test_engine_refuses_answers_over_the_limit(mini_marker):
    with pytest.raises(AnswerTooLongError, match=f"{MAX_ANSWER_CHARS:,}"):
        mini_marker.mark("mini-essay", "word " * (MAX_ANSWER_CHARS // 4))


def test_engine_unknown_question_lists_valid_ids(mini_marker):
    with pytest.raises(UnknownQuestionError) as info:
        mini_marker.mark("no-such-question", "text")
    assert "mini-essay" in str(info.value) and "mini-points" in str(info.value)


def test_engine_mark_many_matches_mark(mini_marker):
    texts = [TOP, "", "Germany and Russia renounced claims. They restored diplomatic relations."]
    many = mini_marker.mark_many("mini-essay", texts)
    assert [f.to_dict() for f in many] == [mini_marker.mark("mini-essay", t).to_dict() for t in texts]


def test_engine_points_question(mini_marker):
    fb = mini_marker.mark(
        "mini-points",
        "Germany and Soviet Russia renounced claims against each other. "
        "They also restored diplomatic relations.",
    )
    assert fb.mark == 2 and fb.level is None and fb.marking_kind == "points"
    fb1 = mini_marker.mark("mini-points", "Germany and Soviet Russia renounced claims against each other.")
    assert fb1.mark == 1


def test_engine_bare_list_earns_less_than_the_same_names_in_claims(mini_marker):
    listed = mini_marker.mark("mini-points", "Claims, relations, military cooperation.")
    argued = mini_marker.mark(
        "mini-points",
        "Both sides renounced claims. They restored relations. "
        "Germany began military cooperation with Russia.",
    )
    assert listed.mark < argued.mark


def test_engine_gibberish_gets_an_advisory(mini_marker):
    fb = mini_marker.mark(
        "mini-essay",
        "asdkj qwpeoi zmxncb qwe poiuy lkjhg mnbvc xzasd qwert yuiop asdfg hjkl "
        "zxcvb nmlkj poiuyt rewq lkjh mnbv",
    )
    assert {a.code for a in fb.advisories} & {"not-english", "off-topic"}
    assert fb.mark <= 5


def test_engine_edited_rubric_takes_effect(mini_bank):
    from marker.bank import QuestionBank
    from marker.engine import Marker

    bank = QuestionBank.load(MINI_RUBRICS, MINI_RUBRICS.parent / "model_answers")
    m = Marker(bank)
    text = "Germany and Soviet Russia wiped the slate clean with each other."
    assert m.mark("mini-points", text).mark == 0
    edited = (
        (MINI_RUBRICS / "questions" / "mini-points.yaml")
        .read_text(encoding="utf-8")
        .replace("aliases: [renounced claims,", "aliases: [wiped the slate clean, renounced claims,")
    )
    m.use_question(parse_question(edited))
    assert m.mark("mini-points", text).mark == 1


def test_engine_preview_of_an_edited_rubric_leaves_the_live_one_alone(mini_marker):
    text = "Germany and Soviet Russia wiped the slate clean with each other."
    live = mini_marker.bank.question("mini-points")
    edited = live.model_copy(
        update={
            "points": [
                live.points[0].model_copy(update={"aliases": ["wiped the slate clean"]}),
                *live.points[1:],
            ]
        }
    )
    assert mini_marker.mark_question(edited, [text])[0].mark == 1
    assert mini_marker.mark("mini-points", text).mark == 0
    assert mini_marker.bank.question("mini-points") is live


def test_engine_warm_builds_a_questions_index_once(mini_marker):
    """The app warms the chosen question while the student writes; marking then reuses the index."""
    mini_marker.warm("mini-essay")
    assert any(key[0] == "mini-essay" for key in mini_marker._indexes)
    built = len(mini_marker._indexes)
    assert mini_marker.warm("mini-essay") is False
    mini_marker.mark("mini-essay", TOP)
    assert len(mini_marker._indexes) == built
