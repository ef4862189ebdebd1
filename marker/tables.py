"""Read a table of scripts (CSV or XLSX, one answer per row) and check it against the bank.

Reads the bytes of one ``.csv`` (UTF-8, comma, semicolon or tab) or ``.xlsx`` (first sheet)
file, writes nothing. Returns :class:`~marker.scripts.Script` records; a table that cannot be
read at all, or whose rows have problems, raises :class:`~marker.errors.ScriptsError` naming
every row to fix.
"""

from __future__ import annotations

import codecs
import csv
import io
import math
import re
import warnings
from pathlib import Path, PurePosixPath

from .errors import MAX_ANSWER_CHARS, AnswerFileError, ScriptsError
from .readers import check_packed, decode, overlong, size_text, tidy
from .scripts import DEFAULT_LIMITS, Limits, Script, text_sha

#: The columns a table may have (any others are ignored).
COLUMNS = ("question_id", "answer", "mark", "script_id", "student")
_ROW_IN_SOURCE = re.compile(r" row (\d+)$")
_NOT_UTF8_CSV = "not UTF-8 text (byte {byte:,}); save it as 'CSV UTF-8 (Comma delimited)' and try again"
# What surrogateescape turns undecodable bytes into.
_UNDECODED = re.compile("[\udc80-\udcff]")


def read_table(
    path: str | Path, require: tuple[str, ...] = ("answer",), *, limits: Limits = DEFAULT_LIMITS
) -> list[Script]:
    """Read a CSV (UTF-8) or XLSX (first sheet) table of scripts, one per row.

    The first row is the header; column names are case-insensitive. The columns read are
    ``question_id``, ``answer``, ``mark``, ``script_id`` and ``student``; others are
    ignored, and blank rows are skipped. Row numbers in messages are the spreadsheet's row
    numbers (the header is row 1). A CSV may be separated by commas, semicolons or tabs.

    Args:
        path: the ``.csv`` or ``.xlsx`` file.
        require: columns the header must include.
        limits: ``max_archive_bytes`` caps the file size, ``max_table_rows`` the rows.

    Returns:
        The scripts, in file order.

    Raises:
        ScriptsError: listing every problem: missing columns, marks that are not numbers,
            repeated script ids, a file that is not UTF-8 or not a workbook.
    """
    path = Path(path)
    if not path.is_file():
        raise ScriptsError(str(path), [(None, "no such file")])
    _check_table_size(str(path), path.stat().st_size, limits)
    return _read_table(str(path), path.name, path.read_bytes(), require, limits)


def read_table_bytes(
    name: str, data: bytes, require: tuple[str, ...] = ("answer",), *, limits: Limits = DEFAULT_LIMITS
) -> list[Script]:
    """Like :func:`read_table`, for the bytes of an uploaded ``.csv`` or ``.xlsx`` file."""
    _check_table_size(name, len(data), limits)
    return _read_table(name, PurePosixPath(name.replace("\\", "/")).name, data, require, limits)


def check_scripts(scripts: list[Script], max_marks: dict[str, int], *, need_mark: bool, source: str) -> None:
    """Check a table of scripts before calibration or evaluation.

    A script without a question id counts as the only question when ``max_marks`` has
    just one.

    Args:
        scripts: the scripts, usually from :func:`read_table`.
        max_marks: question id -> maximum mark, for every question that may appear.
        need_mark: every script must carry the teacher's mark.
        source: the file name to put in the error.

    Raises:
        ScriptsError: listing every problem with its row: unknown question ids (with the
            valid ones), marks outside 0..max, missing marks, empty or overlong answers,
            repeated script ids.
    """
    valid = ", ".join(sorted(max_marks)) or "(none)"
    problems: list[tuple[int | None, str]] = []
    first_seen: dict[str, str] = {}
    for s in scripts:
        row = _row_of(s.source)
        found: list[str] = []
        qid = s.question_id
        if qid is None and len(max_marks) == 1:
            qid = next(iter(max_marks))
        if qid is None:
            found.append(f"question_id is empty; valid ids: {valid}")
        elif qid not in max_marks:
            found.append(f"unknown question id '{qid}'; valid ids: {valid}")
        if not s.text.strip():
            found.append("answer is empty")
        elif len(s.text) > MAX_ANSWER_CHARS:
            found.append(overlong(len(s.text)))
        if s.mark is None:
            if need_mark:
                found.append("mark is empty; every script needs the teacher's mark")
        elif qid in max_marks and not 0 <= s.mark <= max_marks[qid]:
            found.append(f"mark {s.mark:g} is outside 0-{max_marks[qid]} for {qid}")
        if s.script_id in first_seen:
            found.append(f"script_id '{s.script_id}' is also used on {first_seen[s.script_id]}")
        else:
            first_seen[s.script_id] = f"row {row}" if row is not None else s.source
        # A script from a file has no row: name the file instead.
        problems += [(row, msg if row is not None else f"{s.source}: {msg}") for msg in found]
    if problems:
        raise ScriptsError(source, problems)


def _read_table(
    display: str, short: str, data: bytes, require: tuple[str, ...], limits: Limits
) -> list[Script]:
    suffix = PurePosixPath(short).suffix.lower()
    # Header + the row limit + one more, to tell a full table from an overfull one.
    keep = limits.max_table_rows + 2
    if suffix == ".csv":
        rows = _csv_rows(display, data, keep)
    elif suffix == ".xlsx":
        rows = _xlsx_rows(display, data, keep)
    else:
        raise ScriptsError(
            display, [(None, f"unsupported table type {suffix or '(no extension)'} (use .csv or .xlsx)")]
        )
    if not rows or not any(_text(c).strip() for c in rows[0]):
        raise ScriptsError(
            display, [(1, f"the first row must be a header naming the columns ({', '.join(require)}, ...)")]
        )
    if len(rows) - 1 > limits.max_table_rows:
        too_many = (
            f"more than {limits.max_table_rows:,} rows, the limit for one table; split it into smaller files"
        )
        raise ScriptsError(display, [(None, too_many)])

    problems: list[tuple[int | None, str]] = []
    column: dict[str, int] = {}
    for i, cell in enumerate(rows[0]):
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

    scripts: list[Script] = []
    first_row: dict[str, int] = {}
    for n, cells in enumerate(rows[1:], start=2):
        if not any(_text(c).strip() for c in cells):
            continue

        def get(col: str, cells: list[object] = cells) -> object:
            i = column.get(col)
            return cells[i] if i is not None and i < len(cells) else None

        answer = tidy(_text(get("answer")))
        script_id = _text(get("script_id")).strip() or f"row-{n}"
        mark, problem = _parse_mark(get("mark"))
        if problem:
            problems.append((n, problem))
        if script_id in first_row:
            problems.append((n, f"script_id '{script_id}' is also used on row {first_row[script_id]}"))
        else:
            first_row[script_id] = n
        scripts.append(
            Script(
                script_id=script_id,
                student=_text(get("student")).strip(),
                text=answer,
                question_id=_text(get("question_id")).strip() or None,
                mark=mark,
                source=f"{short} row {n}",
                sha=text_sha(answer),
            )
        )
    if problems:
        raise ScriptsError(display, problems)
    return scripts


def _csv_rows(display: str, data: bytes, keep: int) -> list[list[object]]:
    try:
        text, bad_byte = decode(data), None
    except UnicodeDecodeError as exc:
        if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
            raise ScriptsError(display, [(None, _NOT_UTF8_CSV.format(byte=exc.start + 1))]) from None
        # Read on with the bad bytes kept as markers, to name the row that holds the first.
        text = data.removeprefix(codecs.BOM_UTF8).decode("utf-8", "surrogateescape")
        bad_byte = exc.start + 1
    # Take the separator from the header alone: answers are full of commas, headers are not.
    header = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=header.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[list[object]] = []
    try:
        for row in reader:
            rows.append(list(row))
            if bad_byte is not None and any(_UNDECODED.search(cell) for cell in row):
                raise ScriptsError(display, [(len(rows), _NOT_UTF8_CSV.format(byte=bad_byte))])
            if len(rows) >= keep:
                break
    except csv.Error as exc:
        reason = str(exc)
        if "field larger than field limit" in reason:
            reason = f"a cell is far longer than any answer (the limit is {MAX_ANSWER_CHARS:,} characters)"
        raise ScriptsError(display, [(len(rows) + 1, f"cannot read this row of the CSV: {reason}")]) from None
    if bad_byte is not None:
        raise ScriptsError(display, [(None, _NOT_UTF8_CSV.format(byte=bad_byte))])
    return rows


def _xlsx_rows(display: str, data: bytes, keep: int) -> list[list[object]]:
    import openpyxl

    unreadable = "not a readable Excel workbook (.xlsx); save it again from Excel, or as CSV UTF-8"
    try:
        check_packed(data, "workbook")
    except AnswerFileError as exc:
        raise ScriptsError(display, [(None, str(exc))]) from None
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # openpyxl warns about styles and extensions it skips
            book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:  # a parser of untrusted files raises almost anything
        raise ScriptsError(display, [(None, unreadable)]) from None
    try:
        if not book.worksheets:
            raise ScriptsError(display, [(None, "the workbook has no sheet")])
        rows: list[list[object]] = []
        for row in book.worksheets[0].iter_rows(values_only=True):
            rows.append(list(row))
            if len(rows) >= keep:
                break
        return rows
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
