"""Property-based tests: arbitrary bytes and structures never break marker's readers or marking.

The property, for the rubric loader, the import format, the scripts table reader (CSV, XLSX), the
script readers (text, Word, PDF, zip), the gradebook reader, ``marker mark``'s answer files and
marking itself: the call succeeds, or raises one of marker's own errors (a ``MarkerError``) with a
message. Never another exception, and never a hang.

The budget is fixed so that CI is reproducible and quick: every test draws a fixed number of
examples from a fixed seed (``derandomize``), each example has a deadline, and each test a
timeout (pytest-timeout). The whole module takes about a minute. To search harder locally:
``MARKER_FUZZ_EXAMPLES=2000 MARKER_FUZZ_RANDOM=1 pytest tests/test_fuzz.py``.
"""

from __future__ import annotations

import io
import os
import tempfile
import warnings
import zipfile
from datetime import timedelta
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from marker.answer_file import read_answer
from marker.csvcells import scan, splice
from marker.engine import Marker
from marker.errors import MAX_ANSWER_CHARS, AnswerTooLongError, MarkerError
from marker.gradebook import inspect_gradebook
from marker.import_format import parse_specs
from marker.ingest import ingest_upload
from marker.readers import read_script
from marker.rubric import parse_question, validate_question
from marker.tables import load_table_bytes
from tests.documents import make_docx, make_pdf, text_stream

#: Examples per test in CI (a test's own share of the budget multiplies it).
EXAMPLES = int(os.environ.get("MARKER_FUZZ_EXAMPLES", "60"))


def fuzz(share: float = 1.0, deadline: float = 5.0) -> settings:
    """Hypothesis settings with a fixed budget: ``share`` of EXAMPLES, each within ``deadline`` s."""
    return settings(
        max_examples=max(3, int(EXAMPLES * share)),
        deadline=timedelta(seconds=deadline),
        derandomize=not os.environ.get("MARKER_FUZZ_RANDOM"),
        database=None,
        print_blob=True,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.large_base_example,
        ],
    )


pytestmark = pytest.mark.timeout(120)


def survives(call, *args):
    """Call; a MarkerError is fine if it says something. Any other exception fails the example."""
    try:
        return call(*args)
    except MarkerError as exc:
        assert str(exc).strip(), f"{type(exc).__name__} without a message"
        return None


# ------------------------------------------------------------------ strategies

#: Text with everything YAML, CSV and XML find awkward: controls, NUL, bidi, quotes, brackets.
AWKWARD = st.sampled_from(
    list("\x00\x07\x1b\x7f\x85\u2028\u202e\u2066\ufeff\ud7ff\U0001f600\"'[]{}:,;\t\r\n-#&*!|>%@`\\")
)
texts = st.one_of(
    st.text(max_size=300),
    st.lists(st.one_of(AWKWARD, st.text(max_size=8)), max_size=60).map("".join),
)
scalars = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=True), texts)
structures = st.recursive(
    scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=5), st.dictionaries(st.text(max_size=12), inner, max_size=5)
    ),
    max_leaves=25,
)

VALID_RUBRIC = {
    "schema_version": 1,
    "id": "q1",
    "topic": "mini",
    "question": "Explain why the Treaty of Rapallo mattered.",
    "command_word": "explain",
    "period": {"start": 1920, "end": 1924},
    "max_mark": 8,
    "marking": {
        "kind": "levels",
        "levels": [
            {"level": 1, "marks": [1, 4], "descriptor": "Some knowledge."},
            {"level": 2, "marks": [5, 8], "descriptor": "Explained."},
        ],
    },
    "points": [{"id": "isolation", "label": "It ended isolation", "aliases": ["first major power"]}],
}
VALID_SPEC = {
    "id": "Q3a",
    "question": "Why did Germany sign the Treaty of Rapallo?",
    "max_mark": 4,
    "marking": {"levels": {"1-2": "Simple reasons.", "3-4": "Explained reasons."}},
    "model_answers": [{"text": "Germany wanted to escape isolation and evade Versailles.", "mark": 4}],
}


def _paths(data, prefix=()):
    """Every location in a nested structure (to replace one with something else)."""
    yield prefix
    if isinstance(data, dict):
        for key, value in data.items():
            yield from _paths(value, (*prefix, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _paths(value, (*prefix, i))


def _replace(data, path, value):
    if not path:
        return value
    copy = dict(data) if isinstance(data, dict) else list(data)
    copy[path[0]] = _replace(copy[path[0]], path[1:], value)
    return copy


@st.composite
def mutated(draw, valid: dict):
    """A valid document with one field (anywhere) replaced by an arbitrary structure, or removed."""
    path = draw(st.sampled_from(list(_paths(valid))))
    value = draw(structures)
    data = _replace(valid, path, value)
    if path and draw(st.booleans()) and isinstance(data, dict) and len(path) == 1:
        data = {k: v for k, v in data.items() if k != path[0]}
    return data


def _dump(data) -> str:
    try:
        return yaml.safe_dump(data, allow_unicode=True)
    except yaml.YAMLError:
        return str(data)


@st.composite
def spliced(draw, base: bytes):
    """``base`` with a few bytes changed, cut short or with bytes inserted."""
    data = bytearray(base)
    for _ in range(draw(st.integers(1, 4))):
        kind = draw(st.sampled_from(["flip", "cut", "insert"]))
        at = draw(st.integers(0, max(len(data) - 1, 0)))
        if kind == "flip" and data:
            data[at] = draw(st.integers(0, 255))
        elif kind == "cut":
            del data[at:]
        else:
            data[at:at] = draw(st.binary(min_size=1, max_size=16))
    return bytes(data)


# ------------------------------------------------------------------ rubrics and the import format


@fuzz(1.5)
@given(st.one_of(texts, structures.map(_dump), mutated(VALID_RUBRIC).map(_dump)))
@example("id: q1\x00")  # a control character: was yaml.ReaderError
@example("- " * 3000 + "x")  # nested 3,000 deep: was RecursionError
def test_fuzz_rubric_loader_takes_any_text(text):
    survives(parse_question, text, "fuzz.yaml")


@fuzz(1.5)
@given(st.one_of(structures, mutated(VALID_RUBRIC)))
def test_fuzz_rubric_validation_takes_any_structure(data):
    survives(validate_question, data, "fuzz")


@fuzz(1.5)
@given(st.one_of(texts, mutated(VALID_SPEC).map(_dump), st.lists(mutated(VALID_SPEC), max_size=3).map(_dump)))
def test_fuzz_import_format_takes_any_text(text):
    survives(parse_specs, text, "questions.yaml")


@st.composite
def buildable_specs(draw) -> dict:
    """Specs of the import format that parse, with arbitrary text wherever a teacher writes text."""
    prose = texts.filter(lambda t: len(t.strip()) >= 3)
    max_mark = draw(st.integers(2, 12))
    spec = {
        "id": draw(st.from_regex(r"[A-Za-z0-9]([A-Za-z0-9._-]{0,8}[A-Za-z0-9])?", fullmatch=True)),
        "question": draw(prose),
        "max_mark": max_mark,
        "model_answers": draw(st.lists(prose, min_size=1, max_size=3)),
    }
    kind = draw(st.sampled_from(["levels", "points", "coverage"]))
    if kind == "levels":
        half = max_mark // 2
        spec["marking"] = {"levels": {f"0-{half}": draw(texts), f"{half + 1}-{max_mark}": draw(texts)}}
    elif kind == "points":
        spec["marking"] = {"kind": "points"}
        spec["points"] = draw(st.lists(prose, min_size=1, max_size=4))
    else:
        spec["indicative_content"] = draw(st.lists(prose, max_size=3)) or None
    return spec


@fuzz(0.25, deadline=30)
@given(buildable_specs())
def test_fuzz_import_format_builds_or_explains(mini_marker, data):
    """A spec that parses is built into a rubric with the real pipeline, or refused with a reason."""
    from marker.authoring import build

    specs = survives(parse_specs, _dump(data), "questions.yaml")
    assume(specs)
    with mini_marker.pipeline() as nlp:
        built = survives(build, specs[0], nlp)
    assert built is None or built.question.max_mark == data["max_mark"]


# ------------------------------------------------------------------ tables of scripts

CSV_BASE = (
    b'script_id,student,question_id,answer,mark\ns1,Ann,q1,Rapallo broke isolation,3\ns2,Bo,q1,"A, b",x\n'
)


def _xlsx(rows: list[list[object]]) -> bytes:
    import openpyxl

    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


XLSX_BASE = _xlsx([["answer", "mark", "student"], ["Rapallo broke isolation", 3, "Ann"], ["=1+1", "x", "Bo"]])
cells = st.one_of(
    st.none(), st.integers(-1000, 1000), st.floats(allow_nan=False, allow_infinity=False), texts
)


@fuzz(1.5)
@given(st.one_of(st.binary(max_size=2000), spliced(CSV_BASE), texts.map(str.encode)))
def test_fuzz_csv_reader_takes_any_bytes(data):
    survives(load_table_bytes, "scripts.csv", data)


@fuzz(1)
@given(st.lists(st.lists(texts, max_size=6), min_size=1, max_size=8), st.sampled_from([",", ";", "\t"]))
def test_fuzz_csv_reader_takes_any_rows(rows, separator):
    import csv

    out = io.StringIO()
    csv.writer(out, delimiter=separator).writerows([["answer", "mark", "script_id"], *rows])
    table = survives(load_table_bytes, "scripts.csv", out.getvalue().encode("utf-8", "surrogatepass"))
    if table is not None:  # every row is a script or set aside with its reason
        assert all(r.reason for r in table.refused)


@fuzz(1, deadline=10)
@given(st.one_of(st.binary(max_size=2000), spliced(XLSX_BASE)))
def test_fuzz_xlsx_reader_takes_any_bytes(data):
    survives(load_table_bytes, "scripts.xlsx", data)


def _xlsx_safe(value):
    if isinstance(value, str):  # openpyxl refuses to write control characters
        return "".join(c for c in value if c in "\t\n\r" or ord(c) >= 32 and not 0xD800 <= ord(c) <= 0xDFFF)
    return value


@fuzz(0.5, deadline=10)
@given(st.lists(st.lists(cells.map(_xlsx_safe), max_size=5), max_size=6))
def test_fuzz_xlsx_reader_takes_any_cells(rows):
    table = survives(load_table_bytes, "scripts.xlsx", _xlsx([["answer", "mark", "question_id"], *rows]))
    if table is not None:
        assert all(r.reason for r in table.refused)


@fuzz(1)
@given(st.one_of(st.binary(max_size=2000), texts.map(lambda t: t.encode("utf-8", "surrogatepass"))))
@example(b"\xef\xbb\xbf")  # a byte-order mark alone: was an IndexError
@example(b'"')  # a quote never closed in the header: was a ValueError
def test_fuzz_gradebook_reader_takes_any_bytes(data):
    survives(inspect_gradebook, data, "grades.csv")


@fuzz(1)
@given(texts, st.sampled_from([",", ";", "\t"]))
def test_fuzz_csv_cells_read_any_text_and_splice_nothing_back_unchanged(text, separator):
    try:
        records = scan(text, separator)
    except ValueError as exc:  # an unclosed quote: the gradebook reader says so
        assert "never closed" in str(exc)
        return
    assert splice(text, records, 0, {}, separator) == text


# ------------------------------------------------------------------ script files and archives

DOCX_BASE = make_docx(["The Treaty of Rapallo broke isolation."], [["a", "b"], ["c", "d"]])
PDF_BASE = make_pdf(text_stream("The Treaty of Rapallo broke isolation."))


@fuzz(2)
@given(
    st.sampled_from(["a.txt", "a.md", "a.docx", "a.pdf", "a.png", "a.jpg", "a.exe", "noext"]),
    st.binary(max_size=1500),
)
def test_fuzz_script_reader_takes_any_bytes(name, data):
    survives(read_script, name, data)


@fuzz(1.5, deadline=10)
@given(spliced(DOCX_BASE))
def test_fuzz_word_reader_takes_damaged_documents(data):
    read = survives(read_script, "a.docx", data)
    assert read is None or read.text.strip()


@fuzz(1.5, deadline=10)
@given(spliced(PDF_BASE))
def test_fuzz_pdf_reader_takes_damaged_documents(data):
    read = survives(read_script, "a.pdf", data)
    assert read is None or read.text.strip()


names = st.one_of(
    st.sampled_from(
        ["../x.txt", "/abs.txt", "a\\..\\..\\b.txt", "C:/x.txt", "dir/", "a.zip", "b.csv", ".hidden.txt"]
    ),
    st.lists(st.one_of(AWKWARD, st.sampled_from(["a", "/", ".", ".txt", ".."])), min_size=1, max_size=12).map(
        "".join
    ),
)


def _zip(entries: list[tuple[str, bytes]]) -> bytes:
    out = io.BytesIO()
    with warnings.catch_warnings(), zipfile.ZipFile(out, "w") as z:
        warnings.simplefilter("ignore")  # duplicate names are written on purpose
        for name, data in entries:
            try:
                z.writestr(name, data)
            except (ValueError, UnicodeEncodeError, IndexError):
                continue  # a name zipfile itself cannot write ("", a lone NUL)
    return out.getvalue()


@fuzz(1.5, deadline=10)
@given(st.lists(st.tuples(names, st.binary(max_size=200)), max_size=6))
def test_fuzz_zip_reader_takes_any_names(entries):
    got = survives(ingest_upload, "scripts.zip", _zip(entries))
    if got is not None:  # only files whose path stays inside the archive are read
        assert all(".." not in s.source.split(":", 1)[1].replace("\\", "/").split("/") for s in got.scripts)


@fuzz(1.5)
@given(
    st.one_of(st.binary(max_size=1500), spliced(_zip([("a.txt", b"Rapallo."), ("b/c.md", b"Isolation.")])))
)
def test_fuzz_zip_reader_takes_any_bytes(data):
    survives(ingest_upload, "scripts.zip", data)


@fuzz(1)
@given(st.binary(max_size=3000))
def test_fuzz_answer_file_reader_takes_any_bytes(data):
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "answer.txt"
        path.write_bytes(data)
        text = survives(read_answer, str(path))
        assert text is None or isinstance(text, str)


# ------------------------------------------------------------------ marking


@fuzz(0.5, deadline=20)
@given(
    st.one_of(
        texts,
        st.lists(st.one_of(AWKWARD, st.sampled_from(["Rapallo ", "1922 ", "isolation. "])), max_size=300).map(
            "".join
        ),
    )
)
def test_fuzz_marking_takes_any_text(mini_marker: Marker, text):
    feedback = survives(mini_marker.mark, "mini-essay", text)
    assert feedback is not None and 0 <= feedback.mark <= feedback.max_mark


@pytest.mark.parametrize(
    "text",
    [
        # The longest answer marked (50,000 characters of words, and with no spaces), and controls.
        ("Rapallo ended Soviet isolation in 1922 because Germany wanted trade. " * 800)[:MAX_ANSWER_CHARS],
        "x" * MAX_ANSWER_CHARS,
        "\u202e" * 1000 + "\x00" * 1000 + "\n" * 1000,
    ],
)
def test_fuzz_marking_takes_the_longest_and_strangest_answers(mini_marker: Marker, text):
    feedback = mini_marker.mark("mini-essay", text)
    assert 0 <= feedback.mark <= feedback.max_mark


def test_fuzz_marking_refuses_one_character_over_the_limit(mini_marker: Marker):
    with pytest.raises(AnswerTooLongError, match="50,001 characters"):
        mini_marker.mark("mini-essay", "x" * (MAX_ANSWER_CHARS + 1))


@fuzz(0.05, deadline=30)
@given(texts)
def test_fuzz_public_mark_takes_any_text(text):
    import marker

    feedback = survives(marker.mark, "rapallo-significance", text)
    assert feedback is not None and feedback.question_id == "rapallo-significance"


@fuzz(0.5)
@given(st.one_of(st.none(), st.integers(), st.binary(max_size=10), st.lists(texts, max_size=2)))
def test_fuzz_marking_refuses_what_is_not_text(mini_marker: Marker, value):
    with pytest.raises(MarkerError, match="An answer must be text"):
        mini_marker.mark("mini-essay", value)
