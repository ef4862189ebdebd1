"""Teachers' scripts tables as they come: ids as written, one pupil's paper, blank answers, bad rows."""

from __future__ import annotations

import pytest

from marker.errors import ScriptsError
from marker.ingest import ingest
from marker.scripts import Rejected
from marker.tables import check_scripts, load_table, read_table, screen_scripts

from .conftest import PAPERS_DIR

TEST = PAPERS_DIR / "test.csv"
MAX_MARKS = {"4.1": 1, "Q3a": 3}


def test_tables_one_pupils_paper_shares_its_script_id_across_questions():
    table = load_table(TEST)
    p01 = [(s.script_id, s.question_id) for s in table.scripts if s.script_id == "P01"]
    assert p01 == [("P01", "4.1"), ("P01", "Q3a")]
    # The same script id twice for the same question: only the second row is set aside.
    assert Rejected("test.csv row 12", "script_id 'P04' is also used for 4.1 on row 8") in table.refused


def test_tables_keep_blank_answers_and_set_bad_rows_aside_with_their_reasons():
    table = load_table(TEST)
    assert len(table.scripts) == 9
    blank = [(s.script_id, s.question_id, s.mark) for s in table.scripts if not s.text]
    assert blank == [("P02", "4.1", 0.0), ("P04", "Q3a", 0.0)]
    assert table.problems() == [
        (10, "mark 'seven' is not a number"),
        (12, "script_id 'P04' is also used for 4.1 on row 8"),
    ]
    with pytest.raises(ScriptsError, match="row 10: mark 'seven'"):
        read_table(TEST)  # the strict form still refuses the lot


def test_tables_question_ids_are_matched_as_written():
    kept, refused = screen_scripts(load_table(TEST).scripts, MAX_MARKS, need_mark=True)
    assert {s.question_id for s in kept} == {"4.1", "Q3a"} and len(kept) == 8
    assert refused == [
        Rejected(
            "test.csv row 11",
            "unknown question id 'q3a' (did you mean 'Q3a'? ids are matched as written); valid ids: 4.1, Q3a",
        )
    ]


@pytest.mark.parametrize(
    ("row", "reason"),
    [
        ("x1,4.1,On.,4", "mark 4 is outside 0-1 for 4.1"),
        ("x1,4.2,On.,1", "unknown question id '4.2'"),
        ("x1,4.1,On.,", "mark is empty"),
    ],
)
def test_tables_screen_keeps_good_rows_and_names_each_bad_one(tmp_path, row, reason):
    path = tmp_path / "marks.csv"
    path.write_text(f"script_id,question_id,answer,mark\nok,4.1,Closed path.,1\n{row}\n", encoding="utf-8")
    kept, refused = screen_scripts(load_table(path).scripts, MAX_MARKS, need_mark=True)
    assert [s.script_id for s in kept] == ["ok"]
    assert [r.source for r in refused] == ["marks.csv row 3"] and reason in refused[0].reason
    with pytest.raises(ScriptsError, match="row 3: "):
        check_scripts(load_table(path).scripts, MAX_MARKS, need_mark=True, source="marks.csv")


def test_tables_batch_ingest_gives_each_answer_of_a_paper_its_own_row():
    got = ingest(TEST)
    ids = [s.script_id for s in got.scripts]
    assert ids[:4] == ["P01/4.1", "P01/Q3a", "P02/4.1", "P02/Q3a"]
    assert "P06" in ids  # used once: kept as written
    assert [r.source for r in got.rejected] == ["test.csv row 10", "test.csv row 12"]
    # The same text from two pupils is reported; blank answers are not "the same text".
    assert got.duplicates == [("P03/Q3a", "P02/Q3a")]
