"""Read every script in a folder or a ``.zip`` archive, after checking the archive is safe.

Reads a folder from disk, or a zip (a path or bytes) entry by entry in memory: nothing is
ever extracted to disk and nothing is written. An unsafe archive (a zip bomb, paths that
escape it, too many files, too big) is refused whole with :class:`~marker.errors.UploadError`,
judged from its directory before a byte is unpacked. A file that cannot be read is set aside
with its reason and never stops the others.
"""

from __future__ import annotations

import io
import os
import re
import stat
import struct
import zipfile
import zlib
from dataclasses import dataclass, field
from operator import attrgetter
from pathlib import Path, PurePosixPath
from typing import IO

from .errors import MAX_ANSWER_CHARS, AnswerFileError, UploadError
from .readers import (
    ARCHIVE_SUFFIXES,
    SCRIPT_SUFFIXES,
    TABLE_SUFFIXES,
    overlong,
    read_script,
    size_text,
    too_big,
    unsupported,
)
from .scripts import (
    DEFAULT_LIMITS,
    Ingested,
    Limits,
    Rejected,
    Script,
    bare_id,
    student_from,
    text_sha,
    unique_id,
)

# A high ratio on a small entry is harmless (a page of blank lines compresses very well).
_BOMB_MIN_BYTES = 1_000_000
# System and editor litter, skipped silently ("~$..." are Word's lock files).
_LITTER = {"__macosx", "thumbs.db", "desktop.ini"}
_LINK = "a symbolic link, not a file: links are never followed; copy the file itself in"


@dataclass
class Collector:
    """Collects scripts and rejections, keeping script ids unique."""

    scripts: list[Script] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    ids: set[str] = field(default_factory=set)
    limits: Limits = DEFAULT_LIMITS

    def reject(self, source: str, reason: str, script_id: str = "") -> None:
        """Set a file (or row) aside, giving it an id like a script's (its own, or its bare name)."""
        self.rejected.append(Rejected(source, reason, unique_id(script_id or bare_id(source), self.ids)))

    def add_file(self, source: str, rel: str, data: bytes) -> None:
        """Read one script file; ``rel`` is its path inside the folder or archive."""
        try:
            read = read_script(rel, data, self.limits)
        except AnswerFileError as exc:
            self.reject(source, str(exc))
            return
        text = read.text
        # The bare name, whichever folder the file was in (alice.txt next to alice.docx, or
        # set1/alice.txt and set2/alice.txt: alice and alice~2); ``source`` says where it was.
        stem = bare_id(rel)
        if len(text) > MAX_ANSWER_CHARS:
            self.reject(source, overlong(len(text)))
            return
        script_id = unique_id(stem, self.ids)
        self.keep(
            Script(
                script_id,
                student_from(stem),
                text,
                None,
                None,
                source,
                text_sha(text),
                read.ocr_confidence,
                read.ocr_doubtful,
            )
        )

    def keep(self, script: Script) -> None:
        if len(script.text) > MAX_ANSWER_CHARS:
            self.reject(script.source, overlong(len(script.text)), script.script_id)
            return
        self.ids.add(script.script_id)
        self.scripts.append(script)

    def result(self) -> Ingested:
        first: dict[str, str] = {}
        duplicates: list[tuple[str, str]] = []
        for s in self.scripts:
            if not s.text.strip():
                continue  # blank answers are alike without anyone copying
            if s.sha in first:
                duplicates.append((s.script_id, first[s.sha]))
            else:
                first[s.sha] = s.script_id
        return Ingested(self.scripts, self.rejected, duplicates)


def read_folder(root: Path, limits: Limits) -> Ingested:
    found: list[tuple[str, Path]] = []
    links: list[str] = []
    for dirpath, dirnames, filenames in os.walk(root):  # links to folders are never walked into
        dirnames[:] = [d for d in dirnames if not _is_litter(d)]
        for name in [*filenames, *dirnames]:
            path = Path(dirpath, name)
            if _is_litter(name):
                continue
            if path.is_symlink():
                links.append(path.relative_to(root).as_posix())
            elif name in filenames and path.is_file():  # no sockets or pipes
                found.append((path.relative_to(root).as_posix(), path))
    batch = Collector(limits=limits)
    for rel in sorted(links):
        batch.reject(f"{root.name}/{rel}", _LINK)
    for rel, path in sorted(found):
        source = f"{root.name}/{rel}"
        reason = _not_a_script(rel, "folders")
        if reason:
            batch.reject(source, reason)
            continue
        try:
            size = path.stat().st_size
            if size > limits.max_script_bytes:
                batch.reject(source, too_big(size, limits.max_script_bytes))
                continue
            data = path.read_bytes()
        except OSError as exc:
            batch.reject(source, f"cannot be read ({exc.strerror or exc})")
            continue
        batch.add_file(source, rel, data)
    return batch.result()


def read_zip(fileobj: IO[bytes], name: str, limits: Limits) -> Ingested:
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
        batch = Collector(limits=limits)
        for info in sorted(infos, key=attrgetter("filename")):
            rel = info.filename
            if info.is_dir() or any(_is_litter(part) for part in rel.split("/")):
                continue
            source = f"{name}:{rel}"
            reason = _LINK if _is_link(info) else _not_a_script(rel, "archives")
            if reason:
                batch.reject(source, reason)
                continue
            if info.file_size > limits.max_script_bytes:
                batch.reject(source, too_big(info.file_size, limits.max_script_bytes))
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
                batch.reject(source, f"over the {size_text(limits.max_script_bytes)} limit per script")
                continue
            batch.add_file(source, rel, data)
        return batch.result()


def check_archive_size(name: str, size: int, limits: Limits) -> None:
    if size > limits.max_archive_bytes:
        raise UploadError(
            f"{name} is {size_text(size)}, over the {size_text(limits.max_archive_bytes)} limit for an archive; "
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
            f"{name}: its files add up to {size_text(total)} unpacked, over the "
            f"{size_text(limits.max_total_uncompressed)} limit on the uncompressed size of an archive{nothing}"
        )
    for info in infos:
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > _BOMB_MIN_BYTES and ratio > limits.max_ratio:
            raise UploadError(
                f"{name}: '{info.filename}' would unpack from {size_text(info.compress_size)} to "
                f"{size_text(info.file_size)}, a compression ratio of {ratio:,.0f}:1, over the "
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


def _is_link(info: zipfile.ZipInfo) -> bool:
    """A symbolic link stored in a zip (by Unix zip tools): its content is the path it points to."""
    return stat.S_ISLNK(info.external_attr >> 16)


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
        return unsupported(suffix)
    return None
