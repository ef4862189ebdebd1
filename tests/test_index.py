"""marker.index.QuestionIndex.version: the rubric version worked out once per index, never stale."""

from __future__ import annotations

import pytest

from marker.bank import cue_prefix, reject_key
from marker.index import QuestionIndex
from marker.validation import load_validation


def _essay(question_id: str) -> str:
    return next(a.text for a in load_validation() if a.question == question_id)


def test_index_version_is_the_questions(shipped_marker):
    for qid in sorted(shipped_marker.bank.questions):
        question = shipped_marker.bank.question(qid)
        index = shipped_marker.index(question)
        assert index.version == question.version
        assert index.version is index.version  # kept, not worked out again
        assert cue_prefix(question, index.version) == cue_prefix(question)
        assert reject_key(question, "x", index.version) == reject_key(question, "x")


@pytest.mark.parametrize("question_id", ["rapallo-significance", "allied-intervention"])
def test_index_version_marks_as_when_worked_out_each_time(shipped_marker, monkeypatch, question_id):
    """The kept version gives the same Feedback as the version worked out at every use, for the
    bank's question and for an edited copy of it (a new version, so a new index)."""
    question = shipped_marker.bank.question(question_id)
    edited = question.model_copy(update={"question": question.question + " Explain your answer."})
    assert edited.version != question.version
    assert shipped_marker.index(edited).version == edited.version != shipped_marker.index(question).version
    text = _essay(question_id)
    kept = [shipped_marker.mark_question(q, [text])[0].to_dict() for q in (question, edited)]
    monkeypatch.setattr(QuestionIndex, "version", property(lambda self: self.question.version))
    fresh = [shipped_marker.mark_question(q, [text])[0].to_dict() for q in (question, edited)]
    assert kept == fresh
    assert kept[1]["rubric_version"] == edited.version
