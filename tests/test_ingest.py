from __future__ import annotations

import csv
import io
import random
import tracemalloc
import zipfile
from pathlib import Path

import openpyxl
import pytest
from pypdf import PdfReader, PdfWriter

from marker.errors import MAX_ANSWER_CHARS, ScriptsError, UploadError
from marker.ingest import ingest, ingest_upload
from marker.readers import extract_text
from marker.scripts import Limits, Rejected
from marker.tables import check_scripts, read_table, read_table_bytes

from .documents import SCANNED_PDF_STREAM, make_docx, make_pdf, text_stream, write_tree

SENTENCE = "The Treaty of Rapallo was signed in 1922."
TEXT_PDF_STREAM = text_stream(SENTENCE)
# Paints a filled square and nothing else: what a scanner's output looks like to pypdf.
GOOD = {
    "alice_smith.txt": b"The Treaty of Rapallo was signed in 1922 between Germany and Soviet Russia.\n",
    "set1/ben-jones.md": b"# My answer\n\nStresemann's diplomacy ended Germany's isolation.\n",
    "set1/chloe_brown.docx": make_docx(
        ["Locarno came in 1925.", "It guaranteed the western borders."],
        table=[["Treaty", "Year"], ["Rapallo", "1922"]],
    ),
    "dan_lee.pdf": make_pdf(TEXT_PDF_STREAM),
}
BAD = {
    "broken.docx": (random.Random(7).randbytes(3000), "corrupt or not a Word document"),
    "scan.pdf": (make_pdf(SCANNED_PDF_STREAM), "no text found"),
    "empty.txt": (b"", "empty file"),
    "photo.jpg": (b"\xff\xd8\xff\xe0 not really a photo", "corrupt or not a PNG or JPEG image"),
    "photo.heic": (b"\x00\x00\x00\x18ftypheic", "unsupported file type .heic"),
}
LITTER = {".DS_Store": b"\x00\x01", "Thumbs.db": b"\x00", "__MACOSX/._alice_smith.txt": b"\x00\x05"}
EXPECTED_IDS = {  # bare names: no folder, no extension (where it was is in ``source``)
    "alice_smith": "Alice Smith",
    "dan_lee": "Dan Lee",
    "ben-jones": "Ben Jones",
    "chloe_brown": "Chloe Brown",
}


def mixed_files() -> dict[str, bytes]:
    return GOOD | {name: data for name, (data, _) in BAD.items()} | LITTER


def zip_bytes(files: dict[str, bytes], *, dirs: tuple[str, ...] = ()) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for d in dirs:
            zf.writestr(d, b"")
        for name, data in files.items():
            zf.writestr(name, data)
    return buffer.getvalue()


def summary(result) -> tuple[dict[str, str], dict[str, str]]:
    """{script_id: student}, {file name: reason} of an ingest."""
    scripts = {s.script_id: s.student for s in result.scripts}
    rejected = {r.source.replace(":", "/").split("/", 1)[1]: r.reason for r in result.rejected}
    return scripts, rejected


def assert_mixed_result(result) -> None:
    scripts, rejected = summary(result)
    assert scripts == EXPECTED_IDS
    assert set(rejected) == set(BAD)
    for name, (_, reason) in BAD.items():
        assert reason in rejected[name], name
    by_id = {s.script_id: s for s in result.scripts}
    assert by_id["dan_lee"].text == SENTENCE
    assert "Locarno came in 1925.\n\nIt guaranteed" in by_id["chloe_brown"].text
    assert "Rapallo" in by_id["chloe_brown"].text and "1922" in by_id["chloe_brown"].text
    assert all(s.question_id is None and s.mark is None for s in result.scripts)
    assert result.duplicates == []


# --- folders, single files and uploads ---------------------------------------------------


def test_ingest_mixed_folder_reads_good_scripts_and_rejects_bad_ones(tmp_path):
    root = write_tree(tmp_path / "scripts", mixed_files())
    result = ingest(root)
    assert_mixed_result(result)
    assert {s.source for s in result.scripts} >= {"scripts/set1/chloe_brown.docx", "scripts/dan_lee.pdf"}
    assert "scan.pdf" in {Path(r.source).name for r in result.rejected}
    assert any("neither a text layer nor a scanned page" in r.reason for r in result.rejected)


def test_ingest_zip_gives_the_same_result_as_the_folder(tmp_path):
    archive = tmp_path / "scripts.zip"
    archive.write_bytes(zip_bytes(mixed_files(), dirs=("set1/", "__MACOSX/")))
    from_file = ingest(archive)
    assert_mixed_result(from_file)
    assert "scripts.zip:set1/chloe_brown.docx" in {s.source for s in from_file.scripts}
    folder = ingest(write_tree(tmp_path / "scripts", mixed_files()))
    assert [(s.script_id, s.text, s.sha) for s in from_file.scripts] == [
        (s.script_id, s.text, s.sha) for s in folder.scripts
    ]
    from_upload = ingest_upload("scripts.zip", archive.read_bytes())
    assert from_upload == from_file


def test_ingest_extract_text_reads_the_pdf_sentence():
    data = make_pdf(TEXT_PDF_STREAM)
    assert SENTENCE in PdfReader(io.BytesIO(data)).pages[0].extract_text()
    assert extract_text("answer.pdf", data) == SENTENCE


def test_ingest_extract_text_reads_docx_paragraphs_and_table_cells_in_order():
    data = make_docx(["First paragraph.", "Second paragraph."], table=[["Cause", "Effect"]])
    assert extract_text("a.docx", data) == "First paragraph.\n\nSecond paragraph.\n\nCause\n\nEffect"


def test_ingest_extract_text_explains_a_password_protected_pdf():
    writer = PdfWriter(clone_from=io.BytesIO(make_pdf(TEXT_PDF_STREAM)))
    writer.encrypt(user_password="secret", owner_password="owner", algorithm="RC4-128")
    buffer = io.BytesIO()
    writer.write(buffer)
    result = ingest_upload("locked.pdf", buffer.getvalue())
    assert result.scripts == []
    assert "password" in result.rejected[0].reason


@pytest.mark.parametrize(
    ("name", "data", "reason"),
    [
        ("latin1.txt", "Stresemann’s policy in 1923".encode("cp1252"), "not UTF-8 text (byte 11)"),
        (
            "notes.rtf",
            b"{\\rtf1 hello}",
            "unsupported file type .rtf (use .txt, .md, .docx, .pdf, .png or .jpg)",
        ),
        ("blank.md", b"  \n\n \t", "empty file"),
        ("old.docx", zip_bytes({"hello.txt": b"not a Word document"}), "corrupt or not a Word document"),
        ("garbage.pdf", b"%PDF-1.4 and then nothing useful", "corrupt or not a PDF"),
        ("scripts.rar", b"Rar!\x1a\x07\x00", "only .zip archives are opened"),
    ],
)
def test_ingest_rejects_an_unreadable_script_with_its_reason(name, data, reason):
    result = ingest_upload(name, data)
    assert result.scripts == []
    assert len(result.rejected) == 1 and result.rejected[0].source == name
    assert reason in result.rejected[0].reason
    if name == "latin1.txt":
        assert "UTF-8" in result.rejected[0].reason


def test_ingest_reads_utf8_with_bom_and_utf16_text():
    text = "Stresemann’s policy"
    assert extract_text("a.txt", b"\xef\xbb\xbf" + text.encode()) == text
    assert extract_text("a.txt", text.encode("utf-16")) == text


def test_ingest_rejects_scripts_over_the_size_and_length_limits(tmp_path):
    root = write_tree(
        tmp_path / "s",
        {"big.txt": b"word " * 500_000, "long.txt": b"a" * (MAX_ANSWER_CHARS + 1), "ok.txt": b"fine"},
    )
    result = ingest(root, Limits(max_script_bytes=1_000_000))
    _, rejected = summary(result)
    assert [s.script_id for s in result.scripts] == ["ok"]
    assert rejected["big.txt"] == "2.5 MB is over the 1 MB limit per script"
    assert f"limit is {MAX_ANSWER_CHARS:,} characters" in rejected["long.txt"]


def test_ingest_reports_duplicates_that_differ_only_in_whitespace(tmp_path):
    root = write_tree(
        tmp_path / "s",
        {
            "amy.txt": b"Rapallo  was signed\nin 1922.",
            "bob.txt": b"Locarno was 1925.",
            "cat.md": b"  Rapallo was signed in\r\n\r\n1922.  ",
        },
    )
    result = ingest(root)
    assert result.duplicates == [("cat", "amy")]
    assert [s.script_id for s in result.scripts] == ["amy", "bob", "cat"]  # still kept


def test_ingest_keeps_script_ids_unique_for_same_stem(tmp_path):
    root = write_tree(
        tmp_path / "s",
        {"alice.txt": b"one", "alice.md": b"two", "set2/alice.txt": b"three", "set2/bob.docx": b"not word"},
    )
    got = ingest(root)
    # Sorted paths: alice.md, alice.txt, set2/alice.txt; the rejected file has a bare id too.
    assert [(s.script_id, s.text) for s in got.scripts] == [
        ("alice", "two"),
        ("alice~2", "one"),
        ("alice~3", "three"),
    ]
    assert [(r.script_id, r.source) for r in got.rejected] == [("bob", "s/set2/bob.docx")]


def test_ingest_refuses_a_missing_path(tmp_path):
    with pytest.raises(UploadError, match="No such file or folder"):
        ingest(tmp_path / "nowhere")


# --- archives ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "entry", ["../evil.txt", "set1/../../evil.txt", "/etc/passwd", "C:/x.txt", "\\evil.txt"]
)
def test_ingest_refuses_an_archive_with_an_unsafe_path(entry):
    data = zip_bytes({"ok.txt": b"Rapallo 1922", entry: b"gotcha"})
    with pytest.raises(UploadError) as caught:
        ingest_upload("scripts.zip", data)
    assert f"unsafe path '{entry}'" in str(caught.value)
    assert "nothing was extracted" in str(caught.value)


def test_ingest_refuses_a_zip_bomb_from_its_headers_without_reading_it(monkeypatch):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("ok.txt", b"Rapallo 1922")
        with zf.open("bomb.txt", "w") as entry:
            chunk = bytes(1_000_000)
            for _ in range(50):
                entry.write(chunk)
    data = buffer.getvalue()
    assert len(data) < 200_000  # ~1000:1

    def no_reading(*args, **kwargs):
        raise AssertionError("an entry was opened")

    monkeypatch.setattr(zipfile.ZipFile, "open", no_reading)
    tracemalloc.start()
    try:
        with pytest.raises(UploadError) as caught:
            ingest_upload("scripts.zip", data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    message = str(caught.value)
    assert "'bomb.txt'" in message and "compression ratio" in message and "100:1 limit" in message
    assert peak < 5_000_000


@pytest.mark.parametrize(
    ("limits", "expected"),
    [
        (Limits(max_entries=5), "over the limit of 5 files in an archive"),
        (
            Limits(max_total_uncompressed=50_000),
            "over the 50 KB limit on the uncompressed size of an archive",
        ),
        (Limits(max_archive_bytes=1_000), "over the 1 KB limit for an archive"),
    ],
)
def test_ingest_refuses_an_archive_over_a_limit(tmp_path, limits, expected):
    archive = tmp_path / "scripts.zip"
    archive.write_bytes(
        zip_bytes({f"s{i}.txt": random.Random(i).randbytes(10_000).hex().encode() for i in range(6)})
    )
    with pytest.raises(UploadError, match=expected):
        ingest(archive, limits)
    assert ingest(archive).scripts  # within the default limits it is read


def test_ingest_refuses_what_is_not_a_zip():
    with pytest.raises(UploadError, match="not a readable zip archive"):
        ingest_upload("scripts.zip", b"PK\x03\x04 this is not really a zip file")


def test_ingest_does_not_open_archives_or_tables_inside_an_archive():
    inner = zip_bytes({"hidden.txt": b"inside"})
    data = zip_bytes(
        {"a.txt": b"Rapallo 1922", "more.zip": inner, "old.7z": b"7z", "marks.csv": b"answer\nx\n"}
    )
    result = ingest_upload("scripts.zip", data)
    assert [s.script_id for s in result.scripts] == ["a"]
    assert result.rejected == [
        Rejected("scripts.zip:marks.csv", "tables inside archives are not read; upload the table on its own"),
        Rejected("scripts.zip:more.zip", "archives inside archives are not opened"),
        Rejected("scripts.zip:old.7z", "archives inside archives are not opened"),
    ]


def test_ingest_rejects_an_archive_entry_bigger_than_the_script_limit():
    data = zip_bytes({"a.txt": b"short", "b.txt": b"x" * 5_000})
    result = ingest_upload("s.zip", data, Limits(max_script_bytes=1_000))
    assert [s.script_id for s in result.scripts] == ["a"]
    assert result.rejected == [Rejected("s.zip:b.txt", "5 KB is over the 1 KB limit per script")]


# --- tables -------------------------------------------------------------------------------

HEADER = ["script_id", "Student", "Question_ID", "answer", "mark", "notes"]
ROWS = [
    ["s1", "Ada", "q1", "Rapallo was signed in 1922, ending isolation.", 7, "x"],
    ["s2", "Ben", "q1", "Locarno, 1925.", 4.5, ""],
    ["s3", "Cy", "q2", "Stresemann\nended hyperinflation.", "", ""],
]


def write_csv(path: Path, rows: list[list[object]], encoding: str = "utf-8", delimiter: str = ",") -> Path:
    with path.open("w", newline="", encoding=encoding) as f:
        csv.writer(f, delimiter=delimiter).writerows(rows)
    return path


def write_xlsx(path: Path, rows: list[list[object]]) -> Path:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    book.save(path)
    return path


def table_view(scripts) -> list[tuple]:
    return [(s.script_id, s.student, s.question_id, s.text, s.mark, s.sha) for s in scripts]


def test_ingest_read_table_reads_a_good_csv(tmp_path):
    scripts = read_table(write_csv(tmp_path / "marked.csv", [HEADER, *ROWS]))
    assert table_view(scripts)[:2] == [
        ("s1", "Ada", "q1", ROWS[0][3], 7.0, scripts[0].sha),
        ("s2", "Ben", "q1", "Locarno, 1925.", 4.5, scripts[1].sha),
    ]
    assert scripts[2].text == "Stresemann\nended hyperinflation." and scripts[2].mark is None
    assert [s.source for s in scripts] == ["marked.csv row 2", "marked.csv row 3", "marked.csv row 4"]


@pytest.mark.parametrize(("encoding", "delimiter"), [("utf-8-sig", ","), ("utf-8", ";"), ("utf-8", "\t")])
def test_ingest_read_table_accepts_a_bom_and_other_separators(tmp_path, encoding, delimiter):
    plain = read_table(write_csv(tmp_path / "a.csv", [HEADER, *ROWS]))
    other = read_table(write_csv(tmp_path / "b.csv", [HEADER, *ROWS], encoding, delimiter))
    assert table_view(other) == table_view(plain)


def test_ingest_read_table_xlsx_round_trip_matches_csv(tmp_path):
    from_csv = read_table(write_csv(tmp_path / "marked.csv", [HEADER, *ROWS]))
    from_xlsx = read_table(write_xlsx(tmp_path / "marked.xlsx", [HEADER, *ROWS]))
    assert table_view(from_xlsx) == table_view(from_csv)
    assert from_xlsx[1].source == "marked.xlsx row 3"
    data = (tmp_path / "marked.xlsx").read_bytes()
    assert table_view(read_table_bytes("marked.xlsx", data)) == table_view(from_csv)


def test_ingest_read_table_names_missing_columns(tmp_path):
    path = write_csv(tmp_path / "m.csv", [["question_id", "answer"], ["q1", "text"]])
    with pytest.raises(ScriptsError) as caught:
        read_table(path, require=("question_id", "answer", "mark"))
    assert caught.value.problems == [
        (1, "missing column(s): mark; the header must include question_id, answer, mark")
    ]
    assert "missing column(s): mark" in str(caught.value)


def test_ingest_read_table_lists_every_bad_row_at_once(tmp_path):
    rows = [
        ["script_id", "answer", "mark"],
        ["a", "one", "7"],
        ["b", "two", "seven"],
        ["a", "three", "3"],
        ["", "", ""],
        ["c", "four", "n/a"],
    ]
    with pytest.raises(ScriptsError) as caught:
        read_table(write_csv(tmp_path / "m.csv", rows))
    assert caught.value.problems == [
        (3, "mark 'seven' is not a number"),
        (4, "script_id 'a' is also used on row 2"),
        (6, "mark 'n/a' is not a number"),
    ]
    assert "row 4: script_id 'a' is also used on row 2" in str(caught.value)


def test_ingest_read_table_refuses_a_csv_that_is_not_utf8(tmp_path):
    path = tmp_path / "m.csv"
    path.write_bytes("answer,mark\nfine,1\nStresemann’s policy,2\n".encode("cp1252"))
    with pytest.raises(ScriptsError) as caught:
        read_table(path)
    assert caught.value.problems[0][0] == 3
    assert "UTF-8" in str(caught.value)


def test_ingest_read_table_refuses_a_corrupt_workbook(tmp_path):
    path = tmp_path / "m.xlsx"
    path.write_bytes(b"not a workbook at all")
    with pytest.raises(ScriptsError, match="not a readable Excel workbook"):
        read_table(path)


def test_ingest_read_table_numbers_rows_when_there_is_no_script_id(tmp_path):
    scripts = read_table(write_csv(tmp_path / "m.csv", [["Answer "], ["one"], [""], ["two"]]))
    assert [(s.script_id, s.student, s.question_id) for s in scripts] == [
        ("row-2", "", None),
        ("row-4", "", None),
    ]


def test_ingest_table_path_keeps_blank_answers_and_rejects_bad_rows(tmp_path):
    rows = [["answer", "student", "mark"], ["Rapallo 1922", "Ada", "1"], ["", "Ben", "0"], ["x", "Cy", "one"]]
    result = ingest(write_csv(tmp_path / "m.csv", rows))
    assert [(s.script_id, s.student, s.text) for s in result.scripts] == [
        ("row-2", "Ada", "Rapallo 1922"),
        ("row-3", "Ben", ""),
    ]
    assert result.rejected == [Rejected("m.csv row 4", "mark 'one' is not a number")]


# --- check_scripts ----------------------------------------------------------------------

MAX_MARKS = {"q1": 10, "q2": 6}


def test_ingest_check_scripts_lists_every_problem_with_its_row(tmp_path):
    rows = [
        ["script_id", "question_id", "answer", "mark"],
        ["a", "q9", "text", "3"],
        ["b", "q1", "text", "11"],
        ["c", "q2", "text", "-1"],
        ["d", "q1", "", "2"],  # a blank answer is fine: it is marked 0
        ["e", "q1", "text", ""],
    ]
    scripts = read_table(write_csv(tmp_path / "m.csv", rows))
    with pytest.raises(ScriptsError) as caught:
        check_scripts(scripts, MAX_MARKS, need_mark=True, source="m.csv")
    assert caught.value.problems == [
        (2, "unknown question id 'q9'; valid ids: q1, q2"),
        (3, "mark 11 is outside 0-10 for q1"),
        (4, "mark -1 is outside 0-6 for q2"),
        (6, "mark is empty; every script needs the teacher's mark"),
    ]
    assert str(caught.value).startswith("m.csv: 4 problems")


def test_ingest_check_scripts_accepts_a_valid_table(tmp_path):
    scripts = read_table(write_csv(tmp_path / "m.csv", [HEADER, *ROWS[:2]]))
    check_scripts(scripts, MAX_MARKS, need_mark=True, source="m.csv")
    without_marks = read_table(write_csv(tmp_path / "n.csv", [HEADER, *ROWS]))
    check_scripts(without_marks, MAX_MARKS, need_mark=False, source="n.csv")
    with pytest.raises(ScriptsError, match="row 4: mark is empty"):
        check_scripts(without_marks, MAX_MARKS, need_mark=True, source="n.csv")
