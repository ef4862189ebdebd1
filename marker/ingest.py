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
import itertools
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from pathlib import Path, PurePosixPath

from .archives import Collector, check_archive_size, read_folder, read_zip
from .errors import MAX_ANSWER_CHARS, UploadError
from .readers import (
    ARCHIVE_SUFFIXES,
    SCRIPT_SUFFIXES,
    TABLE_SUFFIXES,
    extract_text,
    overlong,
    too_big,
    unsupported,
)
from .scripts import DEFAULT_LIMITS, Ingested, Limits, Rejected, Script, bare_id, unique_id
from .tables import (
    Table,
    check_scripts,
    iter_table,
    load_table,
    load_table_bytes,
    read_table,
    read_table_bytes,
)

__all__ = [
    "DEFAULT_LIMITS",
    "Ingested",
    "Limits",
    "Rejected",
    "Script",
    "ScriptStream",
    "check_scripts",
    "extract_text",
    "load_table",
    "ingest",
    "ingest_stream",
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
    stream = _table_stream(lambda: itertools.chain(table.scripts, table.refused))
    return Ingested(list(stream), stream.rejected, stream.duplicates)


# ---------------------------------------------------------------------------------------
# An input read again on each pass, never held whole
# ---------------------------------------------------------------------------------------


class ScriptStream:
    """An input's scripts, read afresh on each iteration, and what a first look at them found.

    A table named by its path is read from the file on each pass, so a cohort of 20,000 rows
    is never held in memory; a folder or zip is read once and held (its scripts are files,
    at most :attr:`~marker.scripts.Limits.max_entries` of a zip).

    Attributes:
        rejected: rows and files set aside, with their reasons (as :attr:`Ingested.rejected`).
        duplicates: ``(script_id, script_id of the earlier identical text)``.
        count: the scripts each pass yields.
    """

    def __init__(
        self,
        passes: Callable[[], Iterator[Script]],
        rejected: list[Rejected],
        duplicates: list[tuple[str, str]],
        count: int,
    ):
        self._passes = passes
        self.rejected, self.duplicates, self.count = rejected, duplicates, count

    def __iter__(self) -> Iterator[Script]:
        return self._passes()

    def mapped(self, change: Callable[[Script], Script]) -> ScriptStream:
        """The same stream with every script passed through ``change`` (its id must not change)."""
        passes = self._passes
        return ScriptStream(lambda: map(change, passes()), self.rejected, self.duplicates, self.count)

    @classmethod
    def held(cls, got: Ingested) -> ScriptStream:
        """The stream of scripts already read."""
        return cls(lambda: iter(got.scripts), got.rejected, got.duplicates, len(got.scripts))


def ingest_stream(path: str | Path, limits: Limits = DEFAULT_LIMITS) -> ScriptStream:
    """Like :func:`ingest`, but a table is read again on each pass instead of being held.

    Two passes over a table are made here (its script ids, rows set aside and duplicate
    texts), before the caller's own.

    Raises:
        UploadError, ScriptsError: as :func:`ingest`.
    """
    path = Path(path)
    if path.is_file() and path.suffix.lower() in TABLE_SUFFIXES:
        return _table_stream(lambda: iter_table(path, limits=limits))
    return ScriptStream.held(ingest(path, limits))


def _table_stream(items: Callable[[], Iterable[Script | Rejected]]) -> ScriptStream:
    """A table's scripts (as the batch names them) and its rows set aside, from its rows in order.

    Kept as :class:`~marker.archives.Collector` keeps files: ids stay unique, an overlong answer
    is set aside, and the table's own bad rows come after the scripts.
    """
    uses = Counter(item.script_id for item in items() if isinstance(item, Script))
    repeated = {script_id for script_id, n in uses.items() if n > 1}  # kept for every pass; few
    del uses

    def named(s: Script) -> Script:
        if s.script_id in repeated and s.question_id:
            return replace(s, script_id=f"{s.script_id}/{s.question_id}")
        return s

    def scripts() -> Iterator[Script]:
        for item in items():
            if isinstance(item, Script) and len(item.text) <= MAX_ANSWER_CHARS:
                yield named(item)

    ids: set[str] = set()
    rejected: list[Rejected] = []
    refused: list[Rejected] = []
    first: dict[str, str] = {}
    duplicates: list[tuple[str, str]] = []
    count = 0
    for item in items():
        if isinstance(item, Rejected):
            refused.append(item)
            continue
        s = named(item)
        if len(s.text) > MAX_ANSWER_CHARS:
            rejected.append(Rejected(s.source, overlong(len(s.text)), unique_id(s.script_id, ids)))
            continue
        ids.add(s.script_id)
        count += 1
        if s.text.strip():  # blank answers are alike without anyone copying
            if s.sha in first:
                duplicates.append((s.script_id, first[s.sha]))
            else:
                first[s.sha] = s.script_id
    for r in refused:  # after the kept rows, so a repeated script_id is the one set aside
        rejected.append(Rejected(r.source, r.reason, unique_id(r.script_id or bare_id(r.source), ids)))
    return ScriptStream(scripts, rejected, duplicates, count)
