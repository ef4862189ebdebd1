"""Filling a batch's marks into Canvas, Moodle and Google Classroom gradebook exports.

The fixtures in tests/fixtures/gradebooks are the same invented class as each platform exports
it (see marker/gradebook.py for the layouts), and results.csv is a batch's results as
``marker batch`` writes them. Every fill is checked byte by byte: only the target cells change.
"""

from __future__ import annotations

import codecs
import csv
import io
import re

import pytest
from typer.testing import CliRunner

from marker.cli import app
from marker.csvcells import delimiter, scan
from marker.errors import GradebookError
from marker.gradebook import fill_gradebook, inspect_gradebook
from marker.roster import name_fit, name_tokens

from .conftest import FIXTURES

GRADEBOOKS = FIXTURES / "gradebooks"
RESULTS = (GRADEBOOKS / "results.csv").read_bytes()
runner = CliRunner()

# What each layout's filled column must hold afterwards, by student row (spreadsheet row numbers
# start at 1 with the header). Marks are out of 12: Canvas's Essay 1 is out of 20 and Classroom's
# Cold War essay out of 24, so those are scaled; Moodle's Maximum Grade is 12, so marks go in as
# they are. Chris Brown is two pupils (never guessed), Emily Wong's script failed, Maria Garcia
# has no script: their cells stay as they were.
EXPECTED = {
    "canvas": (
        "canvas.csv",
        "Essay 1",
        {4: "15.00", 5: "12.50", 6: "18.33", 7: "", 8: "", 9: "16.67", 10: "", 11: "", 12: ""},
    ),
    "moodle": (
        "moodle.csv",
        None,
        {2: "9.00", 3: "7.50", 4: "11.00", 5: "", 6: "", 7: "10.00", 8: "", 9: "8.00"},
    ),
    "classroom": (
        "classroom.csv",
        "Cold War essay",
        {4: "18", 5: "15", 6: "22", 7: "", 8: "", 9: "20", 10: "", 11: ""},
    ),
}


def _text(data: bytes) -> str:
    return data.decode("utf-8-sig")


def _without_column(data: bytes, column: int) -> str:
    """The file's text with every cell of one column cut out (all else, separators included, kept)."""
    text = _text(data)
    records = scan(text, delimiter(text))
    spans = sorted((r.cells[column].start, r.cells[column].end) for r in records if column < len(r.cells))
    parts, at = [], 0
    for start, end in spans:
        parts.append(text[at:start])
        at = end
    return "".join(parts) + text[at:]


def _csv_rows(data: bytes) -> list[list[str]]:
    text = _text(data)
    return list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter(text)))


@pytest.mark.parametrize("name", ["canvas.csv", "moodle.csv", "classroom.csv", "results.csv"])
def test_gradebook_cells_are_read_as_the_csv_module_reads_them(name):
    text = _text((GRADEBOOKS / name).read_bytes())
    mine = [[c.value for c in r.cells] for r in scan(text, delimiter(text))]
    assert mine == [row or [""] for row in _csv_rows((GRADEBOOKS / name).read_bytes())]


def test_gradebook_cells_read_awkward_csv_like_the_csv_module():
    text = 'a;"b;""c"" d";\r\n"line\r\nbreak";x"y;\n;\r\r"tail"junk'
    mine = [[c.value for c in r.cells] for r in scan(text, ";")]
    theirs = list(csv.reader(io.StringIO(text, newline=""), delimiter=";"))
    assert mine == [row or [""] for row in theirs]


@pytest.mark.parametrize("layout", sorted(EXPECTED))
def test_gradebook_fill_changes_only_the_target_cells(layout):
    name, column, expected = EXPECTED[layout]
    before = (GRADEBOOKS / name).read_bytes()
    filled = fill_gradebook(before, RESULTS, column)
    after = filled.data
    assert filled.layout == layout
    target = _csv_rows(before)[0].index(filled.column)
    # Every byte outside the target column is the same: header, points row, quoting, line endings, BOM.
    assert _without_column(after, target) == _without_column(before, target)
    assert after.startswith(codecs.BOM_UTF8) == before.startswith(codecs.BOM_UTF8)
    assert after.count(b"\r\n") == before.count(b"\r\n") and after.count(b"\n") == before.count(b"\n")
    old, new = _csv_rows(before), _csv_rows(after)
    assert new[0] == old[0] and len(new) == len(old)
    assert {row: new[row - 1][target] for row in expected} == expected
    points = [r for r in old if r and r[0].strip().lower() == "points possible"]
    assert [r for r in new if r and r[0].strip().lower() == "points possible"] == points
    # Cells nobody was matched to are byte-identical too (the Canvas "Manual Posting" row included).
    for before_row, after_row in zip(old, new, strict=True):
        assert before_row[:target] + before_row[target + 1 :] == after_row[:target] + after_row[target + 1 :]


@pytest.mark.parametrize("layout", sorted(EXPECTED))
def test_gradebook_unmatched_students_are_named_both_ways(layout):
    name, column, _ = EXPECTED[layout]
    filled = fill_gradebook((GRADEBOOKS / name).read_bytes(), RESULTS, column)
    assert filled.not_in_gradebook == ["Tom Jones"]
    assert [name_tokens(n) for n in filled.not_in_results] == [("maria", "garcia")]
    assert len(filled.not_marked) == 1 and "Emily Wong" in filled.not_marked[0]
    report = "\n".join(filled.report())
    assert "Tom Jones" in report and "Garcia" in report and "Emily" in report
    assert len(filled.written) == 4


@pytest.mark.parametrize("layout", sorted(EXPECTED))
def test_gradebook_an_ambiguous_name_is_not_guessed(layout):
    name, column, _ = EXPECTED[layout]
    filled = fill_gradebook((GRADEBOOKS / name).read_bytes(), RESULTS, column)
    (doubt,) = filled.ambiguous
    first, second = {"canvas": (7, 8), "moodle": (5, 6), "classroom": (7, 8)}[layout]
    assert doubt.startswith("Chris Brown") and f"on row {first};" in doubt and f"on row {second})" in doubt
    assert all(name_tokens(w.student) != ("chris", "brown") for w in filled.written)
    # Neither Chris Brown is listed as missing from the results: the report names both in the doubt.
    assert not any("Brown" in n for n in filled.not_in_results)


def test_gradebook_one_pupil_claimed_by_two_scripts_is_not_guessed():
    results = b'student,mark,max_mark\r\nAlice Smith,9,12\r\n"Smith, Alice",3,12\r\n'
    filled = fill_gradebook((GRADEBOOKS / "moodle.csv").read_bytes(), results)
    assert filled.written == [] and "2 results fit" in filled.ambiguous[0]
    assert filled.data == (GRADEBOOKS / "moodle.csv").read_bytes()


@pytest.mark.parametrize(
    ("name", "results", "row", "value"),
    [
        # The second Chris Brown, told apart by email (Moodle, Classroom) or SIS id (Canvas).
        (
            "moodle.csv",
            "email,student,mark,max_mark\nchris.brown2@school.example,Chris Brown,6,12\n",
            6,
            "6.00",
        ),
        (
            "classroom.csv",
            "student,Email Address,mark,max_mark\nChris Brown,CHRIS.BROWN2@school.example,6,12\n",
            8,
            "12",
        ),
        ("canvas.csv", "student_id,mark,max_mark\nS0421,6,12\n", 8, "10.00"),
        ("canvas.csv", "script_id,mark,max_mark\n20935,6,12\n", 8, "10.00"),
        ("moodle.csv", "student_id,mark,max_mark\nParticipant 4821077,6,12\n", 6, "6.00"),
    ],
)
def test_gradebook_matches_by_id_and_email(name, results, row, value):
    column = "Essay 1" if name == "canvas.csv" else "Cold War essay" if name == "classroom.csv" else None
    filled = fill_gradebook((GRADEBOOKS / name).read_bytes(), results.encode(), column)
    target = _csv_rows(filled.data)[0].index(filled.column)
    assert [w.new for w in filled.written] == [value] and not filled.ambiguous
    assert _csv_rows(filled.data)[row - 1][target] == value


def test_gradebook_id_and_name_pointing_at_two_pupils_is_reported():
    results = b"student,student_id,mark,max_mark\nAlice Smith,20932,9,12\n"  # 20932 is Jose Nunez
    filled = fill_gradebook((GRADEBOOKS / "canvas.csv").read_bytes(), results, "Essay 1")
    assert filled.written == [] and "point to different students" in filled.ambiguous[0]


@pytest.mark.parametrize(
    ("a", "b", "fit"),
    [
        ("Smith, Alice", "Alice Smith", 2),
        ("Núñez, José", "Jose Nunez", 2),
        ("  alice   SMITH ", "Smith Alice", 2),
        ("O'Brien, Mary-Kate", "Mary Kate Obrien", 2),
        ("Patel, Ravi Kumar", "Ravi Patel", 1),
        ("Søren Kierkegaard", "Soren Kierkegaard", 2),
        ("Smith, Anne Mary", "Mary Smith", 0),  # another first name: not the same pupil
        ("Alice", "Alice Smith", 0),
        ("Lee, Sam", "Samantha Lee", 0),
        ("Smith, Alice", "Alice Smyth", 0),
    ],
)
def test_gradebook_names_match_only_when_they_are_the_same_pupil(a, b, fit):
    assert name_fit(name_tokens(a), name_tokens(b)) == fit


def test_gradebook_accepts_results_rows_from_the_app():
    rows = [
        {
            "script_id": "alice_smith",
            "student": "Alice Smith",
            "mark": 9.0,
            "max_mark": 12,
            "status": "marked",
        },
        {
            "script_id": "emily_wong",
            "student": "Emily Wong",
            "mark": None,
            "max_mark": None,
            "status": "failed",
        },
    ]
    filled = fill_gradebook((GRADEBOOKS / "classroom.csv").read_bytes(), rows, "Cold War essay")
    assert [(w.student, w.new) for w in filled.written] == [("Smith, Alice", "18")]
    assert filled.not_marked == ["Wong, Emily (Emily Wong)"]


def test_gradebook_inspect_lists_the_columns_marks_can_go_in():
    info = inspect_gradebook((GRADEBOOKS / "canvas.csv").read_bytes())
    assert info.layout == "canvas" and info.students == 8  # the Test Student is not a student
    assert info.columns == ["Reading log", "Source analysis (48213)", "Essay 1 (48217)"]
    assert inspect_gradebook((GRADEBOOKS / "moodle.csv").read_bytes()).columns == ["Grade"]


def test_gradebook_semicolons_and_decimal_commas_are_kept():
    text = _text((GRADEBOOKS / "canvas.csv").read_bytes())
    rows = list(csv.reader(io.StringIO(text, newline="")))
    rows = [[c.replace(".", ",") if c[:1].isdigit() else c for c in row] for row in rows]
    buf = io.StringIO(newline="")
    csv.writer(buf, delimiter=";", lineterminator="\n").writerows(rows)
    before = buf.getvalue().encode()
    filled = fill_gradebook(before, RESULTS, "Essay 1 (48217)")
    assert [w.new for w in filled.written] == ["15,00", "12,50", "18,33", "16,67"]
    assert _without_column(filled.data, 7) == _without_column(before, 7)


def test_gradebook_classroom_points_row_without_a_label_is_found():
    before = (
        (GRADEBOOKS / "classroom.csv").read_bytes().replace(b"Date,", b",").replace(b"Points possible,", b",")
    )
    filled = fill_gradebook(before, RESULTS, "Cold War essay")
    assert filled.points == "24" and [w.new for w in filled.written] == ["18", "15", "22", "20"]


def test_gradebook_short_row_is_padded_to_the_column():
    before = (
        b"Last Name,First Name,Email Address,Essay\r\nPoints possible,,,12\r\nSmith,Alice,a@s.example\r\n"
    )
    filled = fill_gradebook(before, RESULTS, "Essay")
    assert filled.data == before.replace(b"a@s.example\r\n", b"a@s.example,9\r\n")


@pytest.mark.parametrize(
    ("name", "data", "column", "message"),
    [
        (
            "canvas.csv",
            None,
            "Essay 9",
            "has no column 'Essay 9'. The columns marks can go in: 'Reading log'",
        ),
        ("canvas.csv", None, None, "Choose the column to fill with --column"),
        ("canvas.csv", None, "Final Score", "'Final Score' is worked out by Canvas (read only)"),
        ("moodle.csv", None, "Essay 1", "its one grade column is 'Grade'"),
        ("x.csv", b"", None, "is empty"),
        (
            "x.csv",
            "Last Name,First Name,Email Address,Essay\nNúñez,José,j@s.example,\n".encode("cp1252"),
            None,
            "is not UTF-8 text",
        ),
        ("x.xlsx", b"PK\x03\x04rest-of-a-workbook", None, "is an Excel workbook"),
        ("x.csv", b"name,score\nAlice,3\n", None, "is not a gradebook export marker knows"),
        ("x.csv", b'Student,ID,Section,Essay\n"Smith, Alice,1\n', None, "a quoted cell is never closed"),
        ("x.csv", b"Last Name,First Name,Email Address,Essay\n", None, "has no student rows"),
    ],
)
def test_gradebook_bad_gradebooks_get_a_clear_message(name, data, column, message):
    data = (GRADEBOOKS / name).read_bytes() if data is None else data
    with pytest.raises(GradebookError, match=re.escape(message)):
        fill_gradebook(data, RESULTS, column)


def test_gradebook_format_that_does_not_fit_the_file_says_what_it_looks_like():
    with pytest.raises(
        GradebookError, match="does not look like a Moodle grading worksheet.*looks like a Canvas"
    ):
        fill_gradebook((GRADEBOOKS / "canvas.csv").read_bytes(), RESULTS, "Essay 1", layout="moodle")
    with pytest.raises(GradebookError, match="Unknown gradebook format 'blackboard'"):
        fill_gradebook((GRADEBOOKS / "canvas.csv").read_bytes(), RESULTS, "Essay 1", layout="blackboard")


def test_gradebook_moodle_scale_is_refused():
    data = (GRADEBOOKS / "moodle.csv").read_bytes().replace(b'"Maximum Grade"', b"Scale")
    with pytest.raises(GradebookError, match="graded on a scale"):
        fill_gradebook(data, RESULTS)


@pytest.mark.parametrize(
    ("results", "message"),
    [
        (b"student,score\nAlice Smith,9\n", "is not a results file: it needs a 'mark' column"),
        (b"student,mark\nAlice Smith,nine\n", "row 2: the mark 'nine' is not a number"),
        (b"student,mark,max_mark\nNobody Here,9,12\n", "No student in the results matches a student"),
        (b"", "is empty"),
    ],
)
def test_gradebook_bad_results_get_a_clear_message(results, message):
    with pytest.raises(GradebookError, match=message):
        fill_gradebook((GRADEBOOKS / "moodle.csv").read_bytes(), results)


def test_gradebook_cli_writes_the_file_and_names_the_unmatched(tmp_path):
    out = tmp_path / "filled.csv"
    result = runner.invoke(
        app,
        [
            "gradebook",
            str(GRADEBOOKS / "canvas.csv"),
            "--results",
            str(GRADEBOOKS / "results.csv"),
            "--column",
            "Essay 1",
            "--out",
            str(out),
        ],
    )
    assert result.exit_code == 0, result.output
    assert f"Wrote {out}: 4 marks in 'Essay 1 (48217)'" in result.stdout
    assert "Marks out of 12 scaled to the column's 20 points" in result.stderr
    assert "In the results but not in the gradebook (1):\n  Tom Jones" in result.stderr
    assert "In the gradebook but not in the results (1):\n  Garcia, Maria" in result.stderr
    assert (
        out.read_bytes() == fill_gradebook((GRADEBOOKS / "canvas.csv").read_bytes(), RESULTS, "Essay 1").data
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--column", "Essay 9"], "has no column 'Essay 9'"),
        (["--format", "moodle"], "does not look like a Moodle grading worksheet"),
        (["--out", str(GRADEBOOKS / "canvas.csv")], "is one of the input files"),
        (["--out", str(GRADEBOOKS)], "is a folder; --out names the file to write"),
        (["--results", str(GRADEBOOKS / "missing.csv")], "No such results file"),
    ],
)
def test_gradebook_cli_bad_input_exits_2_with_a_message(tmp_path, args, message):
    base = {
        "--results": str(GRADEBOOKS / "results.csv"),
        "--out": str(tmp_path / "o.csv"),
        "--column": "Essay 1",
    }
    for flag, value in zip(args[::2], args[1::2], strict=True):
        base[flag] = value
    argv = ["gradebook", str(GRADEBOOKS / "canvas.csv")] + [x for kv in base.items() for x in kv]
    result = runner.invoke(app, argv)
    assert result.exit_code == 2 and message in result.stderr
    assert "Traceback" not in result.output and isinstance(result.exception, SystemExit)
    assert (GRADEBOOKS / "canvas.csv").read_bytes().startswith(codecs.BOM_UTF8)  # the export is untouched


def test_gradebook_two_assignments_with_one_title_need_the_whole_title():
    before = (GRADEBOOKS / "canvas.csv").read_bytes().replace(b"Source analysis (48213)", b"Essay 1 (48213)")
    with pytest.raises(
        GradebookError, match=r"are called 'Essay 1': 'Essay 1 \(48213\)', 'Essay 1 \(48217\)'"
    ):
        fill_gradebook(before, RESULTS, "Essay 1")
    assert fill_gradebook(before, RESULTS, "Essay 1 (48217)").column == "Essay 1 (48217)"


def test_gradebook_report_shows_a_replaced_value():
    filled = fill_gradebook((GRADEBOOKS / "canvas.csv").read_bytes(), RESULTS, "Essay 1")
    report = filled.report()
    assert (
        report[0] == "Canvas gradebook, column 'Essay 1 (48217)' (points possible 20.00): 4 marks filled in."
    )
    assert "  Smith, Alice 12.00 -> 15.00" in report
