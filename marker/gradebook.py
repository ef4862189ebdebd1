"""A batch's marks into the gradebook a school exported from Canvas, Moodle or Google Classroom.

Reads
    a gradebook export as the platform wrote it (CSV in UTF-8, with or without a byte-order
    mark; comma, semicolon or tab separated):

    - **Canvas** (Grades > Export): a header ``Student, ID, [SIS User ID], SIS Login ID,
      [Integration ID], [Root Account], Section``, custom columns, one column per assignment
      titled ``Name (assignment id)``, then read-only totals; before the students an optional
      "Manual Posting" row and the ``    Points Possible`` row. Names read "Last, First".
    - **Moodle** (an assignment's "Download grading worksheet"): ``Identifier``
      ("Participant 123456"), ``Full name``, identity fields such as ``Email address``,
      ``Status``, ``Grade``, ``Maximum Grade``, ``Grade can be changed``, dates, feedback.
      One assignment per file, so the column filled is always ``Grade``.
    - **Google Classroom** (Grades > Download grades as CSV): ``Last Name, First Name, Email
      Address``, one column per assignment, and a due-date row and a points row before the
      students.

    and a batch's marks: the ``results.csv`` that ``marker batch`` writes (or the rows of
    :func:`marker.export.results_table`), whose ``student``, ``script_id`` and optional
    ``email`` / ``student_id`` columns say who wrote each script.

Writes
    the same file, byte for byte, except the chosen column's cells of the students matched:
    the header, the points row, every other cell, the quoting, the separator, the byte-order
    mark and the line endings stay as they were, so that the platform takes the file back.
    A mark is scaled to the column's points possible when the question's maximum differs
    (the report says so), written with the decimals and decimal sign of the points cell.

Students are matched as :mod:`marker.roster` says (id, email, then name; doubt is reported).
Only UTF-8 is read: the three platforms export it and expect it back, and a file re-saved in
another encoding is refused with what to do rather than guessed at and written back wrong.
"""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

from .csvcells import Record, delimiter, scan, splice
from .errors import GradebookError
from .roster import Pupil, Result, capitalise, fold, match, name_tokens, number, read_results, results_rows

LAYOUTS = ("canvas", "moodle", "classroom")
LAYOUT_NAMES = {
    "canvas": "Canvas gradebook",
    "moodle": "Moodle grading worksheet",
    "classroom": "Google Classroom grades",
}
#: What each layout needs, for messages when a file is not what ``--format`` says.
LAYOUT_COLUMNS = {
    "canvas": "Student (or LastName and FirstName), ID and SIS Login ID or Section",
    "moodle": "Identifier, Full name and Grade",
    "classroom": "Last Name, First Name and Email Address",
}
#: Largest gradebook read (a school-wide export is a few MB).
MAX_BYTES = 50_000_000

_CANVAS_IDENTITY = ("student", "lastname", "firstname", "id", "sis user id", "sis login id")
_CANVAS_IDENTITY += ("integration id", "root account", "section")
_CANVAS_ASSIGNMENT_ID = re.compile(r"\s*\(\d+\)\s*$")  # "Essay 1 (12345)" -> "Essay 1"
_CLASSROOM_LABELS = {"date", "due date", "points possible", "points", "class average", "average"}


def _decode(data: bytes, name: str) -> tuple[str, bool]:
    """The text of a CSV upload and whether it began with a UTF-8 byte-order mark."""
    if not data.removeprefix(codecs.BOM_UTF8).strip():  # a byte-order mark alone is empty too
        raise GradebookError(f"{capitalise(name)} is empty. Export it again from the platform.")
    if data.startswith(b"PK\x03\x04"):
        raise GradebookError(
            f"{capitalise(name)} is an Excel workbook (or another zip file), not CSV. "
            "Download the CSV export from the platform and use that file as it is."
        )
    bom = data.startswith(codecs.BOM_UTF8)
    try:
        return data[3:].decode("utf-8") if bom else data.decode("utf-8"), bom
    except UnicodeDecodeError as exc:
        raise GradebookError(
            f"{capitalise(name)} is not UTF-8 text (undecodable byte at position {exc.start}); it was probably "
            "re-saved by a spreadsheet program. Use the file as the platform exported it, or save "
            "it as 'CSV UTF-8 (Comma delimited)'."
        ) from None


# --- the gradebook --------------------------------------------------------------------------------


@dataclass
class _Book:
    layout: str
    text: str
    bom: bool
    delim: str
    records: list[Record]
    header: list[str]
    columns: list[int]  # the columns marks may go in
    entries: list[Pupil]
    points: dict[int, str] = field(default_factory=dict)  # points row cells (Canvas, Classroom)
    max_column: int | None = None  # Moodle's per-row "Maximum Grade"
    read_only: list[int] = field(default_factory=list)


@dataclass(frozen=True)
class GradebookInfo:
    """What a gradebook export holds, for choosing the column before filling it.

    Attributes:
        layout: "canvas", "moodle" or "classroom".
        columns: the columns marks can go in (assignments; "Grade" for Moodle).
        students: how many student rows it has.
    """

    layout: str
    columns: list[str]
    students: int


def _detect(keys: set[str], records: list[Record]) -> str | None:
    if {"identifier", "full name"} <= keys:
        return "moodle"
    if {"last name", "first name", "email address"} <= keys:
        return "classroom"
    named = "student" in keys or {"lastname", "firstname"} <= keys
    points_row = any(fold(r.get(0)) == "points possible" for r in records[1:4])
    if named and "id" in keys and ("sis login id" in keys or "section" in keys or points_row):
        return "canvas"
    return None


def _read_book(data: bytes, name: str, layout: str | None) -> _Book:
    if layout is not None and layout not in LAYOUTS:
        raise GradebookError(f"Unknown gradebook format '{layout}'. Use one of: {', '.join(LAYOUTS)}.")
    if len(data) > MAX_BYTES:
        raise GradebookError(
            f"{capitalise(name)} is {len(data):,} bytes; gradebooks are limited to {MAX_BYTES:,} bytes."
        )
    text, bom = _decode(data, name)
    delim = delimiter(text)
    try:
        records = scan(text, delim)
    except ValueError as exc:  # an unclosed quote: where the file's cells end is unknown
        raise GradebookError(
            f"{capitalise(name)}, {exc}, so it cannot be read safely. Download it again from the platform."
        ) from None
    header = [c.value.strip() for c in records[0].cells]
    keys = [fold(h) for h in header]
    found = _detect(set(keys), records)
    if layout is None and found is None:
        raise GradebookError(
            f"{capitalise(name)} is not a gradebook export marker knows. It reads a Canvas gradebook export "
            f"({LAYOUT_COLUMNS['canvas']}), a Moodle grading worksheet ({LAYOUT_COLUMNS['moodle']}) "
            f"or Google Classroom grades ({LAYOUT_COLUMNS['classroom']}); its first row has: "
            f"{', '.join(h for h in header if h)[:300] or '(nothing)'}."
        )
    if layout is not None and found != layout:
        raise GradebookError(
            f"{capitalise(name)} does not look like a {LAYOUT_NAMES[layout]}: that needs the columns "
            f"{LAYOUT_COLUMNS[layout]}."
            + (f" It looks like a {LAYOUT_NAMES[found]}; leave out --format." if found else "")
        )
    layout = found
    col: dict[str, int] = {}
    for i, k in enumerate(keys):
        col.setdefault(k, i)
    book = _Book(layout, text, bom, delim, records, header, [], [])
    {"canvas": _canvas, "moodle": _moodle, "classroom": _classroom}[layout](book, col)
    if not book.entries:
        raise GradebookError(f"{capitalise(name)} has no student rows: export it again with the class in it.")
    return book


def _ids(record: Record, columns: Iterable[int | None]) -> tuple[frozenset[str], frozenset[str]]:
    values = {fold(record.get(i)) for i in columns if i is not None} - {""}
    return frozenset(values), frozenset(v for v in values if "@" in v)


def _canvas(book: _Book, col: dict[str, int]) -> None:
    points_row = next((r for r in book.records[1:] if fold(r.get(0)) == "points possible"), None)
    id_columns = [col.get(k) for k in ("id", "sis user id", "sis login id", "integration id")]
    for n, r in enumerate(book.records[1:], 1):
        if "student" in col:
            name = r.get(col["student"]).strip()
        else:
            last, first = r.get(col["lastname"]).strip(), r.get(col["firstname"]).strip()
            name = f"{last}, {first}" if last and first else last or first
        # The points row, the "Manual Posting" row (no name) and blank lines are not students.
        if r is points_row or not name:
            continue
        tokens = name_tokens(name)
        if sorted(tokens) == ["student", "test"]:  # Canvas's "Student, Test" preview account
            continue
        book.entries.append(Pupil(n, name, tokens, *_ids(r, id_columns)))
    identity = {col[k] for k in _CANVAS_IDENTITY if k in col}
    for i, title in enumerate(book.header):
        if i in identity or not title:
            continue
        cell = points_row.get(i).strip() if points_row else ""
        book.points[i] = cell
        # Totals carry "(read only)" (or its translation) in the points row: Canvas ignores them.
        (book.columns if not cell or number(cell) is not None else book.read_only).append(i)


def _moodle(book: _Book, col: dict[str, int]) -> None:
    if "grade" not in col:
        raise GradebookError("This Moodle grading worksheet has no Grade column. Download it again.")
    book.columns = [col["grade"]]
    book.max_column = col.get("maximum grade")
    if book.max_column is None and "scale" in col:
        raise GradebookError(
            "This Moodle assignment is graded on a scale, and marker writes points. Set the "
            "assignment's grade type to Point in Moodle and download the worksheet again."
        )
    for n, r in enumerate(book.records[1:], 1):
        ident, name = r.get(col["identifier"]).strip(), r.get(col["full name"]).strip()
        if not ident and not name:
            continue
        ids, emails = _ids(
            r, [col["identifier"], col.get("id number"), col.get("username"), col.get("email address")]
        )
        digits = re.search(r"(\d+)\s*$", ident)  # "Participant 123456" is participant 123456
        ids = ids | {digits.group(1)} if digits else ids
        book.entries.append(Pupil(n, name, name_tokens(name), ids, emails))


def _classroom(book: _Book, col: dict[str, int]) -> None:
    last, first, email = col["last name"], col["first name"], col["email address"]
    assignments = [i for i, t in enumerate(book.header) if i not in (last, first, email) and t]
    labelled, unlabelled = None, []
    for n, r in enumerate(book.records[1:], 1):
        labels = {fold(r.get(i)) for i in (0, last, first, email)}
        named = r.get(last).strip() or r.get(first).strip()
        if "@" not in r.get(email) and (labels & _CLASSROOM_LABELS or not named):
            if labels & {"points possible", "points"}:
                labelled = labelled or r
            elif not book.entries:
                unlabelled.append(r)
            continue  # the due-date, points and average rows, blank lines
        name = f"{r.get(last).strip()}, {r.get(first).strip()}".strip(", ")
        book.entries.append(Pupil(n, name, name_tokens(name), *_ids(r, [email])))
    # Without a label, the points row is the last row before the students that holds only numbers.
    numeric = [r for r in unlabelled if _numbers_only(r, assignments)]
    points_row = labelled or (numeric[-1] if numeric else None)
    book.columns = assignments
    book.points = {i: points_row.get(i).strip() if points_row else "" for i in assignments}


def _numbers_only(record: Record, columns: list[int]) -> bool:
    cells = [record.get(i).strip() for i in columns]
    return any(cells) and all(not c or number(c) is not None for c in cells)


def inspect_gradebook(data: bytes, name: str = "the gradebook", layout: str | None = None) -> GradebookInfo:
    """The layout, fillable columns and number of students of a gradebook export.

    Args:
        data: the file's bytes, as uploaded.
        name: how messages name the file.
        layout: "canvas", "moodle" or "classroom"; detected when None.

    Raises:
        GradebookError: an empty, non-UTF-8 or unrecognised file.
    """
    book = _read_book(data, name, layout)
    return GradebookInfo(book.layout, [book.header[i] for i in book.columns], len(book.entries))


def _column(book: _Book, wanted: str | None, name: str) -> int:
    """The index of the column to fill, or a message listing the ones there are."""
    listed = ", ".join(f"'{book.header[i]}'" for i in book.columns) or "(none)"
    if book.layout == "moodle":
        if wanted is None or fold(wanted) == "grade":
            return book.columns[0]
        raise GradebookError(
            f"{capitalise(name)} is a Moodle grading worksheet: its one grade column is 'Grade', for the assignment "
            "it was downloaded from. Leave out --column (or give --column Grade)."
        )
    if wanted is None:
        if len(book.columns) == 1:
            return book.columns[0]
        raise GradebookError(f"Choose the column to fill with --column. {capitalise(name)} has: {listed}.")
    k = fold(wanted)
    for same in (
        lambda title: title == wanted.strip(),
        lambda title: fold(title) == k,
        lambda title: fold(_CANVAS_ASSIGNMENT_ID.sub("", title)) == k,  # "Essay 1" for "Essay 1 (12345)"
    ):
        hits = [i for i in book.columns if same(book.header[i])]
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:
            both = ", ".join(f"'{book.header[i]}'" for i in hits)
            raise GradebookError(
                f"Several columns of {name} are called '{wanted}': {both}. Give the whole title."
            )
    if any(fold(book.header[i]) == k for i in book.read_only):
        raise GradebookError(
            f"'{wanted}' is worked out by Canvas (read only) and an import ignores it. Choose an "
            f"assignment column: {listed}."
        )
    raise GradebookError(
        f"{capitalise(name)} has no column '{wanted}'. The columns marks can go in: {listed}."
    )


# --- filling -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Written:
    """One cell filled: the gradebook's student, the result it came from, the cell before and after."""

    student: str
    result: str
    old: str
    new: str


@dataclass
class GradebookFill:
    """A filled gradebook and what happened to every student.

    Attributes:
        layout: "canvas", "moodle" or "classroom".
        column: the column filled (its title as in the file).
        points: the column's points possible as the file writes it ("" when it gives none).
        data: the filled file's bytes, ready to save or download.
        written: the cells filled, in gradebook order.
        notes: what was done about points (scaled, written as they are).
        ambiguous: results left out because they fit several students or share one.
        not_in_gradebook: results (by student or script id) no gradebook row fits.
        not_in_results: gradebook students with no result.
        not_marked: matched students whose script has no mark (failed); their cell is untouched.
    """

    layout: str
    column: str
    points: str
    data: bytes
    written: list[Written]
    notes: list[str]
    ambiguous: list[str]
    not_in_gradebook: list[str]
    not_in_results: list[str]
    not_marked: list[str]

    def report(self) -> list[str]:
        """The report for the teacher, a line each (unmatched students named)."""
        points = f" (points possible {self.points})" if self.points else ""
        changed = [w for w in self.written if w.old.strip() and w.old != w.new]
        lines = [
            f"{LAYOUT_NAMES[self.layout]}, column '{self.column}'{points}: "
            f"{len(self.written)} mark{'s' if len(self.written) != 1 else ''} filled in.",
            *self.notes,
        ]
        sections = [
            ("Replaced what the cell held before", [f"{w.student} {w.old} -> {w.new}" for w in changed]),
            ("Not written, the match is doubtful", self.ambiguous),
            ("In the results but not in the gradebook", self.not_in_gradebook),
            ("In the gradebook but not in the results", self.not_in_results),
            ("Matched but not marked (cell left as it was)", self.not_marked),
        ]
        for title, names in sections:
            if names:
                lines.append(f"{title} ({len(names)}):")
                lines += [f"  {n}" for n in names]
        return lines


def _points_for(book: _Book, column: int, entry: Pupil) -> str:
    if book.max_column is not None:  # Moodle repeats the maximum on every row
        return book.records[entry.row].get(book.max_column).strip()
    return book.points.get(column, "")


def _format(value: Decimal, like: str) -> str:
    """A number with the decimals and decimal sign of ``like`` (more decimals if it needs them, at most 2).

    >>> _format(Decimal("7"), "10.00"), _format(Decimal("6.5"), "20"), _format(Decimal("6.25"), "10,0")
    ('7.00', '6.5', '6,25')
    """
    comma = bool(re.fullmatch(r"-?\d+,\d+", like))
    shown = len(re.split(r"[.,]", like, maxsplit=1)[1]) if re.fullmatch(r"-?\d+[.,]\d+", like) else 0
    value = value.quantize(Decimal("0.01"), ROUND_HALF_UP)
    needed = len(f"{value:f}".rstrip("0").partition(".")[2])
    text = f"{value:.{min(max(shown, needed), 2)}f}"
    return text.replace(".", ",") if comma else text


def _value(result: Result, points: str, notes: set[str]) -> Decimal:
    """The number to write for a result, scaled to ``points`` when the maxima differ."""
    mark, top, target = result.mark, result.max_mark, number(points)
    assert mark is not None
    if target is None or target <= 0:
        out_of = f" (out of {_plain(top)})" if top is not None else ""
        notes.add(
            f"The gradebook gives no points possible for this column: marks written as they are{out_of}."
        )
        return mark
    if top is None or top <= 0:
        notes.add("The results give no maximum mark: marks written as they are.")
        return mark
    if top == target:
        return mark
    top, target = _plain(top), _plain(target)
    notes.add(
        f"Marks out of {top} scaled to the column's {target} points (mark × {target} / {top}, rounded to 2 decimals)."
    )
    return (mark * Decimal(target) / Decimal(top)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def _plain(value: Decimal) -> str:
    """12, 7.5: a number as a teacher writes it."""
    return f"{value.normalize():f}"


def _cells(book: _Book, target: int, pairs: dict[int, Result]):
    """The new cells (record index -> text), what was written, who was not marked, and notes."""
    notes: set[str] = set()
    values, written, not_marked = {}, [], []
    for i, entry in enumerate(book.entries):
        result = pairs.get(i)
        if result is None:
            continue
        if result.mark is None:
            not_marked.append(f"{entry.name} ({result.label})")
            continue
        points = _points_for(book, target, entry)
        value = _format(_value(result, points, notes), points)
        values[entry.row] = value
        written.append(Written(entry.name, result.label, book.records[entry.row].get(target), value))
    return values, written, not_marked, sorted(notes)


def fill_gradebook(
    gradebook: bytes,
    results: bytes | Iterable[Mapping],
    column: str | None = None,
    layout: str | None = None,
    *,
    gradebook_name: str = "the gradebook",
    results_name: str = "the results",
) -> GradebookFill:
    """Fill a batch's marks into one column of a gradebook export, leaving the rest as it was.

    Args:
        gradebook: the exported file's bytes (Canvas, Moodle or Google Classroom CSV).
        results: the bytes of ``results.csv`` from ``marker batch``, or its rows as mappings
            (:func:`marker.export.results_table`), with ``mark``, ``max_mark`` and ``student``,
            ``script_id``, ``email`` or ``student_id``.
        column: the column to fill; may be left out for Moodle (``Grade``) or when the
            gradebook has one assignment column.
        layout: "canvas", "moodle" or "classroom"; detected when None.
        gradebook_name, results_name: how messages name the two files.

    Returns:
        The filled file and who was filled, left out or not found.

    Raises:
        GradebookError: a file cannot be read or is not what it should be, the column is not
            there, or not one student in the results is in the gradebook.
    """
    book = _read_book(gradebook, gradebook_name, layout)
    target = _column(book, column, gradebook_name)
    rows = results_rows(results, results_name) if isinstance(results, bytes | bytearray) else results
    found = match(read_results(rows, results_name), book.entries)
    if not found.pairs and not found.ambiguous:
        raise GradebookError(
            f"No student in {results_name} matches a student in {gradebook_name} "
            f"({len(book.entries)} students), by id, email or name. Check that both are the same class; "
            "nothing was written."
        )
    values, written, not_marked, notes = _cells(book, target, found.pairs)
    return GradebookFill(
        layout=book.layout,
        column=book.header[target],
        points=_points_for(book, target, book.entries[0]),
        data=(codecs.BOM_UTF8 if book.bom else b"")
        + splice(book.text, book.records, target, values, book.delim).encode("utf-8"),
        written=written,
        notes=notes,
        ambiguous=found.ambiguous,
        not_in_gradebook=found.not_in_gradebook,
        not_in_results=[
            e.name for i, e in enumerate(book.entries) if i not in found.pairs and i not in found.doubtful
        ],
        not_marked=not_marked,
    )


def fill_gradebook_file(
    gradebook: str | Path,
    results: str | Path,
    out: str | Path,
    column: str | None = None,
    layout: str | None = None,
) -> GradebookFill:
    """:func:`fill_gradebook` from files to a new file ``out``; the export itself is never changed."""
    gradebook, results, out = Path(gradebook), Path(results), Path(out)
    for path, what in ((gradebook, "gradebook"), (results, "results")):
        if path.is_dir():
            raise GradebookError(f"{path} is a folder; give the {what} file itself.")
        if not path.is_file():
            raise GradebookError(f"No such {what} file: {path}")
    if out.is_dir():
        raise GradebookError(
            f"{out} is a folder; --out names the file to write, e.g. {out / 'gradebook-filled.csv'}."
        )
    if out.exists() and any(out.resolve() == p.resolve() for p in (gradebook, results)):
        raise GradebookError(
            f"--out {out} is one of the input files; write to a new file so the export stays as it was."
        )
    if not out.parent.is_dir():
        raise GradebookError(f"The folder {out.parent} does not exist.")
    filled = fill_gradebook(
        gradebook.read_bytes(),
        results.read_bytes(),
        column,
        layout,
        gradebook_name=str(gradebook),
        results_name=str(results),
    )
    out.write_bytes(filled.data)
    return filled
