"""Read a table of scripts (CSV or XLSX, one answer per row) and check it against the bank.

Reads the bytes of one ``.csv`` (UTF-8, comma, semicolon or tab) or ``.xlsx`` (first sheet)
file, writes nothing. Returns a :class:`Table`: the :class:`~marker.scripts.Script` records,
and the rows set aside, each with its row and reason, so the good rows still go through. Only
a file that cannot be read at all raises :class:`~marker.errors.ScriptsError`.

Teachers' files as they come: a ``script_id`` names one pupil's paper and may repeat for
each question; question ids are matched exactly as written (``4.1``, ``Q3a``); a blank answer
is kept (it is marked 0). :func:`read_table` and :func:`check_scripts` are the strict forms,
refusing the whole file if any row would be set aside.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import math
import re
import warnings
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path, PurePosixPath

from .errors import MAX_ANSWER_CHARS, AnswerFileError, MarkerError, ScriptsError
from .readers import check_packed, decode, looks_utf16, overlong, size_text, tidy
from .scripts import DEFAULT_LIMITS, Limits, Rejected, Script, text_sha

#: The columns a table may have (any others are ignored).
COLUMNS = ("question_id", "answer", "mark", "script_id", "student")
_ROW_IN_SOURCE = re.compile(r" row (\d+)$")
_NOT_UTF8_CSV = "not UTF-8 text (byte {byte:,}); save it as 'CSV UTF-8 (Comma delimited)' and try again"
# What surrogateescape turns undecodable bytes into.
_UNDECODED = re.compile("[\udc80-\udcff]")


@dataclass
class Table:
    """A table's scripts, and the rows set aside with their row and reason.

    Attributes:
        path: the file, as named in messages.
        scripts: the rows read, in file order.
        refused: rows that cannot be used (``source`` is ``"<file> row <n>"``); the others
            still go through.
    """

    path: str
    scripts: list[Script]
    refused: list[Rejected] = field(default_factory=list)

    def problems(self) -> list[tuple[int | None, str]]:
        """``(row, reason)`` of every row set aside, as :class:`~marker.errors.ScriptsError` lists them."""
        return [(_row_of(r.source), r.reason) for r in self.refused]

    def strict(self) -> list[Script]:
        """The scripts, or :class:`~marker.errors.ScriptsError` listing every row set aside."""
        if self.refused:
            raise ScriptsError(self.path, self.problems())
        return self.scripts


def load_table(
    path: str | Path, require: tuple[str, ...] = ("answer",), *, limits: Limits = DEFAULT_LIMITS
) -> Table:
    """Read a CSV (UTF-8) or XLSX (first sheet) table of scripts, one per row, setting bad rows aside.

    The first row is the header; column names are case-insensitive. The columns read are
    ``question_id``, ``answer``, ``mark``, ``script_id`` and ``student``; others are
    ignored, and blank rows are skipped. A row with a blank answer is kept (it is marked 0).
    Row numbers in messages are the spreadsheet's row numbers (the header is row 1). A CSV
    may be separated by commas, semicolons or tabs.

    A ``script_id`` names one pupil's paper, so it may repeat for different questions; the
    same ``script_id`` twice for the same question sets the second row aside, as does a mark
    that is not a number.

    Args:
        path: the ``.csv`` or ``.xlsx`` file.
        require: columns the header must include.
        limits: ``max_archive_bytes`` caps the file size, ``max_table_rows`` the rows.

    Returns:
        The scripts, in file order, and the rows set aside.

    Raises:
        ScriptsError: the file as a whole cannot be read: missing columns, a file that is not
            UTF-8 or not a workbook, too big or too many rows.
    """
    path = Path(path)
    if not path.is_file():
        raise ScriptsError(str(path), [(None, "no such file")])
    _check_table_size(str(path), path.stat().st_size, limits)
    return _read_table(str(path), path.name, path.read_bytes(), require, limits)


def load_table_bytes(
    name: str, data: bytes, require: tuple[str, ...] = ("answer",), *, limits: Limits = DEFAULT_LIMITS
) -> Table:
    """Like :func:`load_table`, for the bytes of an uploaded ``.csv`` or ``.xlsx`` file."""
    _check_table_size(name, len(data), limits)
    return _read_table(name, PurePosixPath(name.replace("\\", "/")).name, data, require, limits)


def read_table(
    path: str | Path, require: tuple[str, ...] = ("answer",), *, limits: Limits = DEFAULT_LIMITS
) -> list[Script]:
    """The scripts of :func:`load_table`, or :class:`~marker.errors.ScriptsError` listing every bad row."""
    return load_table(path, require, limits=limits).strict()


def read_table_bytes(
    name: str, data: bytes, require: tuple[str, ...] = ("answer",), *, limits: Limits = DEFAULT_LIMITS
) -> list[Script]:
    """Like :func:`read_table`, for the bytes of an uploaded ``.csv`` or ``.xlsx`` file."""
    return load_table_bytes(name, data, require, limits=limits).strict()


def screen_scripts(
    scripts: Sequence[Script], max_marks: dict[str, int], *, need_mark: bool
) -> tuple[list[Script], list[Rejected]]:
    """Sort scripts into those fit for calibration or evaluation and those set aside (with why).

    Question ids are matched exactly as written (``4.1``, ``Q3a``). A script without a question
    id counts as the only question when ``max_marks`` has just one. A blank answer is kept: it
    is marked 0. A ``script_id`` may repeat for different questions, not for the same one.

    Args:
        scripts: the scripts, usually from :func:`load_table`.
        max_marks: question id -> maximum mark, for every question that may appear.
        need_mark: every script must carry the teacher's mark.

    Returns:
        The scripts kept, in order, and the ones set aside: unknown question ids (with the
        valid ones), marks outside 0..max, missing marks, overlong answers, a script id
        repeated for the same question.
    """
    kept: list[Script] = []
    refused: list[Rejected] = []
    first_seen: dict[tuple[str, str | None], str] = {}
    for s in scripts:
        qid = s.question_id
        if qid is None and len(max_marks) == 1:
            qid = next(iter(max_marks))
        found = _script_problems(s, qid, max_marks, need_mark)
        key = (s.script_id, qid)
        if key in first_seen:
            found.append(
                f"script_id '{s.script_id}' is also used for {qid or 'this question'} on {first_seen[key]}"
            )
        else:
            row = _row_of(s.source)
            first_seen[key] = f"row {row}" if row is not None else s.source
        if found:
            refused.append(Rejected(s.source, "; ".join(found), s.script_id))
        else:
            kept.append(s)
    return kept, refused


def check_scripts(scripts: list[Script], max_marks: dict[str, int], *, need_mark: bool, source: str) -> None:
    """Like :func:`screen_scripts`, but refuse the lot if any script would be set aside.

    Raises:
        ScriptsError: listing every script set aside, with its row (or its file).
    """
    _, refused = screen_scripts(scripts, max_marks, need_mark=need_mark)
    if refused:
        raise ScriptsError(source, problem_rows(refused))


def problem_rows(refused: Sequence[Rejected]) -> list[tuple[int | None, str]]:
    """``(row, reason)`` pairs for a message; a script from a file has no row, so its file is named."""
    out: list[tuple[int | None, str]] = []
    for r in refused:
        row = _row_of(r.source)
        out.append((row, r.reason if row is not None else f"{r.source}: {r.reason}"))
    return out


def _script_problems(s: Script, qid: str | None, max_marks: dict[str, int], need_mark: bool) -> list[str]:
    valid = ", ".join(sorted(max_marks)) or "(none)"
    found: list[str] = []
    if qid is None:
        found.append(f"question_id is empty; valid ids: {valid}")
    elif qid not in max_marks:
        close = [q for q in max_marks if q.lower() == qid.lower()]
        hint = f" (did you mean '{close[0]}'? ids are matched as written)" if close else ""
        found.append(f"unknown question id '{qid}'{hint}; valid ids: {valid}")
    if len(s.text) > MAX_ANSWER_CHARS:
        found.append(overlong(len(s.text)))
    if s.mark is None:
        if need_mark:
            found.append("mark is empty; every script needs the teacher's mark")
    elif qid in max_marks and not 0 <= s.mark <= max_marks[qid]:
        found.append(f"mark {s.mark:g} is outside 0-{max_marks[qid]} for {qid}")
    return found


def _read_table(display: str, short: str, data: bytes, require: tuple[str, ...], limits: Limits) -> Table:
    table = Table(display, [])
    for item in _scan_rows(display, short, _table_rows(display, short, data), require, limits):
        (table.scripts if isinstance(item, Script) else table.refused).append(item)
    return table


def iter_table(
    path: str | Path, require: tuple[str, ...] = ("answer",), *, limits: Limits = DEFAULT_LIMITS
) -> Iterator[Script | Rejected]:
    """Like :func:`load_table`, one row at a time: a script, or a row set aside, in file order.

    A CSV is read from the file as it goes, so a cohort's table is never held whole (an
    ``.xlsx`` workbook is held packed, its sheet read row by row). Iterate again for another
    pass: the file is read afresh.

    Raises:
        ScriptsError: as :func:`load_table`, when the pass reaches the problem (a file that is
            not a table, a bad header, too many rows).
    """
    path = Path(path)
    if not path.is_file():
        raise ScriptsError(str(path), [(None, "no such file")])
    _check_table_size(str(path), path.stat().st_size, limits)
    if path.suffix.lower() == ".csv":
        rows = _csv_file_rows(str(path), path)
    else:
        rows = _table_rows(str(path), path.name, path.read_bytes())
    yield from _scan_rows(str(path), path.name, rows, require, limits)


def _scan_rows(
    display: str, short: str, rows: Iterator[list[object]], require: tuple[str, ...], limits: Limits
) -> Iterator[Script | Rejected]:
    """The scripts and rows set aside of a table's rows (the header first), checked as they come."""
    header = next(rows, None)
    if header is None or not any(_text(c).strip() for c in header):
        raise ScriptsError(
            display, [(1, f"the first row must be a header naming the columns ({', '.join(require)}, ...)")]
        )
    column = _header(display, header, require)
    first_row: dict[tuple[str, str | None], int] = {}
    for n, row in enumerate(rows, start=2):
        if n - 1 > limits.max_table_rows:
            too_many = (
                f"more than {limits.max_table_rows:,} rows (blank rows before the last one used count too), "
                "the limit for one table; split it into smaller files"
            )
            raise ScriptsError(display, [(None, too_many)])
        # Only the cells of the columns read are kept, however wide the file is.
        cells = {name: row[i] if i < len(row) else None for name, i in column.items()}
        if not any(_text(c).strip() for c in cells.values()):
            continue

        def get(col: str, cells: dict[str, object] = cells) -> object:
            return cells.get(col)

        answer = tidy(_text(get("answer")))
        script_id = _text(get("script_id")).strip() or f"row-{n}"
        question_id = _text(get("question_id")).strip() or None
        source = f"{short} row {n}"
        mark, problem = _parse_mark(get("mark"))
        key = (script_id, question_id)
        if problem is None and key in first_row:
            for_q = f" for {question_id}" if question_id else ""
            problem = f"script_id '{script_id}' is also used{for_q} on row {first_row[key]}"
        if problem is not None:
            yield Rejected(source, problem, script_id)
            continue
        first_row[key] = n
        student = _text(get("student")).strip()
        yield Script(script_id, student, answer, question_id, mark, source, text_sha(answer))


def _table_rows(display: str, short: str, data: bytes) -> Iterator[list[object]]:
    """Every row of the file, the header first."""
    suffix = PurePosixPath(short).suffix.lower()
    if suffix == ".csv":
        return _csv_rows(display, data)
    if suffix == ".xlsx":
        return _xlsx_rows(display, data)
    raise ScriptsError(
        display, [(None, f"unsupported table type {suffix or '(no extension)'} (use .csv or .xlsx)")]
    )


def _header(display: str, header: list[object], require: tuple[str, ...]) -> dict[str, int]:
    """Column name -> position; refuses a header missing a required column or naming one twice."""
    problems: list[tuple[int | None, str]] = []
    column: dict[str, int] = {}
    for i, cell in enumerate(header):
        name = _text(cell).strip().lower()
        if name in COLUMNS:
            if name in column:
                problems.append((1, f"column '{name}' appears twice in the header"))
            else:
                column[name] = i
    missing = [c for c in require if c not in column]
    if missing:
        problems.insert(
            0, (1, f"missing column(s): {', '.join(missing)}; the header must include {', '.join(require)}")
        )
    if problems:
        raise ScriptsError(display, problems)
    return column


def _csv_rows(display: str, data: bytes) -> Iterator[list[object]]:
    if looks_utf16(data):
        raise ScriptsError(display, [(None, "UTF-16 text without a byte-order mark; save it as 'CSV UTF-8'")])
    try:
        text, bad_byte = decode(data), None
    except UnicodeDecodeError as exc:
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            raise ScriptsError(display, [(None, _NOT_UTF8_CSV.format(byte=exc.start + 1))]) from None
        # Read on with the bad bytes kept as markers, to name the row that holds the first.
        text = data.removeprefix(codecs.BOM_UTF8).decode("utf-8", "surrogateescape")
        bad_byte = exc.start + 1
    # Take the separator from the header alone: answers are full of commas, headers are not.
    lines = io.StringIO(text, newline="")
    return _csv_reader_rows(display, lines, _delimiter(text.split("\n", 1)[0]), bad_byte)


def _csv_file_rows(display: str, path: Path) -> Iterator[list[object]]:
    """A CSV file's rows, read as they come; a file that is not plain UTF-8 is read whole (to name
    its first bad byte, or to decode UTF-16)."""
    if not _plain_utf8(path):
        yield from _csv_rows(display, path.read_bytes())
        return
    with path.open(encoding="utf-8-sig", newline="") as f:
        header = f.readline()
        yield from _csv_reader_rows(display, itertools.chain([header], f), _delimiter(header), None)


def _plain_utf8(path: Path) -> bool:
    """Whether the file decodes as UTF-8 (with or without a BOM), read a block at a time."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as f:
        if f.read(2) in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
            return False
        f.seek(0)
        try:
            while block := f.read(1 << 20):
                decoder.decode(block)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return False
    return True


def _delimiter(header: str) -> str:
    return max(",;\t", key=header.count)


def _csv_reader_rows(
    display: str, lines: Iterable[str], delimiter: str, bad_byte: int | None
) -> Iterator[list[object]]:
    n = 0  # records read

    def checked(lines: Iterable[str] = lines) -> Iterator[str]:
        for line in lines:
            if line.count(delimiter) > MAX_CSV_SEPARATORS:
                raise ScriptsError(display, [(n + 1, _too_wide(delimiter))])
            yield line

    reader = csv.reader(checked(), delimiter=delimiter)
    try:
        for row in reader:
            n += 1
            if bad_byte is not None and any(_UNDECODED.search(cell) for cell in row):
                raise ScriptsError(display, [(n, _NOT_UTF8_CSV.format(byte=bad_byte))])
            yield list(row)
    except csv.Error as exc:
        reason = str(exc)
        if "field larger than field limit" in reason:
            reason = f"a cell is far longer than any answer (the limit is {MAX_ANSWER_CHARS:,} characters)"
        raise ScriptsError(display, [(n + 1, f"cannot read this row of the CSV: {reason}")]) from None
    if bad_byte is not None:
        raise ScriptsError(display, [(None, _NOT_UTF8_CSV.format(byte=bad_byte))])


#: One line of a CSV with more separators than this is not a table of scripts (a spreadsheet has
#: at most 16,384 columns; an essay's commas in a quoted answer stay far below it).
MAX_CSV_SEPARATORS = 100_000


def _too_wide(delimiter: str) -> str:
    name = {",": "commas", ";": "semicolons", "\t": "tabs"}[delimiter]
    return (
        f"this line has more than {MAX_CSV_SEPARATORS:,} {name} between cells: a table of scripts needs "
        f"only its columns ({', '.join(COLUMNS)}); save the sheet again as CSV UTF-8 without the empty columns"
    )


def _xlsx_rows(display: str, data: bytes) -> Iterator[list[object]]:
    """The first sheet's rows, read as they are: a formula gives the value Excel saved with it
    (never worked out here), and links to other workbooks are neither followed nor kept."""
    import openpyxl

    unreadable = "not a readable Excel workbook (.xlsx); save it again from Excel, or as CSV UTF-8"
    try:
        check_packed(data, "workbook")
    except AnswerFileError as exc:
        raise ScriptsError(display, [(None, str(exc))]) from None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles and extensions it skips
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    except Exception:  # a parser of untrusted files raises almost anything
        raise ScriptsError(display, [(None, unreadable)]) from None
    try:
        if not book.worksheets:
            raise ScriptsError(display, [(None, "the workbook has no sheet")])
        # Only the workbook's own errors arrive here: a reader's do not travel back into a generator.
        sheet = book.worksheets[0]
        # The size a sheet declares is not trusted: "A1:XFD1048576" would pad every row to
        # 16,384 cells. Without it a row is as long as its last cell.
        sheet.reset_dimensions()
        for row in sheet.iter_rows(values_only=True):
            yield list(row)
    except ScriptsError:
        raise
    except Exception:
        raise ScriptsError(display, [(None, unreadable)]) from None
    finally:
        book.close()


def _parse_mark(value: object) -> tuple[float | None, str | None]:
    """The mark in a cell, or the problem with it."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return None, None
    if isinstance(value, bool):
        return None, f"mark '{value}' is not a number"
    if isinstance(value, int | float):
        mark = float(value)
    else:
        text = str(value).strip()
        if re.fullmatch(r"-?\d+,\d+", text):  # a decimal comma: "7,5"
            text = text.replace(",", ".")
        try:
            mark = float(text)
        except ValueError:
            return None, f"mark '{value}' is not a number"
    if not math.isfinite(mark):
        return None, f"mark '{value}' is not a number"
    return mark, None


def _text(value: object) -> str:
    """A cell as text (a spreadsheet's 12.0 is "12")."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _row_of(source: str) -> int | None:
    match = _ROW_IN_SOURCE.search(source)
    return int(match.group(1)) if match else None


def _check_table_size(name: str, size: int, limits: Limits) -> None:
    if size > limits.max_archive_bytes:
        raise ScriptsError(
            name,
            [
                (
                    None,
                    f"the file is {size_text(size)}, over the {size_text(limits.max_archive_bytes)} limit for a table",
                )
            ],
        )


def usable_scripts(
    table: Table, max_marks: dict[str, int], *, need_mark: bool
) -> tuple[list[Script], list[str]]:
    """The scripts of a table that can be marked, and a note naming every row set aside with its reason.

    The rows that cannot be used are set aside and the others go through; only a table with
    no usable row is refused. Scripts without a question id belong to the only question when
    ``max_marks`` has just one.

    Raises:
        ScriptsError: no row can be used (every problem is listed with its row).
        MarkerError: the table has a header but no rows.
    """
    kept, refused = screen_scripts(table.scripts, max_marks, need_mark=need_mark)
    problems = sorted(problem_rows([*table.refused, *refused]), key=lambda p: (p[0] is None, p[0] or 0))
    if not kept:
        if problems:
            raise ScriptsError(table.path, problems)
        raise MarkerError(f"{table.path}: the table has a header but no scripts.")
    notes = []
    if problems:
        rows = "; ".join(f"row {row}: {msg}" if row else msg for row, msg in problems)
        notes.append(
            f"{len(problems)} row{'s' if len(problems) != 1 else ''} of {table.path} set aside, the other "
            f"{len(kept)} used ({rows})."
        )
    if len(max_marks) == 1:
        (only,) = max_marks
        kept = [s if s.question_id else replace(s, question_id=only) for s in kept]
    return kept, notes
