"""Read students' scripts from what teachers upload: a folder, a zip, one file or a table.

Reads a path on disk or the bytes of one upload, writes nothing. Whatever a teacher hands
over becomes an :class:`~marker.scripts.Ingested`: a list of :class:`~marker.scripts.Script`
(one student's answer and where it came from), ready for batch marking or calibration, plus
the files set aside with their reasons. This module only dispatches:

- a folder or a ``.zip`` of ``.txt``, ``.md``, ``.docx`` and ``.pdf`` files, and scans or photos
  (``.png``, ``.jpg``, read by OCR), one script per file, the student named after the file
  (``alice_smith.docx`` -> "Alice Smith"): :mod:`marker.archives` (with the safety checks),
  each file read by :mod:`marker.readers`;
- a ``.csv`` or ``.xlsx`` table, one script per row, with an ``answer`` column and
  optionally ``question_id``, ``mark``, ``script_id`` and ``student``: :mod:`marker.tables`.

A file that cannot be read is set aside in :attr:`~marker.scripts.Ingested.rejected`; it never
stops the others. An unsafe archive is refused whole with :class:`~marker.errors.UploadError`.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path, PurePosixPath

from .archives import Collector, check_archive_size, read_folder, read_zip
from .errors import UploadError
from .readers import ARCHIVE_SUFFIXES, SCRIPT_SUFFIXES, TABLE_SUFFIXES, extract_text, too_big, unsupported
from .scripts import DEFAULT_LIMITS, Ingested, Limits, Rejected, Script
from .tables import Table, check_scripts, load_table, load_table_bytes, read_table, read_table_bytes

__all__ = [
    "DEFAULT_LIMITS",
    "Ingested",
    "Limits",
    "Rejected",
    "Script",
    "check_scripts",
    "extract_text",
    "load_table",
    "ingest",
    "ingest_upload",
    "read_table",
    "read_table_bytes",
]
# ---------------------------------------------------------------------------------------
# Entry points
# ---------------------------------------------------------------------------------------


def ingest(path: str | Path, limits: Limits = DEFAULT_LIMITS) -> Ingested:
    """Read every script in a folder, a ``.zip``, a single script file or a table.

    A folder is walked recursively in sorted order, skipping hidden files, ``__MACOSX``
    and ``Thumbs.db``. Files that cannot be read are listed in ``rejected``.

    Args:
        path: a folder, a ``.zip``, a ``.txt``/``.md``/``.docx``/``.pdf``/``.png``/``.jpg`` file,
            or a ``.csv``/``.xlsx`` table.
        limits: size limits.

    Returns:
        The scripts read, the files rejected and the duplicate texts found.

    Raises:
        UploadError: the path does not exist, or the archive is unsafe, too large or not a
            zip (nothing is read from it then).
        ScriptsError: the table cannot be read at all (its bad rows are only rejected).
    """
    path = Path(path)
    if path.is_dir():
        return read_folder(path, limits)
    if not path.is_file():
        raise UploadError(f"No such file or folder: {path}")
    size = path.stat().st_size
    suffix = path.suffix.lower()
    if suffix == ".zip":
        check_archive_size(path.name, size, limits)
        with path.open("rb") as f:
            return read_zip(f, path.name, limits)
    if suffix in TABLE_SUFFIXES:
        return _ingest_table(load_table(path, limits=limits))
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
        ScriptsError: the table cannot be read at all (its bad rows are only rejected).
    """
    name = PurePosixPath(name.replace("\\", "/")).name or "upload"
    suffix = PurePosixPath(name).suffix.lower()
    if suffix == ".zip":
        check_archive_size(name, len(data), limits)
        return read_zip(io.BytesIO(data), name, limits)
    if suffix in TABLE_SUFFIXES:
        return _ingest_table(load_table_bytes(name, data, limits=limits))
    return _ingest_single(name, len(data), lambda: data, limits)


def _ingest_single(name: str, size: int, read: Callable[[], bytes], limits: Limits) -> Ingested:
    batch = Collector(limits=limits)
    suffix = PurePosixPath(name).suffix.lower()
    if suffix in ARCHIVE_SUFFIXES:
        batch.reject(name, "only .zip archives are opened; pack the scripts into a .zip")
    elif suffix not in SCRIPT_SUFFIXES:
        batch.reject(name, unsupported(suffix))
    elif size > limits.max_script_bytes:
        batch.reject(name, too_big(size, limits.max_script_bytes))
    else:
        batch.add_file(name, name, read())
    return batch.result()


def _ingest_table(table: Table) -> Ingested:
    """A table's scripts for batch marking; its rows set aside are rejected with their reasons.

    A blank answer is kept (it is marked 0). A ``script_id`` used for several questions (one
    pupil's paper) becomes ``<script_id>/<question_id>`` on each of its rows, so each answer
    has its own row in the batch's results.
    """
    batch = Collector()
    uses = Counter(s.script_id for s in table.scripts)
    for s in table.scripts:
        if uses[s.script_id] > 1 and s.question_id:
            s = replace(s, script_id=f"{s.script_id}/{s.question_id}")
        batch.keep(s)
    for r in table.refused:  # after the kept rows, so a repeated script_id is the one set aside
        batch.reject(r.source, r.reason, r.script_id)
    return batch.result()
