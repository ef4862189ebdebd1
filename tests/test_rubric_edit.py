from __future__ import annotations

import pytest

from marker.bank import QuestionBank
from marker.errors import RubricErrors
from marker.rubric import validate_question
from marker.rubric_edit import (
    level_rows,
    parts_problems,
    parts_text,
    point_rows,
    rubric_from_rows,
    thresholds_text,
    where,
)

BANK = QuestionBank.load()


def _fields(data: dict) -> dict:
    return {
        "question": data["question"],
        "command_word": data["command_word"],
        "start": data["period"]["start"],
        "end": data["period"]["end"],
        "max_mark": data["max_mark"],
    }


@pytest.mark.parametrize("question_id", sorted(BANK.questions))
def test_rubric_edit_tables_round_trip_every_shipped_question(question_id):
    data = BANK.question(question_id).model_dump(mode="json")
    again = rubric_from_rows(data, _fields(data), point_rows(data), level_rows(data), thresholds_text(data))
    assert validate_question(again) == BANK.question(question_id)


def test_rubric_edit_bad_cells_are_named_by_row_and_column():
    data = BANK.question("rapallo-significance").model_dump(mode="json")
    rows = point_rows(data)
    rows[2]["weight"] = -1
    rows.append({"id": None, "label": None, "theme": None, "weight": None})  # a new, empty row
    with pytest.raises(RubricErrors) as info:
        validate_question(rubric_from_rows(data, _fields(data), rows, level_rows(data), ""))
    places = {where(e.field) for e in info.value.errors}
    assert "Points table, row 3, column \u2018weight\u2019" in places
    assert "Points table, row 13, column \u2018id\u2019" in places


# --------------------------------------------------------------------------- key parts (coverage)

PLAN = "Plan: Germany would defeat France quickly by marching through Belgium."
FAILURE = "Failure: Belgian resistance and Russia's quick mobilisation stopped it."


def _coverage(parts: list[str]) -> dict:
    """A shipped question marked by coverage, its key in parts."""
    data = BANK.question("zinoviev-opinion").model_dump(mode="json")
    data["marking"] = {"kind": "coverage", "parts": parts}
    return data


def _edited(data: dict, parts: str | None) -> dict:
    return rubric_from_rows(
        data, _fields(data), point_rows(data), level_rows(data), thresholds_text(data), parts
    )


def test_rubric_edit_parts_round_trip_exactly_as_saved():
    # a part written over two lines in the YAML is shown on one, and kept as saved while unchanged
    data = _coverage([PLAN.replace(" by ", "\n  by "), FAILURE])
    assert parts_text(data) == f"{PLAN}\n{FAILURE}"
    again = validate_question(_edited(data, parts_text(data)))
    assert again == validate_question(data) and again.marking.parts == data["marking"]["parts"]
    # no box (not a coverage question's page): the parts are kept too
    assert validate_question(_edited(data, None)).marking.parts == data["marking"]["parts"]


@pytest.mark.parametrize(
    "typed, expected",
    [
        (f"{PLAN}\n\n  {FAILURE}  \n", [PLAN, FAILURE]),  # blank lines and spaces left out
        (f"{PLAN}\n{FAILURE}\nWar: Britain joined the war.", [PLAN, FAILURE, "War: Britain joined the war."]),
        (FAILURE, [FAILURE]),
        ("", []),  # an empty box: no parts
        ("  \n ", []),
    ],
)
def test_rubric_edit_parts_typed_one_per_line(typed, expected):
    edited = _edited(_coverage([PLAN, FAILURE]), typed)
    assert validate_question(edited).marking.parts == expected
    assert ("parts" in edited["marking"]) == bool(expected)
    assert parts_problems(typed) == []


def test_rubric_edit_parts_problems_are_named_by_line():
    typed = f"Plan:\nGermany would march through Belgium.\n\n{FAILURE}\n{FAILURE.upper()}"
    problems = parts_problems(typed)
    assert [where(p.field) for p in problems] == ["Parts of the key, line 1", "Parts of the key, line 5"]
    assert "\u2018Plan:\u2019 ends with a colon" in problems[0].reason
    assert problems[1].reason == "repeats line 4: remove one of them"
