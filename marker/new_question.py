"""A new question from its model answers: the Calibrate page's form checked, built and saved.

The form's fields become a :class:`~marker.authoring.QuestionSpec`, which
:func:`marker.authoring.build` turns into a question with its topic and model answers. Problems
come back in the words of the form ("Id: ...", "Model answer 2: ..."). Saving writes the files
first, then puts the question into the running marker, so a question in use is one that will
still be there after a restart.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from pydantic import ValidationError

from .authoring import Built, QuestionSpec, build
from .bank import cross_check
from .engine import Marker
from .errors import MarkerError, RubricError, RubricErrors
from .rubric import Question, validate_question
from .rubric_edit import where

if TYPE_CHECKING:
    from .workspace import Workspace

#: The form's name for each field of the spec.
SPEC_FIELDS = {
    "id": "Id",
    "question": "Question text",
    "max_mark": "Maximum mark",
    "model_answers": "Model answers",
    "points": "Points",
    "marking": "Marking",
}


def split_answers(text: str) -> list[str]:
    """Model answers separated by a line holding only ``---``.

    >>> split_answers("First.\\n---\\nSecond.\\n  ---  \\n")
    ['First.', 'Second.']
    """
    return [a.strip() for a in re.split(r"(?m)^[ \t]*---[ \t]*$", text) if a.strip()]


def spec_problems(exc: ValidationError) -> list[str]:
    """The form's fields named in the words of the form."""
    out = []
    for err in exc.errors():
        loc = [p for p in err["loc"] if not (isinstance(p, str) and (p[:1].isupper() or p == "str"))]
        head = str(loc[0]) if loc else ""
        name = SPEC_FIELDS.get(head, head or "Question")
        if head == "model_answers" and len(loc) > 1 and isinstance(loc[1], int):
            name = f"Model answer {loc[1] + 1}"
        reason = err["msg"].removeprefix("Value error, ")
        if head == "id" and "pattern" in reason:
            reason = "use letters, digits, dots, underscores and dashes only, starting and ending with a letter or digit (e.g. 4.1 or Q3a)"
        out.append(f"{name}: {reason}")
    return out


def rubric_problems(errors: list[RubricError]) -> list[str]:
    """Rubric errors named by where they are on the page."""
    return [f"{where(e.field)}: {e.reason}" for e in errors]


def build_from_form(
    marker: Marker, qid: str, question: str, max_mark: int, answers: str, points: str, kind: str
) -> tuple[Built | None, list[str]]:
    """The question the form describes, built from its model answers, or the form's problems.

    Args:
        qid: the new id (it must not be a question's or a topic's already).
        answers: full-mark answers, separated by lines holding only ``---``.
        points: one point per line (alternatives joined by " / " or " or "); empty to derive them.
        kind: coverage, points or levels.
    """
    qid = qid.strip()
    if qid in marker.bank.questions:
        return None, [f"Id: there is already a question with id \u2018{qid}\u2019"]
    if qid in marker.bank.topics:
        return None, [f"Id: \u2018{qid}\u2019 is already the id of a topic; choose another"]
    raw: dict = {
        "id": qid,
        "question": question.strip(),
        "max_mark": int(max_mark),
        "model_answers": split_answers(answers),
        "marking": {"kind": kind},
    }
    listed = [line.strip() for line in points.splitlines() if line.strip()]
    if listed:
        raw["points"] = listed
    try:
        spec = QuestionSpec.model_validate(raw)
    except ValidationError as exc:
        return None, spec_problems(exc)
    try:
        # The pipeline is shared with marking threads: parse under the Marker's lock.
        with marker.pipeline() as nlp:
            return build(spec, nlp, source="the new question"), []
    except RubricErrors as exc:
        return None, rubric_problems(exc.errors)
    except MarkerError as exc:
        return None, [str(exc)]


def edited_question(marker: Marker, built: Built, rows: list[dict]) -> Question:
    """The built question with the teacher's edits of its points' labels and alternative wordings.

    ``rows`` are the points in order, each with ``label`` and ``aliases`` (separated by ";").

    Raises:
        RubricErrors: an edit breaks the rubric (an empty label, an unknown concept).
        MarkerError: a question with this id was added meanwhile.
    """
    data = built.question.model_dump(mode="json")
    for point, row in zip(data["points"], rows, strict=True):
        point["label"] = str(row.get("label") or "").strip()
        point["aliases"] = [a.strip() for a in str(row.get("aliases") or "").split(";") if a.strip()]
    question = validate_question(data, "the new question")
    clashes = cross_check(question, {**marker.bank.topics, built.topic.id: built.topic}, None)
    if clashes:
        raise RubricErrors(clashes)
    if question.id in marker.bank.questions:
        raise MarkerError(f"There is already a question with id \u2018{question.id}\u2019.")
    return question


def save_new_question(workspace: Workspace, built: Built, question: Question) -> None:
    """Save a built question, its topic and its model answers to the workspace, which uses them at once.

    Files first (topic, rubric version, model answers under the data folder), so a question
    the marker uses is one that will still be there after a restart.
    """
    workspace.save_topic(built.topic)
    workspace.save_question(question, note="built from model answers")
    for answer in built.model_answers:
        workspace.save_model_answer(answer)
