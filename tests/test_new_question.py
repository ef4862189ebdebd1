"""A new question from its model answers: the form's checks, the build and the save, on the real pipeline."""

from __future__ import annotations

import pytest

from marker.errors import RubricErrors
from marker.new_question import build_from_form, edited_question, save_new_question, split_answers
from marker.workspace import Workspace

QUESTION = "Describe what a plant needs for photosynthesis and what it makes."
ANSWERS = (
    "The plant takes in carbon dioxide through its leaves and water through its roots. "
    "Chlorophyll absorbs light energy. Glucose is made and oxygen is released.\n---\n"
    "Plants use carbon dioxide, water and light to make glucose, releasing oxygen."
)


def _build(marker, qid="q-photosynthesis", answers=ANSWERS, kind="points"):
    return build_from_form(marker, qid, QUESTION, 3, answers, "", kind)


def test_new_question_split_answers_on_dash_lines():
    assert split_answers("A.\n---\nB.\n---\n") == ["A.", "B."]
    assert split_answers("A --- still one answer") == ["A --- still one answer"]


@pytest.mark.parametrize(
    ("qid", "answers", "expected"),
    [
        ("Bad Id!", ANSWERS, "Id: use letters, digits, dots, underscores and dashes"),
        ("mini-points", ANSWERS, "Id: there is already a question"),
        ("rapallo-treaty", ANSWERS, "already the id of a topic"),
        ("q-new", "  ", "Model answers:"),
    ],
)
def test_new_question_form_problems_name_the_field(mini_marker, qid, answers, expected):
    if qid == "rapallo-treaty":
        qid = next(iter(mini_marker.bank.topics))
    built, problems = _build(mini_marker, qid, answers)
    assert built is None and any(expected in p for p in problems)


def test_new_question_builds_points_from_the_model_answers(mini_marker):
    built, problems = _build(mini_marker)
    assert problems == [] and built is not None
    q = built.question
    assert q.id == "q-photosynthesis" and q.kind == "points" and q.max_mark == 3 and len(q.points) >= 3
    assert len(built.model_answers) == 2 and "q-photosynthesis" not in mini_marker.bank.questions


def test_new_question_edits_are_checked(mini_marker):
    built, _ = _build(mini_marker)
    rows = [{"label": p.label, "aliases": "; ".join(p.aliases)} for p in built.question.points]
    rows[0] = {"label": "Carbon dioxide is taken in", "aliases": "CO2 enters ;  ; gas in"}
    question = edited_question(mini_marker, built, rows)
    assert question.points[0].label == "Carbon dioxide is taken in"
    assert question.points[0].aliases == ["CO2 enters", "gas in"]
    rows[0] = {"label": "  ", "aliases": ""}
    with pytest.raises(RubricErrors):
        edited_question(mini_marker, built, rows)


def test_new_question_saved_is_marked_now_and_after_a_restart(tmp_path, mini_env):
    data = tmp_path / "data"
    ws = Workspace(data)  # its own marker: saving changes it
    built, _ = _build(ws.marker)
    question = edited_question(ws.marker, built, [{"label": p.label} for p in built.question.points])
    save_new_question(ws, built, question)
    assert ws.mark("q-photosynthesis", "Glucose is made and oxygen is released.").mark >= 1
    again = Workspace(data).bank  # a restart: read back from the data folder
    assert again.question("q-photosynthesis").max_mark == 3
    assert len(again.answers_for("q-photosynthesis")) == 2
    assert [v.number for v in ws.store.rubric_versions("q-photosynthesis")] == [1]
