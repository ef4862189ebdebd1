"""Read students' scripts from what teachers upload: a folder, a zip, one file or a table.

Whatever a teacher hands over becomes a list of :class:`Script` (one student's answer and
where it came from), ready for batch marking or calibration:

- a folder or a ``.zip`` of ``.txt``, ``.md``, ``.docx`` and ``.pdf`` files, one script per
  file, the student named after the file (``alice_smith.docx`` -> "Alice Smith");
- a ``.csv`` or ``.xlsx`` table, one script per row, with an ``answer`` column and
  optionally ``question_id``, ``mark``, ``script_id`` and ``student``.

A file that cannot be read (corrupt, empty, a scanned PDF, too big, the wrong type) is set
aside in :attr:`Ingested.rejected` with a reason a teacher understands; it never stops the
others. An archive that is unsafe (a zip bomb, paths that escape it, too many files) is
refused whole with :class:`~marker.errors.UploadError`, judged from its directory before a
byte is unpacked; archives are read entry by entry in memory and never extracted to disk.
A table with bad rows raises one :class:`~marker.errors.ScriptsError` listing every row to
fix.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import math
import os
import re
import struct
import warnings
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from operator import attrgetter
from pathlib import Path, PurePosixPath
from typing import IO

from .errors import MAX_ANSWER_CHARS, AnswerFileError, ScriptsError, UploadError

SCRIPT_SUFFIXES = (".txt", ".md", ".docx", ".pdf")
TABLE_SUFFIXES = (".csv", ".xlsx")
#: Archives that are never opened when found inside an archive or a folder.
ARCHIVE_SUFFIXES = (".zip", ".tar", ".gz", ".tgz", ".bz2", ".xz", ".7z", ".rar")
#: The columns a table may have (any others are ignored).
COLUMNS = ("question_id", "answer", "mark", "script_id", "student")


@dataclass(frozen=True)
class Script:
    """One student's answer and where it came from.

    Attributes:
        script_id: unique within one ingest: the table's ``script_id``, else the file's
            path inside the folder or archive without its extension (``set1/alice_smith``),
            else ``row-<n>`` for a table row.
        student: the table's ``student``, else from the file name ("Alice Smith"); "" if
            unknown.
        text: the answer.
        question_id: the table's ``question_id``, else None (the batch chooses).
        mark: the teacher's mark from the table's ``mark`` column, if given.
        source: where it came from, for messages: ``scripts.zip:set1/alice.docx`` or
            ``marked.csv row 7``.
        sha: sha256 (hex) of the text with its whitespace normalised, to spot duplicates.
    """

    script_id: str
    student: str
    text: str
    question_id: str | None
    mark: float | None
    source: str
    sha: str


@dataclass(frozen=True)
class Rejected:
    """A file that was not read, and why (in words a teacher understands)."""

    source: str
    reason: str


@dataclass
class Ingested:
    """The result of one ingest.

    Attributes:
        scripts: the scripts read, in a stable order (sorted paths, or table order).
        rejected: files set aside, each with its reason.
        duplicates: ``(script_id, script_id of the earlier identical text)``; the
            duplicates are still in ``scripts``, only reported.
    """

    scripts: list[Script]
    rejected: list[Rejected]
    duplicates: list[tuple[str, str]]


@dataclass(frozen=True)
class Limits:
    """Size limits on what is read; anything over them is refused or rejected."""

    max_script_bytes: int = 5_000_000  # one uploaded script file
    max_archive_bytes: int = 200_000_000  # the archive (or table) file itself
    max_total_uncompressed: int = 500_000_000  # sum of entry sizes declared in the zip
    max_entries: int = 10_000
    max_ratio: float = 100.0  # per entry uncompressed:compressed ratio over this = zip bomb
    max_table_rows: int = 200_000


DEFAULT_LIMITS = Limits()

# A high ratio on a small entry is harmless (a page of blank lines compresses very well).
_BOMB_MIN_BYTES = 1_000_000
# A .docx or .xlsx is a zip too: refuse one that unpacks to more than this.
_MAX_OFFICE_UNPACKED = 200_000_000
# System and editor litter, skipped silently ("~$..." are Word's lock files).
_LITTER = {"__macosx", "thumbs.db", "desktop.ini"}
_ROW_IN_SOURCE = re.compile(r" row (\d+)$")
_NO_PDF_TEXT = "no text found: it may be a scanned image; run OCR or paste the text"
_PDF_LOCKED = "the PDF is password-protected; save a copy without a password"
_NOT_DOCX = "corrupt or not a Word document"
_NOT_PDF = "corrupt or not a PDF"
_NOT_UTF8_CSV = "not UTF-8 text (byte {byte:,}); save it as 'CSV UTF-8 (Comma delimited)' and try again"
# What surrogateescape turns undecodable bytes into.
_UNDECODED = re.compile("[\udc80-\udcff]")


# ---------------------------------------------------------------------------------------
# Entry points
# ---------------------------------------------------------------------------------------


def ingest(path: str | Path, limits: Limits = DEFAULT_LIMITS) -> Ingested:
    """Read every script in a folder, a ``.zip``, a single script file or a table.

    A folder is walked recursively in sorted order, skipping hidden files, ``__MACOSX``
    and ``Thumbs.db``. Files that cannot be read are listed in ``rejected``.

    Args:
        path: a folder, a ``.zip``, a ``.txt``/``.md``/``.docx``/``.pdf`` file, or a
            ``.csv``/``.xlsx`` table.
        limits: size limits.

    Returns:
        The scripts read, the files rejected and the duplicate texts found.

    Raises:
        UploadError: the path does not exist, or the archive is unsafe, too large or not a
            zip (nothing is read from it then).
        ScriptsError: the table has problems (all of them are listed).
    """
    path = Path(path)
    if path.is_dir():
        return _ingest_folder(path, limits)
    if not path.is_file():
        raise UploadError(f"No such file or folder: {path}")
    size = path.stat().st_size
    suffix = path.suffix.lower()
    if suffix == ".zip":
        _check_archive_size(path.name, size, limits)
        with path.open("rb") as f:
            return _ingest_zip(f, path.name, limits)
    if suffix in TABLE_SUFFIXES:
        return _ingest_table(read_table(path, limits=limits))
    return _ingest_single(path.name, size, path.read_bytes, limits)


def ingest_upload(name: str, data: bytes, limits: Limits = DEFAULT_LIMITS) -> Ingested:
    """Like :func:`ingest`, for the bytes of one uploaded file (a zip, a script or a table).

    Nothing is written to disk.

    >>> got = ingest_upload("alice_smith.txt", b"Rapallo was signed in 1922.")
    >>> [(s.script_id, s.student, s.text) for s in got.scripts]
    [('alice_smith', 'Alice Smith', 'Rapallo was signed in 1922.')]

    Args:
        name: the uploaded file's name (its extension decides how it is read).
        data: its content.
        limits: size limits.

    Raises:
        UploadError: the archive is unsafe, too large or not a zip.
        ScriptsError: the table has problems (all of them are listed).
    """
    name = PurePosixPath(name.replace("\\", "/")).name or "upload"
    suffix = PurePosixPath(name).suffix.lower()
    if suffix == ".zip":
        _check_archive_size(name, len(data), limits)
        return _ingest_zip(io.BytesIO(data), name, limits)
    if suffix in TABLE_SUFFIXES:
        return _ingest_table(read_table_bytes(name, data, limits=limits))
    return _ingest_single(name, len(data), lambda: data, limits)


def extract_text(name: str, data: bytes) -> str:
    """The text of one script file: ``.txt``/``.md`` (UTF-8), ``.docx`` or ``.pdf``.

    Line endings become ``\\n`` and surrounding whitespace is stripped; the result is
    never blank.

    >>> extract_text("answer.txt", b"  The Treaty of Rapallo.\\r\\nSigned in 1922.\\r\\n")
    'The Treaty of Rapallo.\\nSigned in 1922.'

    Args:
        name: the file name; its extension decides how it is read.
        data: the file's bytes.

    Raises:
        AnswerFileError: the file cannot be read as a script; the message is the reason
            ("empty file", "corrupt or not a Word document", "not UTF-8 text (byte 17): ...").
    """
    suffix = PurePosixPath(name).suffix.lower()
    if suffix not in SCRIPT_SUFFIXES:
        raise AnswerFileError(_unsupported(suffix))
    if not data:
        raise AnswerFileError("empty file")
    if suffix == ".docx":
        text = _tidy(_docx_text(data))
        if not text:
            raise AnswerFileError("no text found in the Word document")
    elif suffix == ".pdf":
        text = _tidy(_pdf_text(data))
        if not text:
            raise AnswerFileError(_NO_PDF_TEXT)
    else:
        try:
            text = _tidy(_decode(data))
        except UnicodeDecodeError as exc:
            raise AnswerFileError(f"not UTF-8 text (byte {exc.start + 1}): save it as UTF-8") from None
        if not text:
            raise AnswerFileError("empty file (only spaces or blank lines)")
    return text


# ---------------------------------------------------------------------------------------
# Tables
# ---------------------------------------------------------------------------------------


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
            found.append(_overlong(len(s.text)))
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

        answer = _tidy(_text(get("answer")))
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
                sha=_sha(answer),
            )
        )
    if problems:
        raise ScriptsError(display, problems)
    return scripts


def _csv_rows(display: str, data: bytes, keep: int) -> list[list[object]]:
    try:
        text, bad_byte = _decode(data), None
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
        _check_packed(data, "workbook")
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
                    f"the file is {_size(size)}, over the {_size(limits.max_archive_bytes)} limit for a table",
                )
            ],
        )


# ---------------------------------------------------------------------------------------
# Folders, archives and single files
# ---------------------------------------------------------------------------------------


@dataclass
class _Batch:
    """Collects scripts and rejections, keeping script ids unique."""

    scripts: list[Script] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)

    def reject(self, source: str, reason: str) -> None:
        self.rejected.append(Rejected(source, reason))

    def add_file(self, source: str, rel: str, data: bytes) -> None:
        """Read one script file; ``rel`` is its path inside the folder or archive."""
        try:
            text = extract_text(rel, data)
        except AnswerFileError as exc:
            self.reject(source, str(exc))
            return
        path = PurePosixPath(rel)
        script_id = str(path.with_suffix(""))
        if script_id in self.ids:  # alice.txt next to alice.docx
            script_id = rel
        base, n = script_id, 2
        while script_id in self.ids:  # the same name twice in one zip
            script_id, n = f"{base}~{n}", n + 1
        self.keep(Script(script_id, _student_from(path.stem), text, None, None, source, _sha(text)))

    def keep(self, script: Script) -> None:
        if len(script.text) > MAX_ANSWER_CHARS:
            self.reject(script.source, _overlong(len(script.text)))
            return
        self.ids.add(script.script_id)
        self.scripts.append(script)

    def result(self) -> Ingested:
        first: dict[str, str] = {}
        duplicates: list[tuple[str, str]] = []
        for s in self.scripts:
            if s.sha in first:
                duplicates.append((s.script_id, first[s.sha]))
            else:
                first[s.sha] = s.script_id
        return Ingested(self.scripts, self.rejected, duplicates)


def _ingest_folder(root: Path, limits: Limits) -> Ingested:
    found: list[tuple[str, Path]] = []
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if not _is_litter(d)]
        for name in filenames:
            path = Path(dirpath, name)
            if not _is_litter(name) and path.is_file():  # no sockets or pipes
                found.append((path.relative_to(root).as_posix(), path))
    batch = _Batch()
    for rel, path in sorted(found):
        source = f"{root.name}/{rel}"
        reason = _not_a_script(rel, "folders")
        if reason:
            batch.reject(source, reason)
            continue
        try:
            size = path.stat().st_size
            if size > limits.max_script_bytes:
                batch.reject(source, _too_big(size, limits.max_script_bytes))
                continue
            data = path.read_bytes()
        except OSError as exc:
            batch.reject(source, f"cannot be read ({exc.strerror or exc})")
            continue
        batch.add_file(source, rel, data)
    return batch.result()


def _ingest_zip(fileobj: IO[bytes], name: str, limits: Limits) -> Ingested:
    declared = _declared_entries(fileobj)
    if declared is not None and declared > limits.max_entries:
        raise UploadError(_too_many(name, declared, limits))
    try:
        archive = zipfile.ZipFile(fileobj)
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, struct.error):
        raise UploadError(
            f"{name} is not a readable zip archive; zip the folder again "
            "(in Windows: right-click > Send to > Compressed (zipped) folder)"
        ) from None
    with archive:
        infos = archive.infolist()
        _check_entries(name, infos, limits)
        batch = _Batch()
        for info in sorted(infos, key=attrgetter("filename")):
            rel = info.filename
            if info.is_dir() or any(_is_litter(part) for part in rel.split("/")):
                continue
            source = f"{name}:{rel}"
            reason = _not_a_script(rel, "archives")
            if reason:
                batch.reject(source, reason)
                continue
            if info.file_size > limits.max_script_bytes:
                batch.reject(source, _too_big(info.file_size, limits.max_script_bytes))
                continue
            try:
                # Read at most one byte over the limit, in case the header lies about the size.
                with archive.open(info) as entry:
                    data = entry.read(limits.max_script_bytes + 1)
            except (
                zipfile.BadZipFile,
                zlib.error,
                RuntimeError,
                NotImplementedError,
                OSError,
                EOFError,
                ValueError,
            ):
                batch.reject(
                    source, "cannot be unpacked (damaged, password-protected or an unusual compression)"
                )
                continue
            if len(data) > limits.max_script_bytes:
                batch.reject(source, f"over the {_size(limits.max_script_bytes)} limit per script")
                continue
            batch.add_file(source, rel, data)
        return batch.result()


def _ingest_single(name: str, size: int, read: Callable[[], bytes], limits: Limits) -> Ingested:
    batch = _Batch()
    suffix = PurePosixPath(name).suffix.lower()
    if suffix in ARCHIVE_SUFFIXES:
        batch.reject(name, "only .zip archives are opened; pack the scripts into a .zip")
    elif suffix not in SCRIPT_SUFFIXES:
        batch.reject(name, _unsupported(suffix))
    elif size > limits.max_script_bytes:
        batch.reject(name, _too_big(size, limits.max_script_bytes))
    else:
        batch.add_file(name, name, read())
    return batch.result()


def _ingest_table(scripts: list[Script]) -> Ingested:
    batch = _Batch()
    for s in scripts:
        if s.text:
            batch.keep(s)
        else:
            batch.reject(s.source, "empty answer")
    return batch.result()


def _check_archive_size(name: str, size: int, limits: Limits) -> None:
    if size > limits.max_archive_bytes:
        raise UploadError(
            f"{name} is {_size(size)}, over the {_size(limits.max_archive_bytes)} limit for an archive; "
            "split the scripts into smaller zips"
        )


def _declared_entries(fileobj: IO[bytes]) -> int | None:
    """The file count in a zip's end record, read before zipfile indexes every entry.

    Indexing millions of entries would itself exhaust memory. Returns None when there is no
    end record (zipfile then reports the archive as unreadable). A count of 0xFFFF means
    "65,535 or more" (zip64).
    """
    fileobj.seek(0, io.SEEK_END)
    size = fileobj.tell()
    tail_size = min(size, 22 + 0xFFFF)  # the end record plus the longest comment
    fileobj.seek(size - tail_size)
    tail = fileobj.read(tail_size)
    fileobj.seek(0)
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or at + 22 > len(tail):
        return None
    (count,) = struct.unpack_from("<H", tail, at + 10)
    return count


def _check_entries(name: str, infos: list[zipfile.ZipInfo], limits: Limits) -> None:
    """Refuse the whole archive from its directory, before reading any entry."""
    nothing = "; nothing was extracted"
    if len(infos) > limits.max_entries:
        raise UploadError(_too_many(name, len(infos), limits))
    for info in infos:
        if _unsafe(info.filename):
            raise UploadError(f"{name}: unsafe path '{info.filename}' in the archive{nothing}")
    total = sum(info.file_size for info in infos)
    if total > limits.max_total_uncompressed:
        raise UploadError(
            f"{name}: its files add up to {_size(total)} unpacked, over the "
            f"{_size(limits.max_total_uncompressed)} limit on the uncompressed size of an archive{nothing}"
        )
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > _BOMB_MIN_BYTES and ratio > limits.max_ratio:
            raise UploadError(
                f"{name}: '{info.filename}' would unpack from {_size(info.compress_size)} to "
                f"{_size(info.file_size)}, a compression ratio of {ratio:,.0f}:1, over the "
                f"{limits.max_ratio:g}:1 limit for one file (it looks like a zip bomb){nothing}"
            )


def _too_many(name: str, count: int, limits: Limits) -> str:
    shown = f"{count:,}" if count < 0xFFFF else f"{0xFFFF:,} or more"
    return (
        f"{name} holds {shown} entries, over the limit of {limits.max_entries:,} files in an archive; "
        "nothing was extracted"
    )


def _unsafe(name: str) -> bool:
    """An entry path that is absolute, has a drive letter or climbs out with ``..``."""
    if name.startswith(("/", "\\")) or re.match(r"[A-Za-z]:", name):
        return True
    return ".." in re.split(r"[/\\]", name)


def _is_litter(part: str) -> bool:
    """Hidden files, macOS and Windows metadata, Word lock files: skipped silently."""
    return part.startswith((".", "~$")) or part.lower() in _LITTER


def _not_a_script(rel: str, inside: str) -> str | None:
    """Why a file found in a folder or archive is not read, or None if it is a script."""
    suffix = PurePosixPath(rel).suffix.lower()
    if suffix in ARCHIVE_SUFFIXES:
        return f"archives inside {inside} are not opened"
    if suffix in TABLE_SUFFIXES:
        return f"tables inside {inside} are not read; upload the table on its own"
    if suffix not in SCRIPT_SUFFIXES:
        return _unsupported(suffix)
    return None


# ---------------------------------------------------------------------------------------
# File formats
# ---------------------------------------------------------------------------------------


def _decode(data: bytes) -> str:
    """UTF-8 (with or without a BOM), or UTF-16 with a BOM (Notepad's "Unicode").

    Raises:
        UnicodeDecodeError: with ``start`` counted from the beginning of ``data``.
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    bom = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    try:
        return data[bom:].decode("utf-8")
    except UnicodeDecodeError as exc:
        exc.start += bom
        raise


def _docx_text(data: bytes) -> str:
    """Paragraphs and table cells, in document order, separated by blank lines."""
    import docx
    from docx.table import Table

    def blocks(container) -> list[str]:
        out: list[str] = []
        for item in container.iter_inner_content():
            if isinstance(item, Table):
                seen = set()  # a merged cell appears once per grid column it spans
                for row in item.rows:
                    for cell in row.cells:
                        if cell._tc not in seen:
                            seen.add(cell._tc)
                            out += blocks(cell)
            elif item.text.strip():
                out.append(item.text.strip())
        return out

    _check_packed(data, "Word document")
    try:
        return "\n\n".join(blocks(docx.Document(io.BytesIO(data))))
    except Exception:  # a parser of untrusted files raises almost anything
        raise AnswerFileError(_NOT_DOCX) from None


def _pdf_text(data: bytes) -> str:
    from pypdf import PdfReader

    try:
        reader = PdfReader(io.BytesIO(data))
        if reader.is_encrypted and not _unlock(reader):
            raise AnswerFileError(_PDF_LOCKED)
        pages = [page.extract_text() or "" for page in reader.pages]
    except AnswerFileError:
        raise
    except Exception:  # a parser of untrusted files raises almost anything
        raise AnswerFileError(_NOT_PDF) from None
    return "\n\n".join(p.strip() for p in pages if p.strip())


def _unlock(reader) -> bool:
    """Open a PDF that is locked only against editing (an empty user password)."""
    try:
        return bool(reader.decrypt(""))
    except Exception:
        return False


def _check_packed(data: bytes, what: str) -> None:
    """Refuse an Office file (a zip) that would unpack to far more than any essay."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as packed:
            total = sum(info.file_size for info in packed.infolist())
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, struct.error):
        return  # not a zip at all: the parser reports it as corrupt
    if total > _MAX_OFFICE_UNPACKED:
        raise AnswerFileError(
            f"the {what} would unpack to {_size(total)}, over the {_size(_MAX_OFFICE_UNPACKED)} limit"
        )


# ---------------------------------------------------------------------------------------
# Small helpers
# ---------------------------------------------------------------------------------------


def _tidy(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


def _sha(text: str) -> str:
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()


def _student_from(stem: str) -> str:
    """A student's name from a file name: ``alice_smith`` -> ``Alice Smith``."""
    return " ".join(re.split(r"[_\-\s]+", stem)).strip().title()


def _size(n: int) -> str:
    if n >= 1_000_000:
        return f"{n / 1_000_000:.1f}".removesuffix(".0") + " MB"
    if n >= 1_000:
        return f"{n / 1_000:.1f}".removesuffix(".0") + " KB"
    return f"{n:,} bytes"


def _too_big(size: int, limit: int) -> str:
    shown, cap = _size(size), _size(limit)
    if shown == cap:  # 1,000,001 bytes would read "1 MB is over the 1 MB limit"
        shown, cap = f"{size:,} bytes", f"{limit:,}-byte"
    return f"{shown} is over the {cap} limit per script"


def _overlong(n_chars: int) -> str:
    return (
        f"the answer is {n_chars:,} characters long; the limit is {MAX_ANSWER_CHARS:,} characters per script"
    )


def _unsupported(suffix: str) -> str:
    return f"unsupported file type {suffix or '(no extension)'} (use .txt, .md, .docx or .pdf)"
