"""What reading a teacher's upload produces: scripts, files set aside, and the size limits.

Reads nothing and writes nothing: these are the plain records that :mod:`marker.readers`,
:mod:`marker.archives` and :mod:`marker.tables` fill and :mod:`marker.ingest` hands on to batch
marking, evaluation and calibration.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Script:
    """One student's answer and where it came from.

    Attributes:
        script_id: the table's ``script_id`` (one pupil's paper: unique per question; a
            batch ingest makes it ``<script_id>/<question_id>`` when the paper answers several
            questions, so it is unique within the ingest), else ``row-<n>`` for a table row,
            else the file's bare name: no folders, no extension (``alice_smith`` for
            ``set1/alice_smith.docx``), with ``~2``, ``~3`` after a name already taken in the
            same ingest (see :func:`bare_id`). Where the file was is in ``source``.
        student: the table's ``student``, else from the file name ("Alice Smith"); "" if
            unknown.
        text: the answer.
        question_id: the table's ``question_id``, else None (the batch chooses).
        mark: the teacher's mark from the table's ``mark`` column, if given.
        source: where it came from, for messages: ``scripts.zip:set1/alice.docx`` or
            ``marked.csv row 7``.
        sha: sha256 (hex) of the text with its whitespace normalised, to spot duplicates.
        ocr_confidence: the recogniser's mean confidence (0-1) when the text was read by OCR
            from a scan or photo; None for text read from the file itself.
        ocr_doubtful: lines OCR was unsure of (as read), for the teacher to check.
        checked: the teacher has checked (and perhaps corrected) an OCR transcription.
    """

    script_id: str
    student: str
    text: str
    question_id: str | None
    mark: float | None
    source: str
    sha: str
    # Left out of repr, so that a Script read from text prints as it always did.
    ocr_confidence: float | None = field(default=None, repr=False)
    ocr_doubtful: tuple[str, ...] = field(default=(), repr=False)
    checked: bool = field(default=False, repr=False)


@dataclass(frozen=True)
class Rejected:
    """A file (or table row) that was not read, and why (in words a teacher understands).

    ``script_id`` is its id in the batch's results, made like a script's (:func:`bare_id`);
    "" until the ingest gives it one. Two rejections are equal when the file and the reason are.
    """

    source: str
    reason: str
    script_id: str = field(default="", compare=False)


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
    # A 12-megapixel phone photo is the usual page; 50 decode to 150 MB before scaling down.
    max_image_pixels: int = 50_000_000
    max_ocr_pages: int = 20  # scanned pages read by OCR per script (10-20 s each on one core)


DEFAULT_LIMITS = Limits()


def text_sha(text: str) -> str:
    """sha256 (hex) of the text with its whitespace normalised, to spot duplicate answers."""
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()


def student_from(stem: str) -> str:
    """A student's name from a file name: ``alice_smith`` -> ``Alice Smith``."""
    return " ".join(re.split(r"[_\-\s]+", stem)).strip().title()


_TABLE_ROW = re.compile(r".* row (\d+)")


def bare_id(source: str) -> str:
    """A script's id from where it came from: the file's own name without folders or extension,
    or ``row-<n>`` for a table row. The same for a folder, a zip and an upload of the files.

    >>> bare_id("scripts.zip:set1/alice_smith.docx"), bare_id("class/Bob Jones.txt")
    ('alice_smith', 'Bob Jones')
    >>> bare_id("marked.csv row 7")
    'row-7'
    """
    row = _TABLE_ROW.fullmatch(source)
    if row:
        return f"row-{row.group(1)}"
    name = source.replace("\\", "/").replace(":", "/").rstrip("/").rsplit("/", 1)[-1]
    stem = name.rsplit(".", 1)[0] if "." in name.lstrip(".") else name
    return stem or name or "script"


def unique_id(base: str, taken: set[str]) -> str:
    """``base``, or ``base~2``, ``base~3`` ... if taken; the id returned is added to ``taken``.

    >>> taken = {"alice"}
    >>> unique_id("alice", taken), unique_id("alice", taken), unique_id("bob", taken)
    ('alice~2', 'alice~3', 'bob')
    """
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}~{n}", n + 1
    taken.add(candidate)
    return candidate
