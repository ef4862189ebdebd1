from __future__ import annotations

import pytest

from marker.bank import QuestionBank
from marker.errors import RubricErrors
from marker.rubric import validate_question
from marker.rubric_edit import level_rows, point_rows, rubric_from_rows, thresholds_text, where

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
