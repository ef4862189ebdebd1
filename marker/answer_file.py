"""One answer read from a file or standard input, as ``marker mark`` reads it.

UTF-8 (with or without a BOM) or UTF-16 with a BOM, decoded by :func:`marker.readers.decode`
as batch marking decodes a script. Every way it can go wrong is an
:class:`~marker.errors.AnswerFileError` naming the file and what to do: no such file, a folder,
too big (with its real size, standard input included), not text.
"""

from __future__ import annotations

import sys
from pathlib import Path

from .errors import MAX_ANSWER_CHARS, AnswerFileError
from .readers import decode, looks_utf16

#: Largest input read, in bytes: a character takes at most 4 in UTF-8.
MAX_ANSWER_BYTES = MAX_ANSWER_CHARS * 4


def read_answer(source: str) -> str:
    """Read an answer from a file path or ``-`` (standard input): UTF-8, or UTF-16 with a BOM."""
    limit = MAX_ANSWER_BYTES
    if source == "-":
        data, size = _read_stdin(limit)
        name = "Standard input"
    else:
        path = Path(source)
        if path.is_dir():
            raise AnswerFileError(
                f"{source} is a folder, not an answer file: give one text file "
                f"(to mark a folder of scripts, use 'marker batch {source} --question ID --out FOLDER')."
            )
        if not path.is_file():
            raise AnswerFileError(f"No such answer file: {source}")
        size = path.stat().st_size
        data = b"" if size > limit else _read_bytes(path)
        name = source
    if size > limit:
        raise AnswerFileError(
            f"{name} is {size:,} bytes ({size / 1_000_000:.1f} MB); answers are limited to "
            f"{MAX_ANSWER_CHARS:,} characters."
        )
    if looks_utf16(data):
        raise AnswerFileError(
            f"{name} is UTF-16 text without a byte-order mark. Save it as plain text in UTF-8 "
            "(in Word: Save As > Plain Text > Unicode (UTF-8))."
        )
    try:
        return decode(data)
    except UnicodeDecodeError as exc:
        raise AnswerFileError(
            f"{name} is not UTF-8 text (undecodable byte at position {exc.start}). "
            "Save it as plain text in UTF-8 (in Word: Save As > Plain Text > Unicode (UTF-8))."
        ) from None


def _read_stdin(limit: int) -> tuple[bytes, int]:
    """Standard input's bytes (at most ``limit`` + 1 kept) and its whole size, read to the end."""
    stream = sys.stdin.buffer
    data = stream.read(limit + 1)
    size = len(data)
    while size > limit and (chunk := stream.read(1 << 20)):
        size += len(chunk)  # counted, not kept: the message gives the real size
    return data, size


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise AnswerFileError(f"{path} cannot be read: {exc.strerror or exc}.") from None
