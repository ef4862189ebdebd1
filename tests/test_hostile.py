"""The hostile corpus (tests/hostile/): each file is refused with marker's own error naming it, or
read safely, within a time limit and without touching the network.

Small files are committed in tests/hostile/files/; big ones (a zip bomb, a Word bomb, a CSV with
a million columns or 200,000 rows) are built here at test time by tests/hostile/corpus.py.
"""

from __future__ import annotations

import logging
import socket
import tracemalloc
from pathlib import Path

import pytest

from marker.answer_file import read_answer
from marker.errors import MarkerError, RubricErrors, ScriptsError, UploadError
from marker.import_format import load_specs
from marker.ingest import ingest, ingest_upload
from marker.render import checklist_html, highlight_html, role_strip_html, visible_controls
from marker.rubric import load_question
from tests.hostile.corpus import ANSWER, BIG, FILES, RANDOM, SMALL, build_big, build_small

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(autouse=True)
def no_network(monkeypatch):
    """Any connection attempted while a hostile file is read fails the test."""
    attempts: list[object] = []

    def refuse(self, address):
        attempts.append(address)
        raise OSError("the hostile-input tests allow no network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    yield
    assert attempts == [], f"a reader tried to connect to {attempts}"


@pytest.fixture(scope="module")
def big(tmp_path_factory) -> dict[str, Path]:
    return build_big(tmp_path_factory.mktemp("hostile-big"))


def _one(path: Path):
    """The single script read from ``path``, or the reason it was set aside (naming the file)."""
    got = ingest(path)
    assert len(got.scripts) + len(got.rejected) == 1
    if got.rejected:
        assert got.rejected[0].source == path.name  # the file is named beside its reason
        return None, got.rejected[0].reason
    return got.scripts[0].text, None


def test_hostile_corpus_files_are_what_the_generator_makes(tmp_path):
    build_small(tmp_path)
    committed = sorted(p.name for p in FILES.iterdir())
    assert committed == sorted(SMALL)
    for name in committed:
        if name not in RANDOM:
            assert (tmp_path / name).read_bytes() == (FILES / name).read_bytes(), name


# ------------------------------------------------------------------ refused, with a reason


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("docx_malformed_xml.docx", "corrupt or not a Word document"),
        ("docx_not_a_zip.docx", "corrupt or not a Word document"),
        ("docx_declared_huge.docx", "would unpack to 4295 MB, over the 200 MB limit"),
        # lxml is never asked to expand entities: the billion laughs is refused as it stands.
        ("docx_entity_expansion.docx", "corrupt or not a Word document"),
        ("docx_paragraph_flood.docx", "more than 20,000 paragraphs and table cells"),
        ("pdf_encrypted.pdf", "password-protected"),
        ("pdf_truncated.pdf", "corrupt or not a PDF"),
        ("pdf_content_flood.pdf", "10 MB of drawing instructions"),
        ("pdf_form_loop.pdf", "over 150,000 drawing instructions"),
        ("txt_latin1.txt", "not UTF-8 text (byte 4)"),
        ("txt_utf16_no_bom.txt", "UTF-16 text without a byte-order mark"),
    ],
)
def test_hostile_script_files_are_set_aside_with_their_reason(name, reason):
    text, why = _one(FILES / name)
    assert text is None
    assert reason in why


def test_a_damaged_pdf_prints_only_marker_s_reason(tmp_path, caplog):
    """pypdf's own warnings ("EOF marker not found"), which Python prints on the console when
    nothing else handles them, are not shown beside marker's reason for the same file."""
    garbage = tmp_path / "ben.pdf"
    garbage.write_bytes(b"%PDF-1.4 not really a PDF")
    with caplog.at_level(logging.DEBUG):
        for path in (garbage, FILES / "pdf_truncated.pdf"):
            text, why = _one(path)
            assert text is None and "corrupt or not a PDF" in why
    assert [r.getMessage() for r in caplog.records if r.name.startswith("pypdf")] == []


@pytest.mark.parametrize(
    ("name", "error", "reason"),
    [
        ("zip_traversal.zip", UploadError, "unsafe path '../../evil.txt'"),
        ("zip_absolute.zip", UploadError, "unsafe path '/tmp/evil.txt'"),
        ("zip_backslash.zip", UploadError, "unsafe path 'set1\\..\\..\\evil.txt'"),
        ("zip_many_declared.zip", UploadError, "65,535 or more entries"),
        ("csv_latin1.csv", ScriptsError, "row 3: not UTF-8 text (byte 36)"),
        (
            "xlsx_row_jump.xlsx",
            ScriptsError,
            "more than 200,000 rows (blank rows before the last one used count too)",
        ),
        ("rubric_nul.yaml", RubricErrors, "line 3: not valid YAML: the control character U+0000"),
        ("rubric_deep.yaml", RubricErrors, "more than 100 brackets [ or { open at once"),
        ("rubric_alias_bomb.yaml", RubricErrors, "unsupported schema_version a list of 9 items"),
        ("rubric_python_tag.yaml", RubricErrors, "could not determine a constructor for the tag"),
        ("rubric_latin1.yaml", RubricErrors, "not UTF-8 text"),
        ("questions_alias_bomb.yaml", RubricErrors, "expected a question (a mapping)"),
    ],
)
def test_hostile_uploads_and_rubrics_raise_markers_own_error_naming_the_file(name, error, reason):
    path = FILES / name
    with pytest.raises(error) as caught:
        if path.suffix == ".yaml":
            (load_specs if name.startswith("questions") else load_question)(path)
        else:
            ingest(path)
    assert reason in str(caught.value)
    assert name in str(caught.value)
    if path.suffix == ".zip":  # nothing is ever extracted: no evil.txt anywhere it points
        assert not (FILES.parent / "evil.txt").exists() and not Path("/tmp/evil.txt").exists()
        assert not (Path.cwd().parent / "evil.txt").exists()


def test_hostile_alias_bomb_in_a_band_is_named_by_its_kind(tmp_path):
    path = tmp_path / "questions.yaml"
    bomb = (FILES / "rubric_alias_bomb.yaml").read_text().split("schema_version")[0]
    path.write_text(
        bomb + "id: q1\nquestion: Why?\nmax_mark: 4\nmodel_answers: [x]\nmarking: {levels: [{marks: *i}]}\n"
    )
    with pytest.raises(RubricErrors, match="write a band as low-high"):
        load_specs(path)


# ------------------------------------------------------------------ read safely


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("pdf_javascript.pdf", ANSWER),  # the script's text; its JavaScript is never run
        ("pdf_owner_password_only.pdf", ANSWER),  # locked against editing only
        ("docx_wide_table.docx", ANSWER + "\n\nSpanned cell."),  # each cell once
        ("docx_bidi.docx", "Rapallo \u202e2291 ni dengis\u202c was signed."),
        ("txt_nul.txt", "The Treaty of Rapallo was signed in 1922."),
        ("txt_utf16le.txt", "Rapallo \u2014 signed 1922."),
        ("txt_utf16be.txt", "Rapallo \u2014 signed 1922."),
        ("txt_bidi.txt", "The treaty was signed in \u202e2291\u202c at Rapallo."),
    ],
)
def test_hostile_script_files_read_safely(name, expected):
    text, why = _one(FILES / name)
    assert why is None
    assert text == expected


def test_hostile_docx_external_entity_is_never_read():
    text, _ = _one(FILES / "docx_external_entity.docx")
    assert text == ANSWER  # the entity's paragraph is empty: /etc/passwd was not read
    assert "root:" not in text


def test_hostile_zip_links_are_set_aside_never_followed():
    got = ingest(FILES / "zip_symlink.zip")
    assert [(s.script_id, s.text) for s in got.scripts] == [("bob", ANSWER)]
    assert [(r.source, r.reason) for r in got.rejected] == [
        (
            "zip_symlink.zip:alice.txt",
            "a symbolic link, not a file: links are never followed; copy the file itself in",
        )
    ]


def test_hostile_folder_links_are_set_aside_never_followed(tmp_path):
    secret = tmp_path / "secret.txt"
    secret.write_text("A private file outside the folder of scripts.")
    (tmp_path / "outside").mkdir()
    (tmp_path / "outside" / "carol.txt").write_text(ANSWER)
    root = tmp_path / "scripts"
    root.mkdir()
    (root / "bob.txt").write_text(ANSWER)
    (root / "alice.txt").symlink_to(secret)
    (root / "more").symlink_to(tmp_path / "outside", target_is_directory=True)
    got = ingest(root)
    assert [s.script_id for s in got.scripts] == ["bob"]
    assert sorted(r.source for r in got.rejected) == ["scripts/alice.txt", "scripts/more"]
    assert all("links are never followed" in r.reason for r in got.rejected)


def test_hostile_zip_duplicates_nested_and_bidi_names():
    got = ingest(FILES / "zip_duplicates.zip")
    assert [(s.script_id, s.text) for s in got.scripts] == [("alice", ANSWER), ("alice~2", "A second alice.")]
    got = ingest(FILES / "zip_nested.zip")
    assert [s.script_id for s in got.scripts] == ["alice"]
    assert [(r.source, r.reason) for r in got.rejected] == [
        ("zip_nested.zip:more.zip", "archives inside archives are not opened")
    ]
    got = ingest(FILES / "zip_bidi_names.zip")
    # "alice\u202etxt.exe" looks like "aliceexe.txt" where the control is obeyed: it is an .exe.
    assert [r.reason.split(" (")[0] for r in got.rejected] == ["unsupported file type .exe"]
    assert visible_controls(got.rejected[0].source) == "zip_bidi_names.zip:alice[U+202E]txt.exe"


def test_hostile_xlsx_formulas_give_saved_values_never_worked_out():
    got = ingest(FILES / "xlsx_formulas.xlsx")
    assert [(s.text, s.mark) for s in got.scripts] == [("Rapallo 1922", 2.0), ("", 1.0), ("cached only", 0.0)]


def test_hostile_xlsx_external_link_is_never_fetched():
    got = ingest(FILES / "xlsx_external_link.xlsx")  # the no_network fixture fails on any connection
    assert [(s.text, s.mark) for s in got.scripts] == [("saved value", 3.0)]


@pytest.mark.parametrize("name", ["xlsx_dimension_bomb.xlsx", "xlsx_wide_rows.xlsx"])
def test_hostile_xlsx_declared_or_far_cells_do_not_widen_every_row(name):
    tracemalloc.start()
    try:
        got = ingest(FILES / name)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert got.scripts and not got.rejected
    # Before: every row padded to 16,384 cells (10,000 rows of the first took 1.3 GB).
    assert peak < 50_000_000


def test_hostile_csv_formulas_nul_and_bidi_are_plain_text():
    got = ingest(FILES / "csv_formulas.csv")
    assert [s.text for s in got.scripts] == ["=cmd|' /C calc'!A0"]
    assert [r.reason for r in got.rejected] == ["mark '=2+2' is not a number"]
    got = ingest(FILES / "csv_nul.csv")
    assert [(s.text, s.mark) for s in got.scripts] == [("Rapallo 1922", 3.0), ("", 1.0)]
    got = ingest(FILES / "csv_bidi.csv")
    assert [(s.student, s.text) for s in got.scripts] == [("\u202eAnn\u202c", "Signed in \u202e2291\u202c")]
    got = ingest(FILES / "csv_utf16le.csv")
    assert [s.text for s in got.scripts] == ["Rapallo 1922"]


def test_hostile_csv_without_closing_quote_reads_to_the_end():
    got = ingest(FILES / "csv_unclosed_quote.csv")
    assert [s.text for s in got.scripts] == ["never closed,1\nBo,fine,2"]


def test_hostile_answer_files_for_marker_mark(tmp_path):
    assert read_answer(str(FILES / "txt_utf16le.txt")) == "Rapallo \u2014 signed 1922."
    with pytest.raises(MarkerError, match="UTF-16 text without a byte-order mark"):
        read_answer(str(FILES / "txt_utf16_no_bom.txt"))
    with pytest.raises(MarkerError, match="is not UTF-8 text"):
        read_answer(str(FILES / "txt_latin1.txt"))


# ------------------------------------------------------------------ big files, built here


@pytest.mark.parametrize(
    ("name", "error", "reason"),
    [
        ("zip_bomb.zip", UploadError, "a compression ratio of 1,029:1, over the 100:1 limit"),
        ("csv_million_columns.csv", ScriptsError, "row 1: this line has more than 100,000 commas"),
        ("csv_200001_rows.csv", ScriptsError, "more than 200,000 rows"),
    ],
)
def test_hostile_big_files_are_refused_whole(big, name, error, reason):
    with pytest.raises(error) as caught:
        ingest(big[name])
    assert reason in str(caught.value) and name in str(caught.value)


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("docx_bomb.docx", "more than 20,000 paragraphs and table cells"),
        ("pdf_many_pages.pdf", "the PDF has 1,000 pages; a script is read up to 200 pages"),
    ],
)
def test_hostile_big_script_files_are_set_aside(big, name, reason):
    text, why = _one(big[name])
    assert text is None and reason in why


def test_hostile_csv_of_200000_rows_is_read_whole(big):
    got = ingest(big["csv_200000_rows.csv"])
    assert len(got.scripts) == 200_000 and not got.rejected
    last = got.scripts[-1]
    assert (last.script_id, last.text, last.mark) == ("s199999", "Answer number 199999 about Rapallo.", 4.0)


def test_hostile_big_files_are_built_the_same_every_time(tmp_path, big):
    again = build_big(tmp_path, ["zip_bomb.zip", "csv_million_columns.csv"])
    for name, path in again.items():
        assert path.read_bytes() == big[name].read_bytes()
    assert set(BIG) == set(big)


# ------------------------------------------------------------------ direction controls in the app


def test_hostile_bidi_controls_in_an_answer_are_shown_not_obeyed(mini_marker):
    text = (
        "The Treaty of Rapallo \u202ebroke Soviet diplomatic isolation\u202c in 1922, when Germany became "
        "the first major power to restore relations. \u2067Secret military cooperation let Germany evade "
        "Versailles.\u2069"
    )
    feedback = mini_marker.mark("mini-essay", text)
    assert any(p.status == "credited" for p in feedback.points)  # the controls do not stop the marking
    pages = [highlight_html(text, feedback), role_strip_html(text, feedback), checklist_html(feedback)]
    for page in pages:
        assert not set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069") & set(page)
    assert "[U+202E]broke Soviet diplomatic isolation[U+202C]" in pages[0]
    assert "[U+2067]" in pages[1] and "[U+2069]" in pages[1]
    assert "&lt;script&gt;" in highlight_html("<script>x</script>\u202e", feedback)


def test_hostile_upload_of_each_small_file_never_escapes_markers_errors():
    """Every committed file, uploaded as bytes under its own name: marker's error or a result."""
    for path in sorted(FILES.iterdir()):
        if path.suffix == ".yaml":
            continue
        try:
            got = ingest_upload(path.name, path.read_bytes())
        except MarkerError as exc:
            assert path.name in str(exc)
        else:
            assert all(r.reason for r in got.rejected)
